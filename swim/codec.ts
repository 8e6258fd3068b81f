import { Reader, type Writer } from './bytes.js';
import { DecodeError } from './errors.js';
import { MemberState } from './types.js';

/**
 * The messages of the protocol and their binary form. Inside a packet every message is
 * framed as [type u8][length u16][body], so a packet is a concatenation of messages and
 * a piggybacked update is encoded once and copied into every packet that carries it.
 * A receiver skips message types it does not know (newer minor versions); the packet's
 * wire version is in the envelope (envelope.ts).
 */
export const MsgType = {
  Ping: 1,
  IndirectPing: 2,
  Ack: 3,
  Nack: 4,
  Suspect: 5,
  Alive: 6,
  Dead: 7,
} as const;

export interface PingMsg {
  type: 1;
  seq: number;
  /** The member the prober means to reach (a restarted process under another name ignores it). */
  target: string;
  source: string;
  sourceAddr: string;
}
export interface IndirectPingMsg {
  type: 2;
  seq: number;
  target: string;
  targetAddr: string;
  /** Lifeguard: the relay answers with a nack if the target does not ack in time. */
  wantNack: boolean;
  source: string;
  sourceAddr: string;
}
export interface AckMsg {
  type: 3;
  seq: number;
}
export interface NackMsg {
  type: 4;
  seq: number;
}
export interface SuspectMsg {
  type: 5;
  incarnation: number;
  node: string;
  from: string;
}
export interface AliveMsg {
  type: 6;
  incarnation: number;
  node: string;
  addr: string;
  meta: Uint8Array;
}
export interface DeadMsg {
  type: 7;
  incarnation: number;
  /** `from === node` means the member left gracefully. */
  node: string;
  from: string;
}
export type Message = PingMsg | IndirectPingMsg | AckMsg | NackMsg | SuspectMsg | AliveMsg | DeadMsg;

/** Bytes of framing per message: type and length. */
export const MESSAGE_OVERHEAD = 3;

export function writeMessage(w: Writer, m: Message): void {
  w.u8(m.type);
  const lenAt = w.pos;
  w.u16(0);
  const start = w.pos;
  switch (m.type) {
    case MsgType.Ping:
      w.u32(m.seq);
      w.str8(m.target);
      w.str8(m.source);
      w.str8(m.sourceAddr);
      break;
    case MsgType.IndirectPing:
      w.u32(m.seq);
      w.str8(m.target);
      w.str8(m.targetAddr);
      w.u8(m.wantNack ? 1 : 0);
      w.str8(m.source);
      w.str8(m.sourceAddr);
      break;
    case MsgType.Ack:
    case MsgType.Nack:
      w.u32(m.seq);
      break;
    case MsgType.Suspect:
    case MsgType.Dead:
      w.u32(m.incarnation);
      w.str8(m.node);
      w.str8(m.from);
      break;
    case MsgType.Alive:
      w.u32(m.incarnation);
      w.str8(m.node);
      w.str8(m.addr);
      w.bytes16(m.meta);
      break;
  }
  w.patchU16(lenAt, w.pos - start);
}

/**
 * The greatest incarnation a message may carry. 2^32 - 1 is reserved so that a member
 * accused at any accepted incarnation can still refute with one more: on the wire a u32
 * past it would wrap to 0, the refutation would be ignored, and the member would stay
 * dead for good.
 */
export const MAX_INCARNATION = 0xffff_fffe;

function incarnation(r: Reader): number {
  const v = r.u32();
  if (v > MAX_INCARNATION) throw new DecodeError(`incarnation ${v} is reserved`);
  return v;
}

function readBody(r: Reader, type: number): Message | null {
  switch (type) {
    case MsgType.Ping:
      return { type, seq: r.u32(), target: r.str8(), source: r.str8(), sourceAddr: r.str8() };
    case MsgType.IndirectPing: {
      const seq = r.u32();
      const target = r.str8();
      const targetAddr = r.str8();
      const flag = r.u8();
      if (flag > 1) throw new DecodeError(`bad nack flag ${flag}`);
      return { type, seq, target, targetAddr, wantNack: flag === 1, source: r.str8(), sourceAddr: r.str8() };
    }
    case MsgType.Ack:
    case MsgType.Nack:
      return { type, seq: r.u32() };
    case MsgType.Suspect:
    case MsgType.Dead:
      return { type, incarnation: incarnation(r), node: r.str8(), from: r.str8() };
    case MsgType.Alive:
      return { type, incarnation: incarnation(r), node: r.str8(), addr: r.str8(), meta: r.bytes16() };
    default:
      return null;
  }
}

/** Decodes every message of a packet body; throws DecodeError on anything malformed. */
export function decodeMessages(bytes: Uint8Array, start = 0): Message[] {
  const r = new Reader(bytes, start);
  const total = r.end;
  const out: Message[] = [];
  while (r.remaining > 0) {
    const type = r.u8();
    const len = r.u16();
    if (len > r.remaining) throw new DecodeError(`message of ${len} bytes overruns the packet`);
    const end = r.pos + len;
    r.end = end;
    const m = readBody(r, type);
    if (m !== null) {
      if (r.pos !== end) throw new DecodeError(`${end - r.pos} stray byte(s) after message type ${type}`);
      if (m.type !== MsgType.Ack && m.type !== MsgType.Nack && 'node' in m && m.node === '')
        throw new DecodeError('empty member name');
      out.push(m);
    }
    r.pos = end;
    r.end = total;
  }
  if (out.length === 0) throw new DecodeError('packet holds no known message');
  return out;
}

