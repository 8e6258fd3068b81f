/**
 * The local API's handlers, cluster-wide: `logs`, `start`, `stop`, `restart`, `kill`, `pause`, `unpause`,
 * `top`, `images` and `exec` reach the replicas wherever they run, and `label` any node.
 * This node does its own part with the agent's handlers, and asks every other visible node
 * whose status lists a container of the project to do its part over `/fizz/api/1`; the
 * answers are merged, container names tagged with their node. A node that cannot be
 * reached is one error line naming it, the others' answers still count.
 *
 * `start` and `stop` also write the desired state, which every node follows on its own; asked
 * of each node too, they end when its containers have, with their progress, and `start`
 * brings back what `kill` left exited there (a node's hold on a killed container is its own).
 *
 * Every route not named here reaches the agent unchanged (the agent keeps growing routes;
 * a wrapper that listed all of them would fall behind).
 */

import type { NodeStatus } from '../../../crdt/index.js';
import type { ClusterHandlers, LabelRequest } from '../../api/cluster-api.js';
import { decodeImagesResponse, decodeLogEvent, decodeOpEvent, decodeTopResponse } from '../../api/decode.js';
import type {
  DoneEvent,
  ExecRequest,
  ImagesResponse,
  KillRequest,
  LogEvent,
  LogNotice,
  OpProgress,
  ServicesRequest,
  TopResponse,
} from '../../api/protocol.js';
import type { ApiHandlers, Emit, LogsQuery } from '../../api/server.js';
import type { ExecSession } from '../../runtime/types.js';
import { ClusterConfigError } from '../cluster/config.js';
import type { RemoteApi } from './ask.js';
import { RemoteNodeError } from './errors.js';
import type { RemoteRequest } from './request.js';
import { execHolder, holders, type PeerEntry, peerNamed, reachable } from './targets.js';

export interface ClusterWideDeps {
  /** The asking side, when this node is in a cluster. */
  remote: () => RemoteApi | undefined;
  /** The other members, with their libp2p address (empty outside a cluster). */
  peers: () => PeerEntry[];
  statuses: () => ReadonlyMap<string, NodeStatus>;
  selfId: string;
  selfName: () => string | undefined;
  /** Whether the project is up, with these services: undefined, else why not (answered by this node). */
  refuse: (project: string, services: string[]) => string | undefined;
}

type Op = 'start' | 'stop' | 'restart' | 'kill' | 'pause' | 'unpause';
type Local = Required<Pick<ApiHandlers, Op | 'logs' | 'top' | 'images' | 'exec'>> & ApiHandlers;

