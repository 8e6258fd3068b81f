import { readFileSync } from 'node:fs';

/** Fizz's version, read once from package.json (the single source of truth). */
export const FIZZ_VERSION: string = (() => {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
})();
