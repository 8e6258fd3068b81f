/**
 * The asking side of `/fizz/image/1`: gets an image this engine lacks from a node that
 * advertises it (held.ts), over the cluster's encrypted, authenticated libp2p connection.
 * Asks only for the layers the engine lacks (its leading chain is skipped) and not for those
 * a broken try left whole in the spool, unpacks into the spool, checks every digest
 * (spool.ts) and only then loads. A break or a bad archive: the next holder is asked (the
 * same one again when it is the only one), up to `attempts` tries.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeStatus } from '../../../crdt/index.js';
import type { ImageArchive } from '../../runtime/image-archive.js';
import { extractTar } from '../../runtime/tar-read.js';
import type { Logger } from '../logger.js';
import type { StreamOpener } from '../remote/ask.js';
import { FrameChannel } from '../remote/channel.js';
import { RemoteNodeError } from '../remote/errors.js';
import type { RemoteLimits } from '../remote/limits.js';
import type { PeerEntry } from '../remote/targets.js';
import { reachable } from '../remote/targets.js';
import { CorruptImageError, ImageTransferError } from './errors.js';
import { type Holder, holdersOf, layersHeld, normalTag } from './held.js';
import type { Relays } from './relay.js';
import { IMAGE_PROTOCOL } from './serve.js';
import { hashedOf, layersInSpool, spoolArchive, verifySpool } from './spool.js';

export interface TransferProgress {
  /** The node sending, by name. */
  node: string;
  done: number;
  total: number;
}

/** What the agent's image step asks of the spread (images.ts). */
export interface PeerImageSource {
  /** Whether there are other nodes to ask. */
  clustered(): boolean;
  /** Loads `ref` from a peer; resolves with the sender's name, or undefined when no peer has it. */
  fetch(
    ref: string,
    onProgress: (p: TransferProgress) => void,
    signal?: AbortSignal,
  ): Promise<{ node: string; bytes: number } | undefined>;
}

export interface PeerImagesOptions {
  archive: ImageArchive;
  /** Where partial transfers wait (FIZZ_HOME/images-in). */
  dir: string;
  selfId: string;
  statuses: () => ReadonlyMap<string, NodeStatus>;
  peers: () => PeerEntry[];
  opener: () => StreamOpener | undefined;
  limits: RemoteLimits;
  logger: Logger;
  /** Called after an image was loaded (the advertised list changes). */
  loaded?: () => void;
  attempts?: number;
  /** Where the bytes of a transfer under way are kept for the next node to ask (relay.ts). */
  relays?: Relays;
}

export class PeerImages implements PeerImageSource {
  /** One transfer per image at a time: the other askers wait for it. */
  private readonly running = new Map<string, Promise<{ node: string; bytes: number } | undefined>>();

  constructor(private readonly o: PeerImagesOptions) {}

  clustered(): boolean {
    return this.o.opener() !== undefined && this.o.peers().length > 0;
  }

  /** The nodes that hold `ref` now and can be asked. */
  holders(ref: string): Array<Holder & { peer: PeerEntry }> {
    const peers = new Map(this.o.peers().map((p) => [p.id, p]));
    return holdersOf(this.o.statuses(), this.o.selfId, ref, (n) => {
      const p = peers.get(n);
      return p !== undefined && reachable(p);
    }).map((h) => ({ ...h, peer: peers.get(h.node)! }));
  }

  /** `hint`: a node that holds the image though this node's state may not say so yet (a push). */
  fetch(
    ref: string,
    onProgress: (p: TransferProgress) => void,
    signal?: AbortSignal,
    hint?: Holder,
  ): Promise<{ node: string; bytes: number } | undefined> {
    let p = this.running.get(ref);
    if (!p) {
      p = this.run(ref, onProgress, signal, hint).finally(() => this.running.delete(ref));
      this.running.set(ref, p);
    }
    return p;
  }

  private async run(
    ref: string,
    onProgress: (p: TransferProgress) => void,
    signal?: AbortSignal,
    hint?: Holder,
  ): Promise<{ node: string; bytes: number } | undefined> {
    let holders = this.holders(ref);
    const hinted = hint && this.o.peers().find((p) => p.id === hint.node && reachable(p));
    if (hint && hinted)
      holders = [
        { ...hint, peer: hinted },
        ...holders.filter((h) => h.node !== hint.node && h.image.id === hint.image.id),
      ];
    if (holders.length === 0) return undefined;
    const image = holders[0]!.image;
    const local = await this.o.archive.list();
    // Saved by id, an archive names nothing: the names the holder gives it, and the one asked for.
    const name = async () => {
      const names = new Set([...image.tags, ...(ref.startsWith('sha256:') ? [] : [normalTag(ref)])]);
      for (const n of names) await this.o.archive.tag(image.id, n);
    };
    if (local.some((i) => i.id === image.id)) {
      await name();
      return { node: 'local', bytes: 0 };
    }
    const engineHas = layersHeld(image.layers, local);
    // A push (hinted) goes down a chain: the next node will ask this one while it receives.
    const live = hint ? this.o.relays?.begin(image.id) : undefined;
    try {
      return await this.tries(ref, image.id, image.layers, holders, engineHas, name, onProgress, signal);
    } finally {
      live?.finish();
    }
  }

