#!/usr/bin/env -S node --
// The `fizz` executable: runs the compiled CLI (`make build` writes dist/). The bundle
// (dist/cli/main.cjs, scripts/bundle-cli.mjs) is compiled with the V8 code cache saved next
// to it (dist/src/code-cache.js) and starts in about half the time. A build made by `tsc`
// alone has no bundle, and then the modules of dist/src run as they are.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/cli/main.cjs', import.meta.url));
const { main } = existsSync(bundle) ? await loadBundle(bundle) : await import('../dist/src/cli/main.js');

process.exitCode = await main(process.argv.slice(2));

async function loadBundle(file) {
  const { cachedFunction } = await import('../dist/src/code-cache.js');
  const params = ['exports', 'require', 'module', '__filename', '__dirname', 'importOutside'];
  const run = cachedFunction(readFileSync(file, 'utf8'), params, file, `${file}.cache`);
  const module = { exports: {} };
  // importOutside: what the bundle leaves out (the agent) is imported from here, as V8 drops
  // a script's dynamic-import callback when the script comes from the code cache.
  run(module.exports, createRequire(file), module, file, dirname(file), (url) => import(url));
  return module.exports;
}
