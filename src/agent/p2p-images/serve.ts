/**
 * The sending side of `/fizz/image/1`. Pull model: a node only ever sends an image another
 * node asked for, and the only frame it takes is that one request (`{ id, skip }`); anything
 * else is refused. The image is saved from the engine once into a cache directory shared by
 * the nodes asking at the same time (kept `keepMs` after the last one), so the layers the
 * asker lists in `skip` (it has them, or got them whole before a break) are left out.
 *
 * Frames (remote/frame.ts): in `request`; out `event` `{ total }`, `data` frames of the
 * archive, then `result` `{ ok: true }`, or `error`. Pings while the engine saves.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stream } from '@libp2p/interface';
import type { ImageArchive } from '../../runtime/image-archive.js';
import { endOfArchive } from '../../runtime/tar.js';
import { extractTar, safeName } from '../../runtime/tar-read.js';
import { walk } from '../../runtime/tar-tree.js';
import type { Logger } from '../logger.js';
import { FrameChannel } from '../remote/channel.js';
import { RemoteFrameError } from '../remote/errors.js';
import { DATA_CHUNK, type RemoteLimits } from '../remote/limits.js';
import { MAX_LAYERS } from './held.js';
import type { Relay, Relays } from './relay.js';

export const IMAGE_PROTOCOL = '/fizz/image/1';

export interface ImageAsk {
  id: string;
  /** Indexes of the image's layers not to send. */
  skip: number[];
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The request frame's value; anything else is a RemoteFrameError. */
export function decodeImageAsk(v: unknown): ImageAsk {
  const o = v as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null || typeof o.id !== 'string' || !DIGEST.test(o.id))
    throw new RemoteFrameError('image request: no image id');
  const skip = o.skip ?? [];
  if (
    !Array.isArray(skip) ||
    skip.length > MAX_LAYERS ||
    !skip.every((i) => Number.isSafeInteger(i) && i >= 0 && i < MAX_LAYERS)
  )
    throw new RemoteFrameError('image request: skip is not a list of layer indexes');
  return { id: o.id, skip: skip as number[] };
}

/** Saved images, unpacked, by id: one save for every asker at once. */
export class SaveCache {
  private readonly entries = new Map<
    string,
    { ready: Promise<string>; users: number; timer?: NodeJS.Timeout }
  >();

  constructor(
    private readonly archive: ImageArchive,
    private readonly dir: string,
    private readonly keepMs = 60_000,
  ) {}

  /** The unpacked save of `id`; call `release(id)` when done. */
  acquire(id: string): Promise<string> {
    let e = this.entries.get(id);
    if (!e) {
      const dir = join(this.dir, id.slice(7));
      const ready = (async () => {
        await rm(dir, { recursive: true, force: true });
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await extractTar(await this.archive.save(id), dir, undefined, { anyRoot: true });
        return dir;
      })();
      e = { ready, users: 0 };
      this.entries.set(id, e);
      ready.catch(() => this.entries.delete(id));
    }
    if (e.timer) clearTimeout(e.timer);
    e.users++;
    return e.ready;
  }

  release(id: string): void {
    const e = this.entries.get(id);
    if (!e || --e.users > 0) return;
    e.timer = setTimeout(() => {
      this.entries.delete(id);
      void e.ready.then((dir) => rm(dir, { recursive: true, force: true })).catch(() => {});
    }, this.keepMs);
    e.timer.unref?.();
  }

