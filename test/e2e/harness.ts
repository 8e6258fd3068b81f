/**
 * Helpers for the end-to-end tests: run the real `fizz` binary with its own FIZZ_HOME, read
 * the engine through the `docker` CLI (independent of Fizz's runtime), and clean up every
 * container, network and volume a test's project made, and its agent, even on failure.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'fizz.js');
export const SKIP_DOCKER = process.env.FIZZ_SKIP_DOCKER === '1';
/** Appended to a test's name when it is skipped, so the reason shows. */
export const SKIP_REASON = ' (skipped: FIZZ_SKIP_DOCKER=1, no Docker Engine)';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  home: string;
  dir: string;
  project: string;
  env: NodeJS.ProcessEnv;
  /** Runs `fizz args…` in the sandbox's directory; `input`, if given, is piped to its stdin. */
  fizz(args: string[], opts?: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string }): Promise<Run>;
  /** Writes compose.yaml (with `name:` set to the project) and returns its path. */
  compose(yaml: string, file?: string): string;
  agentPid(): number | undefined;
  cleanup(): Promise<void>;
}

export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
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
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

export async function docker(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'docker',
      args,
      { env: { ...process.env, DOCKER_API_VERSION: '1.41' } },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`docker ${args.join(' ')}: ${stderr || err.message}`));
        else resolve(stdout);
      },
    );
  });
}

/** Container ids of a project (running or not), by the label Fizz puts on them. */
export async function containerIds(project: string): Promise<string[]> {
  const out = await docker('ps', '-aq', '--no-trunc', '--filter', `label=fizz.project=${project}`);
  return out.split('\n').filter(Boolean).sort();
}

export async function networkNames(project: string): Promise<string[]> {
  const out = await docker('network', 'ls', '-q', '--filter', `label=fizz.project=${project}`);
  return out.split('\n').filter(Boolean);
}

export async function volumeNames(project: string): Promise<string[]> {
  const out = await docker('volume', 'ls', '-q', '--filter', `label=fizz.project=${project}`);
  return out.split('\n').filter(Boolean);
}

/** A row of `fizz ps --format json`: the fields the tests read. */
export interface PsJson {
  ID: string;
  Name: string;
  Service: string;
  Replica: number;
  State: string;
  Status: string;
  Command: string;
}

/** The parts of `docker inspect` the tests read. */
export interface Inspected {
  Id: string;
  Config: { Labels: Record<string, string> };
  State: {
    Running: boolean;
    ExitCode: number;
    StartedAt: string;
    FinishedAt: string;
    Health?: { Status: string; Log: Array<{ ExitCode: number; Start: string; End: string }> };
  };
}

export async function inspect(id: string): Promise<Inspected> {
  return JSON.parse(await docker('inspect', id))[0];
}

let counter = 0;

export function sandbox(tag: string): Sandbox {
  // Short paths: a unix socket path must stay under 108 bytes.
  const dir = mkdtempSync(join(tmpdir(), 'fz-'));
  const home = join(dir, 'h');
  mkdirSync(home, { mode: 0o700 });
  const project = `fz-${tag}-${process.pid}-${++counter}`;
  const env: NodeJS.ProcessEnv = { ...process.env, FIZZ_HOME: home, NO_COLOR: '1' };
  const sb: Sandbox = {
    home,
    dir,
    project,
    env,
    fizz: (args, opts = {}) =>
      run(process.execPath, [...process.execArgv, BIN, ...args], {
        env: { ...env, ...opts.env },
        cwd: dir,
        timeoutMs: opts.timeoutMs ?? 90_000,
        input: opts.input,
      }),
    compose: (yaml, file = 'compose.yaml') => {
      const path = join(dir, file);
      writeFileSync(path, `name: ${project}\n${yaml}`);
      return path;
    },
    agentPid: () => {
      try {
        return Number(readFileSync(join(home, 'agent.pid'), 'utf8').trim()) || undefined;
      } catch {
        return undefined;
      }
    },
    cleanup: async () => {
      const pid = sb.agentPid();
      if (pid) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      const ids = await containerIds(project).catch(() => []);
      if (ids.length) await docker('rm', '-f', ...ids).catch(() => '');
      const nets = await networkNames(project).catch(() => []);
      if (nets.length) await docker('network', 'rm', ...nets).catch(() => '');
      const vols = await volumeNames(project).catch(() => []);
      if (vols.length) await docker('volume', 'rm', '-f', ...vols).catch(() => '');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return sb;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until process `pid` is gone (a signal 0 to it fails). */
export function processGone(pid: number, timeoutMs = 10_000, what = 'the agent to die'): Promise<true> {
  return eventually(
    async () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    },
    timeoutMs,
    what,
  );
}

/** A `fizz` command left running (`up` attached, `logs -f`): its output so far and its exit. */
export interface Running {
  child: ChildProcess;
  out(): string;
  err(): string;
  exited: Promise<number>;
}

/** Starts `fizz args…` in the sandbox's directory, stdin closed, and leaves it running. */
export function spawnFizz(sb: Sandbox, args: string[]): Running {
  const child = spawn(process.execPath, [...process.execArgv, BIN, ...args], {
    cwd: sb.dir,
    env: sb.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return { child, out: () => stdout, err: () => stderr, exited };
}

export async function httpGet(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

/** Sends `signal` to a child this test started and resolves once it has exited. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
