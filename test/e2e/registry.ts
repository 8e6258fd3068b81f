/**
 * A real image registry on loopback for the image tests: Debian's `docker-registry` (the
 * CNCF Distribution registry) with a configuration of the test's own, optionally behind
 * htpasswd authentication, stopped and its storage removed by `stop()`. Docker pulls from
 * and pushes to plain-HTTP registries on 127.0.0.0/8 without any engine configuration.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  addr: string;
  stop(): Promise<void>;
}

function which(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why registry tests cannot run here, if they cannot. */
export function registryMissing(): string | undefined {
  if (!which('docker-registry')) return 'docker-registry is not installed (apt-get install docker-registry)';
  return undefined;
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** A bcrypt htpasswd line for `user:password` (htpasswd -Bbn). */
export function htpasswdLine(user: string, password: string): string {
  return execFileSync('htpasswd', ['-Bbn', user, password]).toString('utf8').trim();
}

export async function startRegistry(
  opts: { storage?: string; htpasswd?: string } = {},
): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'fz-reg-'));
  const storage = opts.storage ?? join(dir, 'data');
  const port = await freePort();
  const addr = `127.0.0.1:${port}`;
  let auth = '';
  if (opts.htpasswd !== undefined) {
    writeFileSync(join(dir, 'htpasswd'), `${opts.htpasswd}\n`);
    auth = `auth:\n  htpasswd:\n    realm: fizz-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\nhttp:\n  addr: ${addr}\n${auth}`,
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://${addr}/v2/`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200 || res.status === 401) return { addr, stop };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`docker-registry did not start on ${addr}: ${stderr}`);
}