  async close(): Promise<void> {
    for (const e of this.entries.values()) if (e.timer) clearTimeout(e.timer);
    this.entries.clear();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The files of an unpacked save to leave out: the layer files at `skip`. */
async function leftOut(dir: string, skip: number[]): Promise<Set<string>> {
  const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Array<{ Layers?: string[] }>;
  const layers = (m[0]?.Layers ?? []).map(safeName);
  return new Set(skip.flatMap((i) => (layers[i] !== undefined ? [layers[i]] : [])));
}

async function sizeOf(dir: string, rel: string, skip: Set<string>): Promise<number> {
  let total = 0;
  for (const name of await readdir(join(dir, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    if (skip.has(r)) continue;
    const st = await stat(join(dir, r));
    total += 512 + (st.isDirectory() ? await sizeOf(dir, r, skip) : Math.ceil(st.size / 512) * 512);
  }
  return total;
}

/**
 * At most `n` archives sent by this node at once; the other askers wait their turn (pinged,
 * so they do not give up). Shared fairly, four at once all finish late: in turn, the first
 * replica starts sooner, and a node that got the image can serve the next asker.
 */
export class SendSlots {
  private busy = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly n: number) {}

  async take(): Promise<() => void> {
    if (this.busy < this.n) this.busy++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.busy--;
    };
  }
}

export interface ServeImageOptions {
  archive: ImageArchive;
  cache: SaveCache;
  /** How many archives this node sends at once (default: no limit). */
  slots?: SendSlots;
  limits: RemoteLimits;
  logger: Logger;
  /** The transfers under way on this node, passed on as they arrive (relay.ts). */
  relays?: Relays;
  /** Test fault: cut the stream once this many archive bytes were sent (FIZZ_TEST_IMAGE_CUT_AT). */
  cut?: { afterBytes: number; times: number };
}

export async function serveImage(stream: Stream, o: ServeImageOptions, from: string): Promise<void> {
  const ch = new FrameChannel(stream, o.limits);
  let ask: ImageAsk;
  try {
    const first = await ch.next(o.limits.requestTimeoutMs);
    if (first?.type !== 'request')
      throw new RemoteFrameError(`expected an image request, got '${first?.type}'`);
    ask = decodeImageAsk(first.value);
  } catch (err) {
    o.logger.warn({ from, err: (err as Error).message }, 'image transfer: request refused');
    ch.abort(err as Error);
    return;
  }
  const fail = async (e: Error) => {
    await ch.send({ type: 'error', name: e.name, message: e.message }).catch(() => {});
    await ch.close();
  };
  let stop = false;
  void ch.closed.then(() => {
    stop = true;
  });
  const ping = setInterval(() => void ch.send({ type: 'ping' }).catch(() => {}), o.limits.pingMs);
  const holds = async () => (await o.archive.list().catch(() => [])).some((i) => i.id === ask.id);
  // Not loaded here, maybe under way: passed on as it arrives, or sent once it is loaded.
  let relay: Relay | undefined;
  let unhold = () => {};
  if (!(await holds())) {
    const under = o.relays?.find(ask.id, ask.skip);
    if (under && 'relay' in under) {
      relay = under.relay;
      unhold = relay.hold();
    } else if (!under || !(await under.finished.then(holds))) {
      clearInterval(ping);
      return fail(new Error(`image ${ask.id.slice(7, 19)} is not on this node`));
    }
  }
  const sent = { bytes: 0 };
  const release = (await o.slots?.take()) ?? (() => {});
  try {
    if (stop) throw new Error('the asking node went away');
    if (relay) {
      await ch.send({ type: 'event', value: { total: await relay.sized() } });
      o.logger.info({ from, image: ask.id, skip: ask.skip.length, relayed: true }, 'image transfer: sending');
      await sendArchive(ch, relay.read(), o, from, sent, () => stop);
    } else {
      const t0 = performance.now();
      const dir = await o.cache.acquire(ask.id);
      const saveMs = Math.round(performance.now() - t0);
      try {
        if (!existsSync(join(dir, 'manifest.json'))) throw new Error('the engine saved no manifest');
        const skip = await leftOut(dir, ask.skip);
        await ch.send({ type: 'event', value: { total: (await sizeOf(dir, '', skip)) + 1024 } });
        o.logger.info({ from, image: ask.id, skip: ask.skip.length, saveMs }, 'image transfer: sending');
        await sendArchive(ch, saved(dir, skip), o, from, sent, () => stop);
      } finally {
        o.cache.release(ask.id);
      }
    }
    await ch.send({ type: 'result', value: { ok: true } });
    await ch.close();
    o.logger.info({ from, image: ask.id, bytes: sent.bytes }, 'image transfer: sent');
  } catch (err) {
    const e = err as Error;
    o.logger.warn({ from, image: ask.id, sent: sent.bytes, err: e.message }, 'image transfer: failed');
    if (/FIZZ_TEST_IMAGE_CUT_AT|went away/.test(e.message)) ch.abort(e);
    else await fail(e);
  } finally {
    unhold();
    release();
    clearInterval(ping);
  }
}

/** The saved image in `dir` as one archive, without the files in `skip`. */
async function* saved(dir: string, skip: Set<string>): AsyncGenerator<Buffer> {
  yield* walk(dir, '', (rel) => skip.has(rel));
  yield endOfArchive();
}

/** Archive bytes out in `data` frames of DATA_CHUNK; `sent.bytes` counts them. */
async function sendArchive(
  ch: FrameChannel,
  chunks: AsyncIterable<Buffer>,
  o: ServeImageOptions,
  from: string,
  sent: { bytes: number },
  stopped: () => boolean,
): Promise<void> {
  let pending: Buffer[] = [];
  let size = 0;
  const flush = async () => {
    if (size === 0) return;
    const data = Buffer.concat(pending, size);
    pending = [];
    size = 0;
    await ch.send({ type: 'data', data });
    sent.bytes += data.length;
    if (o.cut && o.cut.times > 0 && sent.bytes >= o.cut.afterBytes) {
      o.cut.times--;
      o.logger.warn({ from, sent: sent.bytes }, 'FIZZ_TEST_IMAGE_CUT_AT: cutting the transfer');
      throw new Error('transfer cut by FIZZ_TEST_IMAGE_CUT_AT');
    }
  };
  for await (const chunk of chunks) {
    if (stopped()) throw new Error('the asking node went away');
    for (let at = 0; at < chunk.length; at += DATA_CHUNK) {
      const part = chunk.subarray(at, at + DATA_CHUNK);
      pending.push(part);
      size += part.length;
      if (size >= DATA_CHUNK) await flush();
    }
  }
  await flush();
}