  /** Up to `attempts` tries, each from the next holder, resuming with the layers a try left whole. */
  private async tries(
    ref: string,
    id: string,
    layers: string[],
    holders: Array<Holder & { peer: PeerEntry }>,
    engineHas: number,
    name: () => Promise<void>,
    onProgress: (p: TransferProgress) => void,
    signal?: AbortSignal,
  ): Promise<{ node: string; bytes: number }> {
    const spool = join(this.o.dir, id.slice(7));
    const attempts = this.o.attempts ?? Math.max(3, holders.length + 1);
    const errors: string[] = [];
    for (let n = 0; n < attempts; n++) {
      if (signal?.aborted) throw new ImageTransferError(`image "${ref}": the transfer was cancelled`);
      const h = holders[n % holders.length]!;
      try {
        const resumed = await layersInSpool(spool, layers);
        const skip = [...new Set([...Array(engineHas).keys(), ...resumed])].sort((a, b) => a - b);
        if (resumed.size > 0)
          this.o.logger.info(
            { image: ref, from: h.peer.name, resumed: resumed.size },
            'image transfer: resuming',
          );
        await mkdir(spool, { recursive: true, mode: 0o700 });
        const t0 = performance.now();
        const { bytes, hashed } = await this.receive(h.peer, id, skip, spool, onProgress, signal);
        const t1 = performance.now();
        await verifySpool(spool, id, engineHas, hashed);
        const t2 = performance.now();
        await this.o.archive.load(spoolArchive(spool), signal);
        await name();
        await rm(spool, { recursive: true, force: true });
        // Where the time goes (the image-transfer benchmark reads these).
        const ms = {
          receiveMs: Math.round(t1 - t0),
          verifyMs: Math.round(t2 - t1),
          loadMs: Math.round(performance.now() - t2),
        };
        this.o.logger.info(
          { image: ref, from: h.peer.name, bytes, skipped: skip.length, ...ms },
          'image loaded from a peer',
        );
        this.o.loaded?.();
        return { node: h.peer.name, bytes };
      } catch (err) {
        const e = err as Error;
        errors.push(`${h.peer.name}: ${e.message}`);
        this.o.logger.warn(
          { image: ref, from: h.peer.name, err: e.message, name: e.name },
          'image transfer: failed',
        );
        // A bad archive is not kept: the next try starts clean.
        if (e instanceof CorruptImageError) await rm(spool, { recursive: true, force: true });
      }
    }
    throw new ImageTransferError(
      `image "${ref}": every try to get it from a peer failed (${errors.join('; ')})`,
    );
  }

  /** One try: the archive into the spool; resolves with the bytes received and their digests. */
  private async receive(
    peer: PeerEntry,
    id: string,
    skip: number[],
    spool: string,
    onProgress: (p: TransferProgress) => void,
    signal?: AbortSignal,
  ): Promise<{ bytes: number; hashed: Map<number, string> }> {
    const net = this.o.opener();
    if (!net) throw new ImageTransferError('this node is not in a cluster');
    const stream = await net.openStream(peer.addr, IMAGE_PROTOCOL, {
      signal: AbortSignal.timeout(this.o.limits.dialTimeoutMs),
    });
    const ch = new FrameChannel(stream, this.o.limits);
    const relay = await this.o.relays?.open(id, skip);
    const cut = () => ch.abort(new Error('the transfer was cancelled'));
    signal?.addEventListener('abort', cut, { once: true });
    let done = 0;
    let total = 0;
    const idle = this.o.limits.idleMs;
    async function* data(): AsyncGenerator<Buffer> {
      for (;;) {
        const f = await ch.next(idle);
        if (f === null) throw new RemoteNodeError(peer.name, 'closed the transfer before its end');
        if (f.type === 'data') {
          done += f.data.length;
          onProgress({ node: peer.name, done, total });
          const buf = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);
          await relay?.append(buf);
          yield buf;
        } else if (f.type === 'event') {
          const t = (f.value as { total?: unknown })?.total;
          if (typeof t === 'number' && Number.isSafeInteger(t) && t > 0) {
            total = t;
            relay?.setTotal(t);
          }
          onProgress({ node: peer.name, done, total });
        } else if (f.type === 'result') {
          relay?.end();
          return;
        } else if (f.type === 'error') throw new RemoteNodeError(peer.name, f.message, f.name);
        else throw new RemoteNodeError(peer.name, `sent an unexpected '${f.type}' frame`);
      }
    }
    try {
      await ch.send({ type: 'request', value: { id, skip } });
      await ch.close();
      const entries = await extractTar(data(), spool, undefined, { anyRoot: true, hash: true });
      return { bytes: done, hashed: hashedOf(entries) };
    } catch (err) {
      relay?.end(err as Error);
      ch.abort(err as Error);
      throw err;
    } finally {
      signal?.removeEventListener('abort', cut);
    }
  }
}
