/**
 * A host's Fizz agent (`fizz agent` of this checkout), started in the host's namespace with
 * the host's environment, and the environment itself: what every command run "on" a host
 * sees (its engine, its FIZZ_HOME, this checkout's `fizz` first on PATH).
 */
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentClient } from '../../src/api/client.js';
import { DOCKER_API_VERSION, readPid } from './engine.js';
import type { ClusterLayout, HostLayout } from './layout.js';
import { alive } from './procs.js';
import { inNetns, poll, tailFile } from './sh.js';

/** This checkout (dist/test/cluster/ → three levels up). */
export const CHECKOUT = fileURLToPath(new URL('../../../', import.meta.url));
export const FIZZ_BIN = join(CHECKOUT, 'bin', 'fizz.js');

export class AgentStartError extends Error {
  override name = 'AgentStartError';
}

/** Writes <cluster>/bin/fizz, which runs this checkout's bin/fizz.js with this Node. */
export function writeFizzWrapper(c: ClusterLayout): void {
  mkdirSync(c.binDir, { recursive: true });
  const file = join(c.binDir, 'fizz');
  writeFileSync(file, `#!/bin/sh\nexec '${process.execPath}' '${FIZZ_BIN}' "$@"\n`);
  chmodSync(file, 0o755);
}

export function hostEnv(
  c: ClusterLayout,
  h: HostLayout,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  return {
    ...base,
    DOCKER_HOST: `unix://${h.engineSocket}`,
    DOCKER_API_VERSION,
    FIZZ_HOME: h.home,
    FIZZ_CLUSTER_HOST: h.name,
    PATH: [c.binDir, join(CHECKOUT, 'bin'), base.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'].join(':'),
  };
}

/** The pid of the host's agent when it is running (from FIZZ_HOME/agent.pid, which the agent writes). */
export function agentPid(h: HostLayout): number | undefined {
  const pid = readPid(join(h.home, 'agent.pid'));
  return alive(pid) ? pid : undefined;
}

export async function agentAnswers(h: HostLayout): Promise<boolean> {
  try {
    await new AgentClient(join(h.home, 'agent.sock')).info();
    return true;
  } catch {
    return false;
  }
}

/** Starts `fizz agent` for the host in the background; resolves with its pid once it answers. */
export async function startAgent(
  c: ClusterLayout,
  h: HostLayout,
  extraEnv: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<number> {
  mkdirSync(h.home, { recursive: true, mode: 0o700 });
  const log = openSync(h.agentLog, 'a');
  const argv = inNetns(h.netnsPath, [process.execPath, FIZZ_BIN, 'agent']);
  const child = spawn(argv[0]!, argv.slice(1), {
    detached: true,
    cwd: h.dir,
    env: { ...hostEnv(c, h), ...extraEnv },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  child.unref();
  const ok = await poll(
    async () => ((await agentAnswers(h)) ? true : exited !== null ? false : undefined),
    timeoutMs,
  );
  if (ok !== true)
    throw new AgentStartError(
      `${h.name}: the agent ${exited !== null ? `exited (${exited})` : 'did not answer in time'}; ` +
        `${h.agentLog} ends with:\n${tailFile(h.agentLog, 10)}`,
    );
  return child.pid!;
}
