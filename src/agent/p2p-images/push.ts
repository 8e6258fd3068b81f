/**
 * `fizz image ls` and `fizz image push`. The list is what every node advertises in its
 * status entry (held.ts). A push keeps the pull model: this node asks each other node to
 * pull the image (`image-pull` over `/fizz/api/1`, with the image's id and layers so the
 * node need not wait for the holder's status to reach it), from this node or from one that
 * is receiving it before (a chain, each passing the bytes on as they arrive), and relays
 * each one's progress.
 */
import type { NodeStatus } from '../../../crdt/index.js';
import type { DoneEvent, ImageListResponse, ImagePushRequest, OpProgress } from '../../api/protocol.js';
import type { ImageArchive } from '../../runtime/image-archive.js';
import type { RemoteApi } from '../remote/ask.js';
import type { ImagePullAsk } from '../remote/request.js';
import { type PeerEntry, reachable } from '../remote/targets.js';
import { percentOf } from './ask-peers.js';
import type { PeerImages, TransferProgress } from './fetch.js';
import { advertised, heldOf, isRef } from './held.js';

export interface ImageCommandsOptions {
  archive: ImageArchive;
  peers: PeerImages;
  selfId: string;
  statuses: () => ReadonlyMap<string, NodeStatus>;
  /** Node id → name, for the NODE column. */
  names: () => ReadonlyMap<string, string>;
  clusterPeers: () => PeerEntry[];
  remote: () => RemoteApi | undefined;
}

function decodeProgress(v: unknown): TransferProgress | undefined {
  const o = v as Record<string, unknown> | null;
  if (typeof o?.node !== 'string' || typeof o.done !== 'number' || typeof o.total !== 'number')
    return undefined;
  return { node: o.node.slice(0, 100), done: o.done, total: o.total };
}

export class ImageCommands {
  constructor(private readonly o: ImageCommandsOptions) {}

  list(): ImageListResponse {
    const names = this.o.names();
    const images = [...this.o.statuses()].flatMap(([id, s]) =>
      heldOf(s).map((h) => ({ node: names.get(id) ?? id, id: h.id, tags: h.tags, layers: h.layers.length })),
    );
    images.sort((a, b) => (a.tags[0] ?? '~').localeCompare(b.tags[0] ?? '~') || a.node.localeCompare(b.node));
    return { images };
  }

  async push(req: ImagePushRequest, emit: (e: OpProgress) => void, signal: AbortSignal): Promise<DoneEvent> {
    const mine = advertised(await this.o.archive.list()).find((h) => isRef(h, req.image));
    if (!mine)
      return {
        type: 'done',
        ok: false,
        errors: [`image "${req.image}" is not on this node (or has too many layers)`],
      };
    const api = this.o.remote();
    const targets = this.o.clusterPeers().filter(reachable);
    if (!api || targets.length === 0) {
      emit({
        type: 'progress',
        resource: 'image',
        name: req.image,
        status: 'skipped',
        detail: 'no other node',
      });
      return { type: 'done', ok: true, errors: [] };
    }
    // Down a chain: each node pulls from the one before it, which passes the bytes on while
    // it still receives them (relay.ts); the next link starts once the one before receives.
    const errors: string[] = [];
    const links: Array<Promise<string | undefined>> = [];
    let from = this.o.selfId;
    for (const peer of targets) {
      let receiving = () => {};
      const started = new Promise<void>((r) => {
        receiving = r;
      });
      const link = this.pushTo(api, peer, { image: req.image, from, held: mine }, emit, signal, receiving);
      links.push(link);
      // A node that failed before receiving is no source: the next one asks the same node.
      const failed = await Promise.race([started.then(() => undefined), link]);
      if (failed === undefined) from = peer.id;
    }
    (await Promise.all(links)).forEach((why, i) => {
      if (why !== undefined) errors.push(`${targets[i]!.name}: ${why}`);
    });
    return { type: 'done', ok: errors.length === 0, errors };
  }

  /** Asks `peer` to pull the image from `ask.from`; resolves with why it failed, if it did. */
  private async pushTo(
    api: RemoteApi,
    peer: PeerEntry,
    ask: ImagePullAsk,
    emit: (e: OpProgress) => void,
    signal: AbortSignal,
    receiving: () => void,
  ): Promise<string | undefined> {
    const line = (status: 'pulling' | 'pulled' | 'error', detail?: string) =>
      emit({
        type: 'progress',
        resource: 'image',
        name: `${ask.image} (${peer.name})`,
        status,
        ...(detail ? { detail } : {}),
      });
    line('pulling');
    let shown = -10;
    try {
      const r = (await api.call(
        peer,
        { op: 'image-pull', body: ask },
        (v) => {
          const p = decodeProgress(v);
          if (p && p.done > 0) receiving();
          const pct = p ? percentOf(p) : -1;
          if (pct < shown + 10) return;
          shown = pct;
          line('pulling', `from ${p!.node} (${pct}%)`);
        },
        signal,
      )) as { node?: unknown; bytes?: unknown } | undefined;
      line('pulled', r?.node === 'local' ? 'already there' : `${Number(r?.bytes) || 0} bytes`);
      return undefined;
    } catch (err) {
      const why = (err as Error).message;
      line('error', why);
      return why;
    }
  }

  /** This node, asked by `from` to pull: over /fizz/image/1 from it (or another holder). */
  async pullFor(req: ImagePullAsk, emit: (e: unknown) => void, signal: AbortSignal): Promise<unknown> {
    const got = await this.o.peers.fetch(req.image, (p) => emit(p), signal, {
      node: req.from,
      image: req.held,
    });
    if (!got) throw new Error(`image "${req.image}": no node could be asked for it`);
    return got;
  }
}
