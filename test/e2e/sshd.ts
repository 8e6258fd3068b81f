/**
 * A private OpenSSH server on loopback for the `fizz --host ssh://…` tests: its own host
 * key, a generated client key pair, a temporary authorized_keys, a free port, and an ssh
 * client configuration the CLI finds through an `ssh` wrapper first on PATH (the user's own
 * ssh, as found on PATH). Nothing of the machine's /root/.ssh or /etc/ssh is used or changed.
 * Sessions get FIZZ_HOME and a PATH whose `fizz` is this checkout's.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { BIN, stopChild } from './harness.js';

export const SSHD = '/usr/sbin/sshd';
export const HAVE_SSHD = existsSync(SSHD);

export interface Sshd {
  port: number;
  /** Put first on the CLI's PATH: its `ssh` uses the test's client configuration. */
  clientBin: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function listening(port: number, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited: ${readFileSync(log, 'utf8')}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on ${port}: ${readFileSync(log, 'utf8')}`);
}

/** Starts sshd on 127.0.0.1:<free port>; sessions see `remoteHome` as FIZZ_HOME. */
export async function startSshd(dir: string, remoteHome: string): Promise<Sshd> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // sshd refuses to start without its privilege separation directory (Debian's package
  // makes it only when it starts the service, which nothing does here).
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(dir, 'host_ed25519');
  const userKey = join(dir, 'user_ed25519');
  for (const key of [hostKey, userKey])
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'fizz-test', '-f', key]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${userKey}.pub`), { mode: 0o600 });
  const port = await freePort();
  const serverBin = join(dir, 'server-bin');
  mkdirSync(serverBin);
  const fizz = join(serverBin, 'fizz');
  writeFileSync(fizz, `#!/bin/sh\nexec ${process.execPath} ${BIN} "$@"\n`);
  chmodSync(fizz, 0o755);
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      `SetEnv FIZZ_HOME=${remoteHome} PATH=${serverBin}:/usr/sbin:/usr/bin:/sbin:/bin NO_COLOR=1`,
      '',
    ].join('\n'),
  );
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${readFileSync(`${hostKey}.pub`, 'utf8')}`);
  const clientConfig = join(dir, 'ssh_config');
  writeFileSync(
    clientConfig,
    [
      'Host *',
      `  IdentityFile ${userKey}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${knownHosts}`,
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '  LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const clientBin = join(dir, 'client-bin');
  mkdirSync(clientBin);
  writeFileSync(join(clientBin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${clientConfig} "$@"\n`);
  chmodSync(join(clientBin, 'ssh'), 0o755);

  const log = join(dir, 'sshd.log');
  const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d) => writeFileSync(log, d, { flag: 'a' }));
  writeFileSync(log, '');
  await listening(port, child, log);
  return {
    port,
    clientBin,
    stop: () => stopChild(child),
  };
}
