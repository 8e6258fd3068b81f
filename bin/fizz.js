#!/usr/bin/env -S node --
// The `fizz` executable: runs the compiled CLI (`make build` writes dist/). The bundle
// (dist/cli/main.cjs, scripts/bundle-cli.mjs) is compiled with the V8 code cache saved next
// to it and starts in about half the time; a cache from another Node version is refused by
// V8 and the bundle is compiled from source. A build made by `tsc` alone has no bundle, and
// then the modules of dist/src run as they are.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const bundle = fileURLToPath(new URL('../dist/cli/main.cjs', import.meta.url));
const { main } = existsSync(bundle) ? loadBundle(bundle) : await import('../dist/src/cli/main.js');

process.exitCode = await main(process.argv.slice(2));

function loadBundle(file) {
  let cachedData;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    // no cache: compiled from source
  }
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname, importOutside) {${readFileSync(file, 'utf8')}\n})`,
    {
      filename: file,
      cachedData,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    },
  );
  const module = { exports: {} };
  script.runInThisContext()(
    module.exports,
    createRequire(file),
    module,
    file,
    dirname(file),
    (url) => import(url),
  );
  if (process.env.FIZZ_WRITE_CODE_CACHE)
    // After the run, so that the functions it compiled are in the cache too.
    process.once('beforeExit', () => {
      const target = process.env.FIZZ_WRITE_CODE_CACHE;
      writeFileSync(`${target}.tmp`, script.createCachedData());
      renameSync(`${target}.tmp`, target);
    });
  return module.exports;
}
