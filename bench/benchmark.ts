/**
 * The shape every benchmark in bench/ exports as its default: a name, a one-line
 * description, and `run` that measures and returns the rows to print and the JSON object
 * with the keys its issue names.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchResult {
  /** [figure, value, note] rows, printed as a table. */
  rows: Array<[string, string | number, string?]>;
  /** Printed as the last line and written to bench/results/<name>.json by `make bench`. */
  json: Record<string, unknown>;
}

export interface Benchmark {
  name: string;
  description: string;
  /** `args` are the options after the benchmark's name, e.g. ['--nodes', '100']. */
  run(args: string[]): Promise<BenchResult>;
}

/** Parses `--key value` and `--flag` options into a map. */
export function parseOptions(args: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    if (eq > 0) out.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (i + 1 < args.length && !args[i + 1]!.startsWith('--')) out.set(arg.slice(2), args[++i]!);
    else out.set(arg.slice(2), 'true');
  }
  return out;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile of `values` (0 when empty). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** One timed run of a process. */
export interface Run {
  ms: number;
  code: number;
  out: string;
}

/** Runs `cmd args…` (default: this Node.js) and times it as a whole process. */
export function timed(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  cmd = process.execPath,
): Promise<Run> {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) => resolve({ ms: performance.now() - start, code: code ?? -1, out }));
  });
}

export function must(r: Run, what: string): Run {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.out.slice(-2000)}`);
  return r;
}

/**
 * Stops the agent of FIZZ_HOME `home`, if one runs, and waits (10 s at most) for it to exit:
 * it writes its state as it stops, so FIZZ_HOME can be removed only after.
 */
export async function stopAgent(home: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(join(home, 'agent.pid'), 'utf8'));
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // no agent started, or it is gone already
  }
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const deadline = performance.now() + 10_000;
  while (alive() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

/** Times `fn` `runs` times after `warmup` untimed calls: each run's ms. */
export function timeRuns(runs: number, warmup: number, fn: () => void): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return out;
}
