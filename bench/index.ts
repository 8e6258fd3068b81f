/**
 * One entry point for every benchmark.
 *   npm run bench -- <name> [options]   runs one, prints a table, then its JSON as the last line
 *   npm run bench -- --all [--out DIR]  runs every benchmark with its defaults and writes
 *                                       DIR/<name>.json (make bench uses bench/results)
 * A benchmark is any bench/<name>.ts whose default export is a Benchmark.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTable } from '../src/cli/table.js';
import type { Benchmark } from './benchmark.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const NOT_BENCHMARKS = new Set(['index', 'benchmark']);

function available(): string[] {
  return readdirSync(here)
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -3))
    .filter((n) => !NOT_BENCHMARKS.has(n))
    .sort();
}

async function load(name: string): Promise<Benchmark> {
  const mod = (await import(join(here, `${name}.js`))) as { default?: Benchmark };
  if (!mod.default || typeof mod.default.run !== 'function')
    throw new Error(`bench/${name}.ts has no default Benchmark`);
  return mod.default;
}

async function runOne(name: string, args: string[]): Promise<Record<string, unknown>> {
  const bench = await load(name);
  process.stdout.write(`# ${bench.name}: ${bench.description}\n`);
  const started = performance.now();
  const result = await bench.run(args);
  const rows = result.rows.map(([k, v, note]) => [k, String(v), note ?? '']);
  process.stdout.write(renderTable(['figure', 'value', 'note'], rows));
  process.stdout.write(`(${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  const json = { benchmark: bench.name, ...result.json };
  process.stdout.write(`${JSON.stringify(json)}\n`);
  return json;
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (!first || first === '--help' || first === '-h') {
    process.stdout.write(
      `usage: npm run bench -- <name> [options] | --all [--out DIR]\nbenchmarks: ${available().join(', ')}\n`,
    );
    return first ? 0 : 2;
  }
  if (first === '--all') {
    const outIdx = rest.indexOf('--out');
    const out = outIdx >= 0 ? rest[outIdx + 1]! : join(here, '..', '..', 'bench', 'results');
    mkdirSync(out, { recursive: true });
    let failed = 0;
    for (const name of available()) {
      try {
        const json = await runOne(name, []);
        writeFileSync(join(out, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
      } catch (err) {
        failed++;
        process.stderr.write(`bench ${name} failed: ${(err as Error).stack ?? err}\n`);
      }
    }
    return failed ? 1 : 0;
  }
  if (!available().includes(first)) {
    process.stderr.write(`unknown benchmark '${first}'; available: ${available().join(', ')}\n`);
    return 2;
  }
  await runOne(first, rest);
  return 0;
}

// Benchmarks may leave sockets or timers behind; the process ends when the work is done.
process.exit(await main(process.argv.slice(2)));
