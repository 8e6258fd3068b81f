/**
 * Admission over TCP on the cluster port + 1 (7172): a member's server that lets a holder of
 * a live join token in (handshake.ts) and hands it the cluster key, and the joiner's client.
 * Frames are a 4-byte length and a body of at most 64 KiB; every connection has 5 s to
 * finish and at most 16 are served at once. A hello whose token is unknown, expired or
 * revoked, or any malformed byte, ends the connection without a word: nothing is answered
 * and nothing changes.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../logger.js';
import {
  CHALLENGE_BYTES,
  checkTag,
  ephemeral,
  HandshakeError,
  hello,
  open,
  parseHello,
  seal,
  session,
  tag,
} from './handshake.js';
import type { TokenRecord } from './tokens.js';

export const ADMISSION_PORT_OFFSET = 1;
const MAX_FRAME = 64 * 1024;
const TIMEOUT_MS = 5_000;
const MAX_CONNECTIONS = 16;

/** What a member hands an admitted node. */
export interface Welcome {
  key: string;
  secrets?: string;
  tie: 'availability' | 'safety';
  seeds: string[];
  /** Node id → Ed25519 public key (base64url) of every registered node (node-keys.ts). */
  keys?: Record<string, string>;
}

export interface Joiner {
  node: string;
  name: string;
  /** The joiner's Ed25519 public key (base64url): bound to its node id once admitted. */
  key?: string;
}

export interface AdmissionServerOptions {
  host: string;
  port: number;
  /** The live token with this id (tokens.ts), if any. */
  token: (id: string) => TokenRecord | undefined;
  /** Why this joiner may not join (a removed node), or undefined. */
  refuse: (j: Joiner) => string | undefined;
  /** Called once a joiner is let in, before its welcome is sealed. */
  admitted?: (j: Joiner) => void;
  welcome: () => Welcome;
  logger: Logger;
}

/** Reads whole frames off a socket, in order. */
class FrameReader {
  private buf = Buffer.alloc(0);
  private waiting: ((b: Buffer | Error) => void) | undefined;
  private failed: Error | undefined;

  constructor(socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.pump();
    });
    const end = (err?: Error) => {
      this.failed ??= err ?? new HandshakeError('connection closed');
      this.pump();
    };
    socket.on('end', () => end());
    socket.on('close', () => end());
    socket.on('error', (err) => end(err));
  }

  next(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting = (b) => (b instanceof Error ? reject(b) : resolve(b));
      this.pump();
    });
  }

  private pump(): void {
    const w = this.waiting;
    if (!w) return;
    if (this.buf.length >= 4) {
      const n = this.buf.readUInt32BE(0);
      if (n > MAX_FRAME) {
        this.waiting = undefined;
        w(new HandshakeError(`frame of ${n} bytes`));
        return;
      }
      if (this.buf.length >= 4 + n) {
        const body = this.buf.subarray(4, 4 + n);
        this.buf = this.buf.subarray(4 + n);
        this.waiting = undefined;
        w(Buffer.from(body));
        return;
      }
    }
    if (this.failed) {
      this.waiting = undefined;
      w(this.failed);
    }
  }
}

function send(socket: Socket, body: Buffer): void {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  socket.write(Buffer.concat([len, body]));
}

export async function startAdmission(o: AdmissionServerOptions): Promise<Server> {
  const server = createServer((socket) => {
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy());
    admit(socket, o).catch((err) => {
      o.logger.debug?.({ err: (err as Error).message, from: socket.remoteAddress }, 'admission refused');
      socket.destroy();
    });
  });
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

async function admit(socket: Socket, o: AdmissionServerOptions): Promise<void> {
  const frames = new FrameReader(socket);
  const helloBytes = await frames.next();
  const h = parseHello(helloBytes);
  const token = o.token(h.id);
  if (!token) throw new HandshakeError('unknown, expired or revoked token');
  const e = ephemeral();
  const s = session(e, h.pub, token.psk, helloBytes, e.pub);
  send(socket, Buffer.concat([e.pub, tag(s, 'member')]));
  const proof = await frames.next();
  checkTag(s, 'joiner', proof.subarray(0, 32));
  const j = open(s, proof.subarray(32), 'joiner') as Partial<Joiner>;
  if (
    typeof j?.node !== 'string' ||
    typeof j.name !== 'string' ||
    (j.key !== undefined && typeof j.key !== 'string')
  )
    throw new HandshakeError('bad joiner');
  const joiner: Joiner = { node: j.node, name: j.name, ...(j.key !== undefined ? { key: j.key } : {}) };
  const reason = o.refuse(joiner);
  if (!reason) o.admitted?.(joiner);
  send(socket, seal(s, reason ? { ok: false, reason } : { ok: true, ...o.welcome() }, 'member'));
  o.logger.info({ node: j.node, name: j.name, admitted: !reason, reason }, 'admission');
  socket.end();
}

/** A join the member refused or could not be finished: what went wrong, in words. */
export class AdmissionError extends Error {
  override readonly name = 'AdmissionError';
}

/** The joiner's side: the cluster's welcome, or AdmissionError. */
export async function requestAdmission(opts: {
  host: string;
  port: number;
  tokenId: Buffer;
  psk: Uint8Array;
  joiner: Joiner;
  timeoutMs?: number;
}): Promise<Welcome> {
  const socket = connect({ host: opts.host, port: opts.port });
  socket.setTimeout(opts.timeoutMs ?? TIMEOUT_MS, () =>
    socket.destroy(new AdmissionError('no answer in time (a wrong, expired or revoked token gets none)')),
  );
  const frames = new FrameReader(socket);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const e = ephemeral();
    const helloBytes = hello(e, opts.tokenId);
    send(socket, helloBytes);
    const challenge = await frames.next().catch(() => {
      throw new AdmissionError('the member did not answer: the token is wrong, expired or revoked');
    });
    if (challenge.length !== CHALLENGE_BYTES) throw new AdmissionError('the member sent a malformed answer');
    const memberPub = new Uint8Array(challenge.subarray(0, 32));
    const s = session(e, memberPub, opts.psk, helloBytes, memberPub);
    try {
      checkTag(s, 'member', challenge.subarray(32));
    } catch {
      throw new AdmissionError('the peer could not prove it knows the token: not a member of this cluster');
    }
    send(socket, Buffer.concat([tag(s, 'joiner'), seal(s, opts.joiner, 'joiner')]));
    const w = open(s, await frames.next(), 'member') as Partial<Welcome> & { ok?: boolean; reason?: string };
    if (w?.ok !== true)
      throw new AdmissionError(`the cluster refused this node: ${String(w?.reason ?? 'no reason')}`);
    if (
      typeof w.key !== 'string' ||
      !Array.isArray(w.seeds) ||
      (w.tie !== 'availability' && w.tie !== 'safety')
    )
      throw new AdmissionError('the member sent a malformed welcome');
    return {
      key: w.key,
      tie: w.tie,
      seeds: w.seeds.filter((x): x is string => typeof x === 'string'),
      ...(typeof w.secrets === 'string' ? { secrets: w.secrets } : {}),
      ...(w.keys && typeof w.keys === 'object' && !Array.isArray(w.keys) ? { keys: w.keys } : {}),
    };
  } catch (err) {
    if (err instanceof AdmissionError) throw err;
    throw new AdmissionError((err as Error).message);
  } finally {
    socket.destroy();
  }
}