/** `local` with the cluster-wide routes in front of it. */
export function clusterWide(local: Local, d: ClusterWideDeps): ApiHandlers {
  const fan = new FanOut(local, d);
  const routes: Partial<ApiHandlers> = {
    logs: (q, emit, signal) => fan.logs(q, emit, signal),
    start: (r, emit, signal) => fan.op('start', r, emit, signal),
    stop: (r, emit, signal) => fan.op('stop', r, emit, signal),
    restart: (r, emit, signal) => fan.op('restart', r, emit, signal),
    kill: (r, emit, signal) => fan.op('kill', r, emit, signal),
    pause: (r, emit, signal) => fan.op('pause', r, emit, signal),
    unpause: (r, emit, signal) => fan.op('unpause', r, emit, signal),
    top: (p, s) => fan.top(p, s),
    images: (p, s) => fan.images(p, s),
    exec: (r) => fan.exec(r),
  };
  if (local.cluster) routes.cluster = fan.cluster(local.cluster);
  return new Proxy(local, {
    get(target, key, receiver) {
      if (Object.hasOwn(routes, key)) return routes[key as keyof ApiHandlers];
      const v = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

class FanOut {
  constructor(
    private readonly local: Local,
    private readonly d: ClusterWideDeps,
  ) {}

  /** The other nodes to ask about a project, and the client to ask them with. */
  private targets(project: string, services: string[]): { api: RemoteApi; peers: PeerEntry[] } | undefined {
    const api = this.d.remote();
    if (!api || this.d.refuse(project, services) !== undefined) return undefined;
    const peers = holders(this.d.statuses(), this.d.peers(), project, services);
    return peers.length > 0 ? { api, peers } : undefined;
  }

  async logs(q: LogsQuery, emit: (e: LogEvent | LogNotice) => void, signal: AbortSignal): Promise<void> {
    const t = this.targets(q.project, q.services);
    if (!t) return this.local.logs(q, emit, signal);
    const req: RemoteRequest = { op: 'logs', body: q };
    const remote = t.peers.map((p) =>
      t.api
        .call(p, req, (v) => emit(decodeLogEvent(v)), signal)
        .catch((err: Error) => emit({ type: 'notice', text: message(err) })),
    );
    await Promise.all([this.local.logs(q, emit, signal), ...remote]);
  }

  async op(op: Op, req: ServicesRequest | KillRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent> {
    const t = this.targets(req.project, req.services);
    if (!t) return this.local[op](req as KillRequest, emit, signal);
    const self = this.d.selfName();
    const tagged = (node: string | undefined) => (ev: OpProgress) => emit(tag(ev, node));
    const remoteReq = { op, body: req } as RemoteRequest;
    const answers = await Promise.all([
      this.local[op](req as KillRequest, tagged(self), signal),
      ...t.peers.map(async (p): Promise<DoneEvent> => {
        try {
          const onEvent = (v: unknown) => {
            const ev = decodeOpEvent(v);
            if (ev.type !== 'done') tagged(p.name)(ev);
          };
          const done = decodeOpEvent(await t.api.call(p, remoteReq, onEvent, signal));
          if (done.type !== 'done') throw new RemoteNodeError(p.name, 'answered without a done line');
          return { ...done, errors: done.errors.map((e) => `node ${p.name}: ${e}`) };
        } catch (err) {
          return { type: 'done', ok: false, errors: [message(err as Error)] };
        }
      }),
    ]);
    const errors = answers.flatMap((a) => a.errors);
    return { type: 'done', ok: answers.every((a) => a.ok) && errors.length === 0, errors };
  }

  async top(project: string, services: string[]): Promise<TopResponse> {
    const here = await this.local.top(project, services);
    const t = this.targets(project, services);
    if (!t) return here;
    const self = this.d.selfName();
    const out: TopResponse = { containers: here.containers.map((c) => withNode(c, self)), errors: [] };
    await Promise.all(
      t.peers.map(async (p) => {
        try {
          const r = decodeTopResponse(
            await t.api.call(p, { op: 'top', body: { project, services } }, ignore),
          );
          out.containers.push(...r.containers.map((c) => ({ ...c, node: p.name })));
        } catch (err) {
          out.errors!.push(message(err as Error));
        }
      }),
    );
    out.containers.sort((a, b) => a.service.localeCompare(b.service) || a.replica - b.replica);
    return out;
  }

  async images(project: string, services: string[]): Promise<ImagesResponse> {
    const here = await this.local.images(project, services);
    const t = this.targets(project, services);
    if (!t) return here;
    const self = this.d.selfName();
    const out: ImagesResponse = { images: here.images.map((i) => withNode(i, self)), errors: [] };
    await Promise.all(
      t.peers.map(async (p) => {
        try {
          const r = decodeImagesResponse(
            await t.api.call(p, { op: 'images', body: { project, services } }, ignore),
          );
          out.images.push(...r.images.map((i) => ({ ...i, node: p.name })));
        } catch (err) {
          out.errors!.push(message(err as Error));
        }
      }),
    );
    out.images.sort((a, b) => a.service.localeCompare(b.service) || a.replica - b.replica);
    return out;
  }

  /** On the node that runs the replica: here, or over the stream to the node that does. */
  exec(req: ExecRequest): Promise<ExecSession> {
    const api = this.d.remote();
    const holder = api && execHolder(this.d.statuses(), this.d.peers(), this.d.selfId, req);
    if (!api || !holder) return this.local.exec(req);
    return api.exec(holder, { op: 'exec', body: req });
  }

  /** `fizz label NODE …` on any node: this one's own, another's through it. */
  cluster(h: ClusterHandlers): ClusterHandlers {
    return {
      ...h,
      label: async (req: LabelRequest) => {
        const api = this.d.remote();
        const peers = this.d.peers();
        const peer = peerNamed(peers, req.node);
        if (!api || req.node === this.d.selfName() || req.node === this.d.selfId) return h.label(req);
        if (!peer)
          throw new ClusterConfigError(
            `no node named "${req.node}" in the cluster (\`fizz nodes\` lists them)`,
          );
        if (!reachable(peer))
          throw new ClusterConfigError(
            `node ${peer.name} is ${peer.state}: its labels cannot be changed now`,
          );
        const v = (await api.call(peer, { op: 'label', body: req }, ignore)) as { labels?: unknown };
        const labels = v?.labels;
        if (typeof labels !== 'object' || labels === null || Array.isArray(labels))
          throw new RemoteNodeError(peer.name, 'answered the label request without labels');
        return { labels: Object.fromEntries(Object.entries(labels).map(([k, x]) => [k, String(x)])) };
      },
    };
  }
}

const ignore = () => {};

function message(err: Error): string {
  return err instanceof RemoteNodeError ? err.message : `${err.name}: ${err.message}`;
}

/** A container's progress line names its node, as `fizz ps`'s NODE column does. */
function tag(ev: OpProgress, node: string | undefined): OpProgress {
  return ev.type === 'progress' && ev.resource === 'container' && node !== undefined
    ? { ...ev, name: `${ev.name} (${node})` }
    : ev;
}

function withNode<T extends { node?: string }>(e: T, node: string | undefined): T {
  return node === undefined ? e : { ...e, node };
}
