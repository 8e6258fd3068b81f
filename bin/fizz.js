#!/usr/bin/env -S node --
// The `fizz` executable: runs the compiled CLI (`make build` writes dist/). The bundle
// (dist/cli/main.cjs, scripts/bundle-cli.mjs) is compiled with the V8 code cache saved next
// to it (src/code-cache.ts, bundled as dist/cli/code-cache.cjs) and starts in about half the
// time. A build made by `tsc` alone has no bundle, and then the modules of dist/src run as
// they are. This file is CommonJS (bin/package.json): an ES module entry would start Node's
// ES module loader first, a few ms of every command.
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');

const dir = join(__dirname, '..', 'dist', 'cli');
const bundle = join(dir, 'main.cjs');

(existsSync(bundle) ? Promise.resolve(loadBundle(bundle)) : import('../dist/src/cli/main.js'))
  .then(({ main }) => main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  });

function loadBundle(file) {
  const { cachedFunction } = require(join(dir, 'code-cache.cjs'));
  const params = ['exports', 'require', 'module', '__filename', '__dirname', 'importOutside'];
  const run = cachedFunction(readFileSync(file, 'utf8'), params, file, `${file}.cache`);
  const module = { exports: {} };
  // importOutside: what the bundle leaves out (the agent) is imported from here, as V8 drops
  // a script's dynamic-import callback when the script comes from the code cache.
  run(module.exports, createRequire(file), module, file, dir, (url) => import(url));
  return module.exports;
}
