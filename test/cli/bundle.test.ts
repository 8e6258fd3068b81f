/**
 * The bundled CLI (dist/cli, scripts/bundle-cli.mjs) that bin/fizz.js runs: it is there after
 * `make build`, it starts without the packages only some commands need, and the commands that
 * load them lazily still find them and the files next to their modules.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { commands } from '../../src/cli/commands/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BUNDLE = join(ROOT, 'dist', 'cli', 'main.js');
const BIN = join(ROOT, 'bin', 'fizz.js');

/** The files a chunk imports statically (`from "./chunk-X.js"`), itself included. */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s*"(\.[^"]+)"/gms))
    staticClosure(join(dirname(file), m[1]!), seen);
  return seen;
}

/** The npm packages whose modules a chunk holds (esbuild heads each with `// node_modules/<pkg>/…`). */
function packagesIn(file: string): Set<string> {
  const out = new Set<string>();
  for (const m of readFileSync(file, 'utf8').matchAll(/^\/\/ node_modules\/((?:@[^/]+\/)?[^/]+)\//gm))
    out.add(m[1]!);
  return out;
}

test('make build writes the bundle bin/fizz.js runs', () => {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: run make build`);
});

test('what every command loads at start holds clipanion (and its typanion), no other package', () => {
  const packages = new Set<string>();
  for (const file of staticClosure(BUNDLE)) for (const p of packagesIn(file)) packages.add(p);
  assert.deepEqual([...packages].sort(), ['clipanion', 'typanion']);
  const lazy = readFileSync(BUNDLE, 'utf8');
  assert.match(lazy, /import\("\.\.\/src\/agent\/daemon\.js"\)/, 'the agent is imported from dist/src');
});

test('fizz --help through the bundle lists every command; --version is the package version', () => {
  const help = execFileSync(process.execPath, [BIN, '--help'], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  for (const c of commands)
    for (const path of c.paths ?? []) assert.match(help, new RegExp(`fizz ${path.join(' ')}\\b`));
  const version = execFileSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' }).trim();
  assert.equal(
    version,
    (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
  );
});

test('fizz config through the bundle loads the compose loader and its schema lazily', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-bundle-'));
  try {
    writeFileSync(
      join(dir, 'compose.yaml'),
      'name: bt\nservices:\n  web:\n    image: busybox\n    ports: ["8080:80"]\n',
    );
    const out = execFileSync(process.execPath, [BIN, 'config'], { cwd: dir, encoding: 'utf8' });
    assert.match(out, /^name: bt$/m);
    assert.match(out, /published: "8080"/);
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    imag: busybox\n');
    const bad = (() => {
      try {
        execFileSync(process.execPath, [BIN, 'config'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
        return '';
      } catch (err) {
        return String((err as { stderr: string }).stderr);
      }
    })();
    assert.match(bad, /unknown key 'imag'/, 'the schema validator was found and ran');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
