#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/src/cli/main.js, after `tsc`) into dist/cli/, which
 * bin/fizz.js loads when it is there. One file to read and compile instead of ~100 modules
 * and the packages they use halves the CLI's start (README, Measured: cli-start). Code loaded
 * with `import()` (the compose loader, the YAML printer) lands in chunks of its own, read
 * only by the commands that use it. The agent's code is not bundled: `fizz agent` imports
 * dist/src/agent/daemon.js as it is (dockerode, libp2p and pino load files at run time).
 *
 *   node scripts/bundle-cli.mjs [distDir]
 */
import { readFile, rm } from 'node:fs/promises';
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

/** The agent stays outside the bundle: imported from dist/src/agent at run time. */
const agentOutside = {
  name: 'agent-outside',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      const file = resolve(args.resolveDir, args.path);
      if (!file.startsWith(`${agentDir}/`)) return undefined;
      return { path: fromOut(file), external: true };
    });
  },
};

/**
 * Modules find files next to themselves with `new URL(rel, import.meta.url)` (package.json,
 * the compose schema): each keeps the URL of its own file in dist/, computed from the chunk's.
 */
const ownUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(`${dist}/`)) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const here = JSON.stringify(relative(outdir, args.path).split('\\').join('/'));
      return {
        contents: text.replaceAll('import.meta.url', `new URL(${here}, import.meta.url).href`),
        loader: 'js',
      };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: join(dist, 'src', 'cli', 'main.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Bundled CommonJS packages (yaml, ajv) call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __fizzRequire } from 'node:module';\nconst require = __fizzRequire(import.meta.url);",
  },
  plugins: [agentOutside, ownUrl],
  logLevel: 'warning',
});
