/**
 * `fizz --host ssh://user@node[:port]` (or FIZZ_HOST): every request to the agent goes
 * through the user's own `ssh`, as `docker -H ssh://` does. Each request starts
 * `ssh … -- node fizz system dial-stdio`, whose standard input and output are bridged to the
 * node's agent socket, so the node opens no port beyond its sshd and the socket stays
 * owner-only. ssh's own configuration (keys, agent, known hosts, jump hosts) applies.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { Dialer } from '../api/transport.js';

/** FIZZ_HOST or `--host` is not an `ssh://[user@]host[:port]` address. */
export class HostAddressError extends Error {
  override readonly name = 'HostAddressError';
}

/** ssh could not reach the node, or the node's `fizz` could not reach its agent. */
export class RemoteHostError extends Error {
  override readonly name = 'RemoteHostError';
}

export interface SshTarget {
  user?: string;
  host: string;
  port?: number;
  /** As given, for messages. */
  url: string;
}

/** The command the node runs: its `fizz` on the PATH of a non-interactive ssh session. */
export const REMOTE_COMMAND = ['fizz', 'system', 'dial-stdio'];

/** How long ssh may take to connect before it gives up (a host that drops packets). */
const CONNECT_TIMEOUT_S = 15;

export function parseHost(text: string): SshTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new HostAddressError(`--host wants ssh://[user@]host[:port], not "${text}"`);
  }
  if (url.protocol !== 'ssh:')
    throw new HostAddressError(
      `--host wants ssh://[user@]host[:port], not "${text}" (only ssh is supported: the agent listens on no port)`,
    );
  if (
    !url.hostname ||
    url.password ||
    (url.pathname !== '' && url.pathname !== '/') ||
    url.search ||
    url.hash
  )
    throw new HostAddressError(`--host wants ssh://[user@]host[:port], not "${text}"`);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  // Everything after `--` is a host name to ssh, but a name that starts with `-` never is one.
  if (host.startsWith('-')) throw new HostAddressError(`--host: "${host}" is not a host name`);
  return {
    user: url.username ? decodeURIComponent(url.username) : undefined,
    host,
    port: url.port ? Number(url.port) : undefined,
    url: text,
  };
}

/** The arguments of the ssh command that bridges one connection. */
export function sshArgs(target: SshTarget): string[] {
  return [
    '-o',
    `ConnectTimeout=${CONNECT_TIMEOUT_S}`,
    ...(target.user ? ['-l', target.user] : []),
    ...(target.port ? ['-p', String(target.port)] : []),
    '--',
    target.host,
    ...REMOTE_COMMAND,
  ];
}

/**
 * A child process's stdout and stdin as one stream. Its end waits for the process to exit:
 * an ssh that fails before any byte came back fails the stream with ssh's last stderr line,
 * so the user reads why (refused, unknown host, no key) instead of "socket hang up".
 */
export class ChildStream extends Duplex {
  private received = false;
  private stderr = '';
  private idle: { ms: number; timer?: NodeJS.Timeout } = { ms: 0 };

  constructor(
    private readonly child: ChildProcess,
    private readonly target: string,
  ) {
    // When ssh ends, so does the connection both ways: a kept-alive one leaves the pool.
    super({ allowHalfOpen: false });
    const out = child.stdout!;
    out.on('data', (chunk: Buffer) => {
      this.received = true;
      this.touch();
      if (!this.push(chunk)) out.pause();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4096);
    });
    child.stdin!.on('error', () => {
      // EPIPE when ssh exits first: its exit tells why.
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      this.destroy(
        new RemoteHostError(
          err.code === 'ENOENT'
            ? `cannot reach ${target}: no ssh command on PATH (install OpenSSH's client)`
            : `cannot reach ${target}: ${err.message}`,
        ),
      );
    });
    child.on('close', (code) => {
      if (code !== 0 && !this.received) this.destroy(new RemoteHostError(this.failure(code)));
      else this.push(null);
    });
  }

  private failure(code: number | null): string {
    const lines = this.stderr
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
    const last = lines.at(-1)?.replace(/^error: /, '');
    return `cannot reach the Fizz agent on ${this.target}: ${last ?? `ssh exited with code ${code}`}`;
  }

  override _read(): void {
    this.child.stdout?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.touch();
    if (this.child.stdin?.writable) this.child.stdin.write(chunk, () => cb());
    else cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.child.stdin?.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    clearTimeout(this.idle.timer);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
    cb(err);
  }

  // What node:http asks of a socket.

  /** As a socket's: 'timeout' after `ms` without traffic (the HTTP agent ends idle ones so). */
  setTimeout(ms: number, listener?: () => void): this {
    if (listener) this.once('timeout', listener);
    this.idle.ms = ms;
    this.touch();
    return this;
  }

  private touch(): void {
    clearTimeout(this.idle.timer);
    if (this.idle.ms > 0 && !this.destroyed)
      this.idle.timer = setTimeout(() => this.emit('timeout'), this.idle.ms).unref();
  }

  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  /** A kept-alive connection is unref'd while idle, so the command ends without waiting for
   * ssh; the ssh then sees its input close and exits. */
  ref(): this {
    this.child.ref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as Socket | null)?.ref();
    return this;
  }
  unref(): this {
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as Socket | null)?.unref();
    return this;
  }
}

/** A dialer that opens each connection through `ssh` (found on `env`'s PATH). */
export function sshDialer(target: SshTarget, env: NodeJS.ProcessEnv = process.env): Dialer {
  return () =>
    new ChildStream(spawn('ssh', sshArgs(target), { env, stdio: ['pipe', 'pipe', 'pipe'] }), target.url);
}
