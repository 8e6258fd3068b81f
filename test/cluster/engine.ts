/**
 * A host's own Docker Engine: dockerd started inside the host's namespace with its own
 * socket, data-root, exec-root, pidfile, default bridge and cgroup parent, and the offline
 * test images copied into it from the main engine (nothing can be pulled here).
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { HostLayout } from './layout.js';
import { alive } from './procs.js';
import { inNetns, must, poll, tailFile } from './sh.js';

/** The main engine, where the images are built (scripts/ensure-docker.sh). */
export const MAIN_ENGINE = 'unix:///var/run/docker.sock';
/** Debian's engine 20.10 speaks API 1.41 and refuses a newer client's default. */
export const DOCKER_API_VERSION = '1.41';

export class EngineStartError extends Error {
  override name = 'EngineStartError';
}

export function dockerEnv(host: string): NodeJS.ProcessEnv {
  return { ...process.env, DOCKER_HOST: host, DOCKER_API_VERSION };
}

export function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of the host's dockerd when it is running. */
export function enginePid(h: HostLayout): number | undefined {
  const pid = readPid(h.enginePidfile);
  return alive(pid) ? pid : undefined;
}

/** GET /_ping on the engine's socket: true when it answers OK. */
export function engineAnswers(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Starts dockerd for the host in the background; resolves with its pid once it answers. */
export async function startEngine(h: HostLayout, timeoutMs = 30_000): Promise<number> {
  mkdirSync(h.dir, { recursive: true });
  // Its own (empty) config file: a daemon.json in /etc/docker is the main engine's business.
  writeFileSync(h.engineConfig, '{}\n');
  // A SIGKILLed dockerd leaves its pidfile and its containerd's, and a new one refuses to start
  // (or waits for the old containerd) while the pid in them exists, as it may for a while as a
  // zombie that pid 1 has not reaped yet.
  for (const pidfile of [h.enginePidfile, join(h.execRoot, 'containerd', 'containerd.pid')])
    if (!alive(readPid(pidfile))) rmSync(pidfile, { force: true });
  const log = openSync(h.engineLog, 'a');
  const argv = inNetns(h.netnsPath, [
    'dockerd',
    ...['--config-file', h.engineConfig, '--host', `unix://${h.engineSocket}`],
    ...['--data-root', h.dataRoot, '--exec-root', h.execRoot, '--pidfile', h.enginePidfile],
    ...['--bip', h.bip, '--cgroup-parent', h.cgroupParent],
  ]);
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  child.unref();
  const ok = await poll(
    async () => ((await engineAnswers(h.engineSocket)) ? true : exited !== null ? false : undefined),
    timeoutMs,
  );
  if (ok !== true)
    throw new EngineStartError(
      `${h.name}: dockerd ${exited !== null ? `exited (${exited})` : 'did not answer in time'}; ` +
        `${h.engineLog} ends with:\n${tailFile(h.engineLog, 10)}`,
    );
  return child.pid!;
}

/** Saves images from the main engine into one tar, to load into every host. */
export async function saveImages(images: string[], tar: string): Promise<void> {
  await must(['docker', 'save', '-o', tar, ...images], { env: dockerEnv(MAIN_ENGINE), timeoutMs: 120_000 });
}

export async function loadImages(h: HostLayout, tar: string): Promise<void> {
  await must(['docker', 'load', '-q', '-i', tar], {
    env: dockerEnv(`unix://${h.engineSocket}`),
    timeoutMs: 120_000,
  });
}

/** True when the main engine answers and has every image (else scripts/ensure-docker.sh is due). */
export async function mainEngineReady(images: string[]): Promise<boolean> {
  if (!(await engineAnswers(MAIN_ENGINE.slice('unix://'.length)))) return false;
  for (const image of images) {
    try {
      await must(['docker', 'image', 'inspect', '-f', '{{.Id}}', image], { env: dockerEnv(MAIN_ENGINE) });
    } catch {
      return false;
    }
  }
  return true;
}