/** One member as exchanged in a push-pull. */
export interface PushPullEntry {
  name: string;
  addr: string;
  incarnation: number;
  state: MemberState;
  meta: Uint8Array;
}

export interface PushPullMsg {
  /** true when the sender is joining (the receiver then counts it as a join). */
  join: boolean;
  members: PushPullEntry[];
}

/** What is written: any iterable of entries (a node passes its member records directly). */
export interface PushPullOut {
  join: boolean;
  count: number;
  members: Iterable<PushPullEntry>;
}

/** First body byte of a push-pull stream payload (message types are all below it). */
export const PUSH_PULL = 0x50;

/**
 * Second body byte of a push-pull stream payload: what it carries. 0 and 1 are the full
 * state (1: the sender is joining), as in the first release; 2 and 3 were added for the
 * digest-first periodic sync (a node that predates them drops them as undecodable).
 *
 *   state:        [0x50][0|1][count u32]{[name str8][addr str8][incarnation u32][state u8][meta bytes16]}
 *   digest:       [0x50][2][hi u32][lo u32][count u32]
 *   digest reply: [0x50][3][same u8: 0|1]
 */
export const PushPullKind = { State: 0, JoinState: 1, Digest: 2, DigestReply: 3 } as const;

/** A digest request: the sender's membership digest (digest.ts). */
export interface DigestRequestMsg {
  hi: number;
  lo: number;
  count: number;
}

/** Any push-pull stream body. */
export type PushPullBody =
  | { kind: 'state'; msg: PushPullMsg }
  | { kind: 'digest'; digest: DigestRequestMsg }
  | { kind: 'reply'; same: boolean };

export function writeDigestRequest(w: Writer, d: DigestRequestMsg): void {
  w.u8(PUSH_PULL);
  w.u8(PushPullKind.Digest);
  w.u32(d.hi);
  w.u32(d.lo);
  w.u32(d.count);
}

export function writeDigestReply(w: Writer, same: boolean): void {
  w.u8(PUSH_PULL);
  w.u8(PushPullKind.DigestReply);
  w.u8(same ? 1 : 0);
}

/** Decodes any push-pull stream body; throws DecodeError on anything malformed. */
export function decodePushPullBody(bytes: Uint8Array, start = 0): PushPullBody {
  const r = new Reader(bytes, start);
  if (r.u8() !== PUSH_PULL) throw new DecodeError('not a push-pull message');
  const kind = r.u8();
  switch (kind) {
    case PushPullKind.State:
    case PushPullKind.JoinState:
      return { kind: 'state', msg: decodePushPull(bytes, start) };
    case PushPullKind.Digest: {
      const digest = { hi: r.u32(), lo: r.u32(), count: r.u32() };
      if (r.remaining !== 0) throw new DecodeError(`${r.remaining} stray byte(s) after digest`);
      return { kind: 'digest', digest };
    }
    case PushPullKind.DigestReply: {
      const flag = r.u8();
      if (flag > 1) throw new DecodeError(`bad digest reply ${flag}`);
      if (r.remaining !== 0) throw new DecodeError(`${r.remaining} stray byte(s) after digest reply`);
      return { kind: 'reply', same: flag === 1 };
    }
    default:
      throw new DecodeError(`unknown push-pull kind ${kind}`);
  }
}

/** The body of a push-pull stream message (sent inside an envelope, never in a packet). */
export function writePushPull(w: Writer, m: PushPullOut): void {
  w.u8(PUSH_PULL);
  w.u8(m.join ? PushPullKind.JoinState : PushPullKind.State);
  w.u32(m.count);
  for (const e of m.members) {
    w.str8(e.name);
    w.str8(e.addr);
    w.u32(e.incarnation);
    w.u8(e.state);
    w.bytes16(e.meta);
  }
}

export function decodePushPull(bytes: Uint8Array, start = 0): PushPullMsg {
  const r = new Reader(bytes, start);
  if (r.u8() !== PUSH_PULL) throw new DecodeError('not a push-pull message');
  const flag = r.u8();
  if (flag > 1) throw new DecodeError(`bad join flag ${flag}`);
  const count = r.u32();
  // Each entry takes at least 9 bytes: a count beyond that is a lie, not a reason to allocate.
  if (count * 9 > r.remaining)
    throw new DecodeError(`push-pull claims ${count} members in ${r.remaining} bytes`);
  const members: PushPullEntry[] = [];
  for (let i = 0; i < count; i++) {
    const name = r.str8();
    const addr = r.str8();
    const inc = incarnation(r);
    const state = r.u8();
    if (state > MemberState.Left) throw new DecodeError(`bad member state ${state}`);
    const meta = r.bytes16();
    if (name === '') throw new DecodeError('empty member name');
    members.push({ name, addr, incarnation: inc, state: state as MemberState, meta });
  }
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} stray byte(s) after push-pull`);
  return { join: flag === 1, members };
}
