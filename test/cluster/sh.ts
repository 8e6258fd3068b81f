/**
 * Running the system tools the harness drives (ip, iptables, nsenter, docker, umount): with
 * their output captured, a timeout, and one error class that names the command and quotes
 * what it said.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
}

export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    readonly argv: string[],
    readonly result: Run,
  ) {
    super(
      `${argv.join(' ')} exited ${result.code}: ${(result.stderr || result.stdout).trim().slice(0, 2000)}`,
    );
  }
}

export function run(argv: string[], opts: RunOptions = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => {
      stdout += d;
    });
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      stderr += String(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** Runs argv and returns its stdout; throws CommandError when it exits non-zero. */
export async function must(argv: string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) throw new CommandError(argv, r);
  return r.stdout;
}

/**
 * argv run inside a network namespace. `nsenter --net`, not `ip netns exec`: the latter
 * remounts /sys, and a dockerd started that way fails with "Devices cgroup isn't mounted".
 * nsenter execs the command, so the pid of the spawned process is the command's own.
 */
export function inNetns(netnsPath: string, argv: string[]): string[] {
  return ['nsenter', `--net=${netnsPath}`, '--', ...argv];
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every `everyMs` until it returns something other than undefined; undefined on timeout. */
export async function poll<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  everyMs = 100,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() >= deadline) return undefined;
    await sleep(everyMs);
  }
}

/** The last lines of a log file, for an error message ("" when it cannot be read). */
export function tailFile(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
