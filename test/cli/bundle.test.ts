/**
 * The bundled CLI (dist/cli, scripts/bundle-cli.mjs) that bin/fizz.js runs: it is there after
 * `make build`, it starts without the packages only some commands need, and the commands that
 * load them lazily still find them and the files next to their modules.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { commands } from '../../src/cli/commands/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BUNDLE = join(ROOT, 'dist', 'cli', 'main.cjs');

const BIN = join(ROOT, 'bin', 'fizz.js');

/** The files and packages a module of dist/ imports statically (what loads before any command runs). */
function staticClosure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^(?:import|export)\s[^;'"]*?\sfrom\s*'([^']+)'|^import\s+'([^']+)'/gm)) {
    const spec = (m[1] ?? m[2])!;
    if (spec.startsWith('.')) staticClosure(join(dirname(file), spec), seen);
    else if (!spec.startsWith('node:')) seen.add(spec.replace(/^((?:@[^/]+\/)?[^/]+).*/, '$1'));
  }
  return seen;
}

test('make build writes the bundle bin/fizz.js runs', () => {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: run make build`);
});

test('what every command loads at start: clipanion, no other package, none of the agent or the compose loader', () => {
  const closure = [...staticClosure(join(ROOT, 'dist', 'src', 'cli', 'main.js'))];
  assert.deepEqual(
    closure.filter((f) => !f.startsWith('/')),
    ['clipanion'],
  );
  const inDist = closure.map((f) => f.slice(join(ROOT, 'dist', 'src').length + 1));
  assert.ok(inDist.includes('cli/commands/ps.js'), 'the walk follows the imports');
  assert.deepEqual(
    inDist.filter(
      (f) =>
        f.startsWith('agent/') ||
        f.startsWith('net/') ||
        f === 'compose/index.js' ||
        f === 'compose/model.js',
    ),
    [],
  );
  const bundle = readFileSync(BUNDLE, 'utf8');
  assert.match(
    bundle,
    /importOutside\(new URL\("\.\.\/src\/agent\/daemon\.js"/,
    'the agent is imported from dist/src',
  );
  assert.doesNotMatch(
    bundle,
    /node_modules\/(dockerode|yjs|libp2p|pino)\//,
    'no agent package in the bundle',
  );
  // V8 drops the dynamic-import callback of a script compiled from its code cache.
  assert.doesNotMatch(bundle, /\bimport\(/, 'no import() left in the bundle');
});

test('the code caches made at build time (the bundle, the schema validator) are accepted by this Node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-bundle-'));
  try {
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: busybox\n');
    const r = spawnSync(process.execPath, [BIN, 'config', '-q'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, FIZZ_DEBUG_CODE_CACHE: '1' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^code cache accepted: .*\/dist\/cli\/main\.cjs\.cache$/m);
    assert.match(r.stderr, /^code cache accepted: .*\/compose-spec-validator\.cache$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fizz --help through the bundle lists every command (but the hidden __complete); --version is the package version', () => {
  const help = execFileSync(process.execPath, [BIN, '--help'], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  for (const c of commands.filter((k) => k.usage))
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

test('a command through the bundle starts an agent in the background, which runs from dist/src', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-bundle-'));
  t.after(() => {
    try {
      process.kill(Number(readFileSync(join(dir, 'h', 'agent.pid'), 'utf8')), 'SIGTERM');
    } catch {
      // it did not start, or has stopped
    }
    rmSync(dir, { recursive: true, force: true });
  });
  // No engine at this address: the agent starts anyway and says so to the command.
  const r = spawnSync(process.execPath, [BIN, 'ls'], {
    encoding: 'utf8',
    env: { ...process.env, FIZZ_HOME: join(dir, 'h'), DOCKER_HOST: `unix://${dir}/no-engine.sock` },
    timeout: 30_000,
  });
  assert.match(r.stderr, /Starting the Fizz agent in the background/);
  assert.match(r.stderr, /Docker Engine is not reachable/, r.stderr);
  assert.match(readFileSync(join(dir, 'h', 'agent.log'), 'utf8'), /"msg":"agent ready"/);
});
