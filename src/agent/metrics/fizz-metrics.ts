/**
 * The agent's metrics (README "Metrics" lists them): membership and replication are read at
 * scrape time from the totals SWIM and the cluster network already keep; reconcile passes
 * and engine calls are recorded as they happen, through `onPass` and `timed`. The daemon
 * builds one only when `--metrics` (or FIZZ_METRICS) asks for it.
 */
import type { NodeEntry } from '../cluster/controller.js';
import type { ClusterNode } from '../membership/cluster-node.js';
import { Registry } from './exposition.js';

export interface FizzMetricsOptions {
  version: string;
  /** The members as this node sees them (itself alone outside a cluster). */
  nodes: () => Array<Pick<NodeEntry, 'state'>>;
  /** This node's SWIM and network, while it is in a cluster. */
  clusterNode: () => ClusterNode | undefined;
  /** Bytes of the replicated state document, encoded. */
  documentBytes: () => number;
  /** A monotonic clock in ms, for durations. */
  elapsedMs: () => number;
}

/** What one reconcile pass did. */
export interface PassMetrics {
  ms: number;
  actions: ReadonlyArray<{ kind: string }>;
  /** Desired slots no node can take. */
  pending: number;
}

const MEMBER_STATES = ['alive', 'suspect', 'dead', 'left'] as const;
const PASS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const ENGINE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class FizzMetrics {
  readonly registry = new Registry();
  private readonly passes;
  private readonly passSeconds;
  private readonly actions;
  private readonly pending;
  private readonly engineSeconds;
  private readonly engineFailures;
  /** Totals of a ClusterNode that was replaced (a join or leave makes a new one) carry on. */
  private readonly carried = new Carried();

  constructor(private readonly o: FizzMetricsOptions) {
    const r = this.registry;
    r.gauge('fizz_info', 'This agent: its version (always 1).', ['version']).set({ version: o.version }, 1);

    const members = r.gauge('fizz_members', 'Members as this node sees them, by SWIM state.', ['state']);
    const probes = r.counter('fizz_swim_probes_total', 'SWIM probes this node started.');
    const probesFailed = r.counter(
      'fizz_swim_probes_failed_total',
      'SWIM probes that got no ack within their period (the target is then suspected).',
    );
    const suspicions = r.counter('fizz_swim_suspicions_total', 'Members this node saw turn suspect.');
    const refuted = r.counter(
      'fizz_swim_suspicions_refuted_total',
      'Suspected members this node saw alive again (they refuted the suspicion).',
    );
    const selfRefutations = r.counter(
      'fizz_swim_self_refutations_total',
      'Times this node refuted a suspicion or death of itself.',
    );
    const swimSent = r.counter('fizz_swim_sent_bytes_total', 'SWIM bytes sent, by purpose.', ['kind']);
    const swimDropped = r.counter(
      'fizz_swim_messages_dropped_total',
      'SWIM messages dropped on receipt (forged, of another cluster, undecodable, oversize, …), by reason.',
      ['reason'],
    );
    const updatesSent = r.counter('fizz_state_updates_sent_total', 'State updates this node published.');
    const updatesSentBytes = r.counter(
      'fizz_state_updates_sent_bytes_total',
      'Bytes of the updates published.',
    );
    const updatesReceived = r.counter(
      'fizz_state_updates_received_total',
      'Gossiped state updates received.',
    );
    const updatesReceivedBytes = r.counter(
      'fizz_state_updates_received_bytes_total',
      'Bytes of the gossiped updates received.',
    );
    const stateDropped = r.counter(
      'fizz_state_messages_dropped_total',
      'State messages dropped: invalid updates, sync frames over the size limit.',
      ['reason'],
    );
    const syncs = r.counter('fizz_state_sync_rounds_total', 'Anti-entropy sync exchanges, by result.', [
      'result',
    ]);
    const syncBytes = r.counter('fizz_state_sync_bytes_total', 'Bytes of sync exchanges, by direction.', [
      'direction',
    ]);
    const docBytes = r.gauge('fizz_state_document_bytes', 'Size of the replicated state document, encoded.');

    this.passes = r.counter('fizz_reconcile_passes_total', 'Reconcile passes run.');
    this.passSeconds = r.histogram(
      'fizz_reconcile_pass_duration_seconds',
      'Duration of a reconcile pass.',
      PASS_BUCKETS,
    );
    this.actions = r.counter('fizz_reconcile_actions_total', 'Actions reconcile passes planned, by kind.', [
      'kind',
    ]);
    this.pending = r.gauge('fizz_reconcile_pending_slots', 'Desired replicas no node can take (last pass).');
    this.engineSeconds = r.histogram(
      'fizz_engine_call_duration_seconds',
      'Docker Engine calls of the agent, by method.',
      ENGINE_BUCKETS,
      ['method'],
    );
    this.engineFailures = r.counter(
      'fizz_engine_call_failures_total',
      'Docker Engine calls that failed, by method.',
      ['method'],
    );
    this.passes.inc({}, 0);
    this.pending.set({}, 0);

    r.collect(() => {
      const counts = new Map<string, number>(MEMBER_STATES.map((s) => [s, 0]));
      for (const n of o.nodes()) counts.set(n.state, (counts.get(n.state) ?? 0) + 1);
      for (const [state, n] of counts) members.set({ state }, n);
      docBytes.set({}, o.documentBytes());

      const node = o.clusterNode();
      const s = node?.swim.stats;
      const t = node?.transport.stats.dropped;
      const m = node?.net.metrics;
      const to =
        (c: { inc(l: Record<string, string>, by: number): void; get(l: Record<string, string>): number }) =>
        (labels: Record<string, string>, key: string, value: number | undefined) => {
          const total = this.carried.read(node, `${key}${JSON.stringify(labels)}`, value ?? 0);
          c.inc(labels, Math.max(0, total - c.get(labels)));
        };
      to(probes)({}, 'probes', s?.probes);
      to(probesFailed)({}, 'probesFailed', s?.probesFailed);
      to(suspicions)({}, 'suspicions', s?.suspicions);
      to(refuted)({}, 'refuted', s?.suspicionsRefuted);
      to(selfRefutations)({}, 'self', s?.refutations);
      to(swimSent)({ kind: 'probe' }, 'sent', s?.sent.probeBytes);
      to(swimSent)({ kind: 'gossip' }, 'sent', s?.sent.gossipBytes);
      to(swimSent)({ kind: 'push_pull' }, 'sent', s?.sent.pushPullBytes);
      for (const reason of ['auth', 'cluster', 'version', 'decode'] as const)
        to(swimDropped)({ reason }, 'swimDropped', s?.dropped[reason]);
      for (const [reason, key] of [
        ['oversize_frame', 'oversizeFrame'],
        ['truncated_frame', 'truncatedFrame'],
        ['timeout', 'timeout'],
        ['empty_packet', 'emptyPacket'],
        ['oversize_packet', 'oversizePacket'],
      ] as const)
        to(swimDropped)({ reason }, 'transportDropped', t?.[key]);
      to(updatesSent)({}, 'published', m?.published);
      to(updatesSentBytes)({}, 'publishedBytes', m?.publishedBytes);
      to(updatesReceived)({}, 'received', m?.messagesReceived);
      to(updatesReceivedBytes)({}, 'receivedBytes', m?.receivedBytes);
      to(stateDropped)({ reason: 'invalid' }, 'invalid', m?.droppedInvalid);
      to(stateDropped)({ reason: 'oversize_frame' }, 'frames', m?.framesRefused);
      to(syncs)({ result: 'ok' }, 'syncs', m?.syncsOk);
      to(syncs)({ result: 'failed' }, 'syncs', m?.syncsFailed);
      to(syncs)({ result: 'refused' }, 'syncs', m?.syncsRefused);
      to(syncBytes)({ direction: 'sent' }, 'syncBytes', m?.syncBytesSent);
      to(syncBytes)({ direction: 'received' }, 'syncBytes', m?.syncBytesReceived);
    });
  }

  /** The reconciler's hook: one call per pass. */
  onPass(p: PassMetrics): void {
    this.passes.inc();
    this.passSeconds.observe({}, p.ms / 1000);
    for (const a of p.actions) this.actions.inc({ kind: a.kind });
    this.pending.set({}, p.pending);
  }

  /**
   * The runtime with each call that returns a promise timed by method, and its failures
   * counted. Calls the runtime makes to itself are not counted twice (they reach the target).
   */
  timed<R extends object>(runtime: R): R {
    const wrapped = new Map<string | symbol, unknown>();
    return new Proxy(runtime, {
      get: (target, prop) => {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        let fn = wrapped.get(prop);
        if (!fn) {
          fn = (...args: unknown[]) => {
            const start = this.o.elapsedMs();
            const method = { method: prop };
            const result = (value as (...a: unknown[]) => unknown).apply(target, args);
            if (!(result instanceof Promise)) return result;
            return result.then(
              (v) => {
                this.engineSeconds.observe(method, (this.o.elapsedMs() - start) / 1000);
                return v;
              },
              (err) => {
                this.engineSeconds.observe(method, (this.o.elapsedMs() - start) / 1000);
                this.engineFailures.inc(method);
                throw err;
              },
            );
          };
          wrapped.set(prop, fn);
        }
        return fn;
      },
    });
  }
}

/**
 * Running totals of a source that may be replaced by a fresh one (counting from 0 again):
 * what the old one had counted is kept as a base, so the sum never goes back.
 */
class Carried {
  private source: object | undefined;
  private readonly last = new Map<string, number>();
  private readonly base = new Map<string, number>();

  read(source: object | undefined, key: string, value: number): number {
    if (source !== this.source) {
      for (const [k, v] of this.last) this.base.set(k, (this.base.get(k) ?? 0) + v);
      this.last.clear();
      this.source = source;
    }
    if (source) this.last.set(key, value);
    return (this.base.get(key) ?? 0) + (source ? value : 0);
  }
}
