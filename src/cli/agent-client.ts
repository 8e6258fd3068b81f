/**
 * Reaching the agent from the CLI. When none answers and the command may start one, the
 * CLI starts `fizz agent` as a detached background process (its output in FIZZ_HOME's
 * agent.log) and waits for its socket, so `fizz up` on a new machine is one command.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AgentClient } from '../api/client.js';
import { AgentStartError, AgentUnreachableError } from '../api/errors.js';
import type { HomePaths } from '../api/paths.js';
import { parseHost, sshDialer } from './ssh-host.js';

export interface ConnectOptions {
  paths: HomePaths;
  /** Start an agent in the background when none answers. */
  autoStart: boolean;
  /** How long to wait for a started agent's socket, ms. */
  startTimeoutMs?: number;
  /** Told when an agent is being started. */
  onStart?: (logFile: string) => void;
  /**
   * The command's environment (`this.context.env`): the started agent gets it, and its
   * FIZZ_HOST (`--host`) sends every request to that node's agent through ssh instead.
   */
  env: NodeJS.ProcessEnv;
}

const BIN = fileURLToPath(new URL('../../../bin/fizz.js', import.meta.url));

async function answers(client: AgentClient): Promise<boolean> {
  try {
    await client.info();
    return true;
  } catch (err) {
    if (err instanceof AgentUnreachableError) return false;
    throw err;
  }
}

/**
 * Why a started agent exited, from what it wrote to its log since `from`: its `error:` line
 * (`fizz agent` ends a failed start with one), else the last lines it wrote.
 */
export function startFailure(file: string, from: number): string {
  let text: string;
  try {
    text = readFileSync(file).subarray(from).toString('utf8');
  } catch {
    return '';
  }
  const lines = text.trimEnd().split('\n');
  const error = lines.filter((l) => l.startsWith('error: ')).pop();
  if (error) return error.slice('error: '.length);
  return lines.slice(-5).join('\n');
}

/**
 * `connectAgent`, with a read-only question for the agent sent alongside its `info`: when an
 * agent answers, the command waits for one round trip instead of two (`fizz ps`). When none
 * does, the question is asked again once `connectAgent` has started one. Through `--host`
 * the two go one after the other, over the one ssh connection.
 */
export async function connectAsking<T>(
  options: ConnectOptions,
  ask: (client: AgentClient) => Promise<T>,
): Promise<{ client: AgentClient; answer: T }> {
  if (!options.env.FIZZ_HOST) {
    const client = new AgentClient(options.paths.socket);
    const asked = ask(client);
    // Read below when the agent answers; with no agent its failure is that, and is asked again.
    asked.catch(() => undefined);
    if (await answers(client)) return { client, answer: await asked };
  }
  const client = await connectAgent(options);
  return { client, answer: await ask(client) };
}

export async function connectAgent(options: ConnectOptions): Promise<AgentClient> {
  const { paths } = options;
  const { env } = options;
  if (env.FIZZ_HOST) {
    // The node's `fizz system dial-stdio` starts its agent when none runs.
    const target = parseHost(env.FIZZ_HOST);
    const remote = new AgentClient(target.url, sshDialer(target, env));
    await remote.info();
    return remote;
  }
  const client = new AgentClient(paths.socket);
  if (await answers(client)) return client;
  if (!options.autoStart) throw new AgentUnreachableError(paths.socket);

  // Loaded only to start an agent: child_process adds ~4 ms to every command's start.
  const { spawn } = await import('node:child_process');
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  options.onStart?.(paths.log);
  const log = openSync(paths.log, 'a', 0o600);
  const from = fstatSync(log).size;
  const child = spawn(process.execPath, [...process.execArgv, BIN, 'agent'], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...env, FIZZ_HOME: paths.home },
  });
  closeSync(log);
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  child.unref();

  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    if (await answers(client)) return client;
    if (exited !== null)
      throw new AgentStartError(
        `the agent exited (code ${exited}) before answering: ${startFailure(paths.log, from)} (log: ${paths.log})`,
      );
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new AgentStartError(`the agent did not answer on ${paths.socket} in time; see ${paths.log}`);
}
