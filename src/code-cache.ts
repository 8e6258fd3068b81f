/**
 * V8's code cache for the code the CLI compiles on every run: the bundled CLI (bin/fizz.js)
 * and the compose schema validator (compose/schema.ts, ~400 KB of generated code). Node 20
 * has no compile cache of its own (module.enableCompileCache came in Node 22).
 *
 * The caches are made by the build's training run (scripts/bundle-cli.mjs sets
 * FIZZ_WRITE_CODE_CACHE=1): each is written when that run ends, so it holds the functions the
 * run compiled and not only the top level. V8 refuses a cache made by another V8, with other
 * flags or for other source; the code is then compiled from source, as without a cache.
 * FIZZ_DEBUG_CODE_CACHE=1 says on stderr what became of each.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import vm from 'node:vm';

/** `source` compiled as a script named `filename`, with the cache in `cacheFile` if V8 takes it. */
export function compileCached(source: string, filename: string, cacheFile: string): vm.Script {
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // no cache (a build without the training run): compiled from source
  }
  const script = new vm.Script(source, { filename, cachedData });
  if (process.env.FIZZ_DEBUG_CODE_CACHE) {
    const fate = !cachedData ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted';
    process.stderr.write(`code cache ${fate}: ${cacheFile}\n`);
  }
  if (process.env.FIZZ_WRITE_CODE_CACHE === '1')
    process.once('beforeExit', () => {
      writeFileSync(`${cacheFile}.tmp`, script.createCachedData());
      renameSync(`${cacheFile}.tmp`, cacheFile);
    });
  return script;
}

/** CommonJS code as a function of `params`, compiled with its cache: what the caller runs. */
export function cachedFunction(
  code: string,
  params: string[],
  filename: string,
  cacheFile: string,
): (...args: unknown[]) => void {
  const source = `(function (${params.join(', ')}) {${code}\n})`;
  return compileCached(source, filename, cacheFile).runInThisContext() as (...args: unknown[]) => void;
}
