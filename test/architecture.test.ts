/**
 * The import direction of DESIGN.md, enforced: each layer may import only what its row
 * allows. Reads the TypeScript sources as text (this file runs from dist/test/).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  const abs = join(root, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(abs, name);
    if (statSync(path).isDirectory()) return sources(join(dir, name));
    return name.endsWith('.ts') ? [path] : [];
  });
}

interface Import {
  spec: string;
  typeOnly: boolean;
}

function imports(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  const re =
    /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of text.matchAll(re)) out.push({ spec: m[3] ?? m[4]!, typeOnly: Boolean(m[2]) });
  return out;
}

/** Where a relative import lands, as a path from the repository root. */
function target(file: string, spec: string): string {
  return relative(root, join(file, '..', spec)).replaceAll('\\', '/');
}

function check(dir: string, allowed: (imp: Import, landsIn: string | null) => boolean): string[] {
  const bad: string[] = [];
  for (const file of sources(dir)) {
    for (const imp of imports(file)) {
      const landsIn = imp.spec.startsWith('.') ? target(file, imp.spec) : null;
      if (!allowed(imp, landsIn)) bad.push(`${relative(root, file)} imports ${imp.spec}`);
    }
  }
  return bad;
}

const builtin = (s: string) => s.startsWith('node:');
const inside = (landsIn: string | null, ...dirs: string[]) =>
  landsIn !== null && dirs.some((d) => landsIn === d || landsIn.startsWith(`${d}/`));

test('swim/ imports nothing of Fizz and no package', () => {
  assert.deepEqual(
    check('swim', (imp, at) => builtin(imp.spec) || inside(at, 'swim')),
    [],
  );
});

test('crdt/ imports yjs only', () => {
  assert.deepEqual(
    check('crdt', (imp, at) => builtin(imp.spec) || imp.spec === 'yjs' || inside(at, 'crdt')),
    [],
  );
});

test('src/compose/ imports nothing of the cluster', () => {
  assert.deepEqual(
    // code-cache.ts: V8's code cache for the saved schema validator (node built-ins only).
    check('src/compose', (_imp, at) =>
      at === null ? true : inside(at, 'src/compose', 'src/version.ts', 'src/code-cache.js'),
    ),
    [],
  );
});

test('src/placement/ and src/reconcile/ are pure: types only from outside', () => {
  for (const dir of ['src/placement', 'src/reconcile']) {
    assert.deepEqual(
      check(dir, (imp, at) =>
        builtin(imp.spec) ? imp.spec === 'node:crypto' : at !== null && (inside(at, dir) || imp.typeOnly),
      ),
      [],
      dir,
    );
  }
});

test('src/runtime/ imports dockerode and types only', () => {
  assert.deepEqual(
    check(
      'src/runtime',
      (imp, at) =>
        builtin(imp.spec) ||
        imp.spec === 'dockerode' ||
        inside(at, 'src/runtime') ||
        (at !== null && imp.typeOnly),
    ),
    [],
  );
});

test('swim/, crdt/ and src/ below the agent never import the CLI or the agent', () => {
  for (const dir of [
    'swim',
    'crdt',
    'src/compose',
    'src/placement',
    'src/reconcile',
    'src/runtime',
    'src/net',
  ]) {
    assert.deepEqual(
      check(dir, (_imp, at) => !inside(at, 'src/cli', 'src/agent')),
      [],
      dir,
    );
  }
});
