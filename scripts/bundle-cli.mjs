#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/src/cli/main.js, after `tsc`) into one CommonJS file,
 * dist/cli/main.cjs (and src/code-cache.ts, which bin/fizz.js loads it with, into
 * dist/cli/code-cache.cjs), and saves V8's code cache for it (main.cjs.cache) and for the compose
 * schema validator, which bin/fizz.js and the loader compile them with (src/code-cache.ts). One file instead of ~100 modules and the packages they use, compiled
 * from the cache instead of from source, takes a third off the CLI's start (README,
 * Measured: cli-start). Node 20 has no compile cache of its own (module.enableCompileCache
 * is Node 22), and V8 only caches scripts, hence CommonJS.
 *
 * Code loaded with `import()` (the compose loader, the YAML printer) stays lazy: esbuild
 * runs a module's body on its first import. The agent is not bundled: `fizz agent` imports
 * dist/src/agent/daemon.js as it is (dockerode, libp2p and pino load files at run time).
 *
 * The cache holds what a run compiled: it is written after `fizz config -q` on a small
 * project, so the loader, YAML parser and schema validator come from it too.
 *
 *   node scripts/bundle-cli.mjs [distDir]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(process.argv[2] ?? join(root, 'dist'));
const outdir = join(dist, 'cli');
const agentDir = join(dist, 'src', 'agent');

/** A path from the bundle's folder, as an import specifier. */
const fromOut = (file) => {
  const rel = relative(outdir, file).split('\\').join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
};

/**
 * Rewrites what a module of dist/ says about where it lives:
 * - `new URL(rel, import.meta.url)` (package.json, the compose schema) keeps the URL of the
 *   module's own file in dist/, computed from the bundle's;
 * - `import('…/agent/…')` stays outside the bundle and goes through `importOutside`, the
 *   loader bin/fizz.js hands in: V8 drops a script's dynamic-import callback when the script
 *   is compiled from the code cache ("A dynamic import callback was not specified"); so no
 *   `import()` may be left in the bundle, and built-ins are required instead.
 */
const rewrite = {
  name: 'fizz-dist-paths',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(`${dist}/`)) return undefined;
      let text = await readFile(args.path, 'utf8');
      const urlOf = (file) =>
        `new URL(${JSON.stringify(fromOut(file))}, require("node:url").pathToFileURL(__filename)).href`;
      text = text.replaceAll('import.meta.url', urlOf(args.path));
      text = text.replace(/\bimport\((['"])(\.[^'"]+)\1\)/g, (whole, _q, spec) => {
        const file = resolve(dirname(args.path), spec);
        return file.startsWith(`${agentDir}/`) ? `importOutside(${urlOf(file)})` : whole;
      });
      // esbuild keeps `import('node:…')` as it is; CommonJS's require loads a built-in as well.
      text = text.replace(
        /\bimport\((['"])(node:[^'"]+)\1\)/g,
        'Promise.resolve().then(() => require("$2"))',
      );
      return { contents: text, loader: 'js' };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(dist, 'src', 'cli', 'main.js')],
  outfile: join(outdir, 'main.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // The engine client (and its native ssh2) is required from node_modules when a command
  // that talks to the engine itself first needs it (src/cli/engine.ts), never at start.
  external: ['dockerode'],
  plugins: [rewrite],
  logLevel: 'warning',
});
// The code cache's loader, as CommonJS for bin/fizz.js (which is CommonJS to start sooner).
await build({
  entryPoints: [join(dist, 'src', 'code-cache.js')],
  outfile: join(outdir, 'code-cache.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});

// The training run: what it compiled is written to the code caches (src/code-cache.ts).
const project = mkdtempSync(join(tmpdir(), 'fizz-bundle-'));
try {
  writeFileSync(
    join(project, 'compose.yaml'),
    'name: train\nservices:\n  web:\n    image: busybox\n    ports: ["8080:80"]\n    environment: [A=1]\n',
  );
  execFileSync(process.execPath, [join(root, 'bin', 'fizz.js'), 'config', '-q'], {
    cwd: project,
    env: {
      ...process.env,
      FIZZ_WRITE_CODE_CACHE: '1',
      FIZZ_HOME: join(project, 'h'),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
} finally {
  rmSync(project, { recursive: true, force: true });
}
