/**
 * The agent's metrics (README "Metrics" lists them): membership and replication are read at
 * scrape time from the totals SWIM and the cluster network already keep; reconcile passes
 * and engine calls are recorded as they happen, through `onPass` and `timed`. The daemon
 * builds one only when `--metrics` (or FIZZ_METRICS) asks for it.
 */
import type { NodeEntry } from '../cluster/controller.js';
import type { MdnsResponder } from '../cluster/mdns-socket.js';
import type { ClusterNode } from '../membership/cluster-node.js';
import { type Counter, Registry } from './exposition.js';

export interface FizzMetricsOptions {
  version: string;
  /** The members as this node sees them (itself alone outside a cluster). */
  nodes: () => Array<Pick<NodeEntry, 'state'>>;
  /** This node's SWIM and network, while it is in a cluster. */
  clusterNode: () => ClusterNode | undefined;
  /** The counts of this node's mDNS responder, while it runs (mdns-socket.ts). */
  mdns?: () => MdnsResponder['stats'] | undefined;
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

/**
 * Counters read at scrape time from the totals this node's SWIM, SWIM transport and cluster
 * network keep (absent outside a cluster). With a label, `read` gives a total per value.
 */
const CLUSTER_COUNTERS: ReadonlyArray<{
  name: string;
  help: string;
  label?: string;
  read: (n: ClusterNode) => number | Record<string, number>;
}> = [
  {
    name: 'fizz_swim_probes_total',
    help: 'SWIM probes this node started.',
    read: (n) => n.swim.stats.probes,
  },
  {
    name: 'fizz_swim_probes_failed_total',
    help: 'SWIM probes that got no ack within their period (the target is then suspected).',
    read: (n) => n.swim.stats.probesFailed,
  },
  {
    name: 'fizz_swim_suspicions_total',
    help: 'Members this node saw turn suspect.',
    read: (n) => n.swim.stats.suspicions,
  },
  {
    name: 'fizz_swim_suspicions_refuted_total',
    help: 'Suspected members this node saw alive again (they refuted the suspicion).',
    read: (n) => n.swim.stats.suspicionsRefuted,
  },
  {
    name: 'fizz_swim_self_refutations_total',
    help: 'Times this node refuted a suspicion or death of itself.',
    read: (n) => n.swim.stats.refutations,
  },
  {
    name: 'fizz_swim_sent_bytes_total',
    help: 'SWIM bytes sent, by purpose.',
    label: 'kind',
    read: ({ swim: { stats: s } }) => ({
      probe: s.sent.probeBytes,
      gossip: s.sent.gossipBytes,
      push_pull: s.sent.pushPullBytes,
    }),
  },
  {
    name: 'fizz_swim_messages_dropped_total',
    help: 'SWIM messages dropped on receipt (forged, of another cluster, undecodable, over a limit), by reason.',
    label: 'reason',
    read: ({ swim, transport: { stats } }) => ({
      ...swim.stats.dropped,
      oversize_frame: stats.dropped.oversizeFrame,
      truncated_frame: stats.dropped.truncatedFrame,
      timeout: stats.dropped.timeout,
      empty_packet: stats.dropped.emptyPacket,
      oversize_packet: stats.dropped.oversizePacket,
    }),
  },
  {
    name: 'fizz_state_updates_sent_total',
    help: 'State updates this node published.',
    read: (n) => n.net.metrics.published,
  },
  {
    name: 'fizz_state_updates_sent_bytes_total',
    help: 'Bytes of the state updates this node published.',
    read: (n) => n.net.metrics.publishedBytes,
  },
  {
    name: 'fizz_state_updates_received_total',
    help: 'Gossiped state updates received.',
    read: (n) => n.net.metrics.messagesReceived,
  },
  {
    name: 'fizz_state_updates_received_bytes_total',
    help: 'Bytes of the gossiped state updates received.',
    read: (n) => n.net.metrics.receivedBytes,
  },
  {
    name: 'fizz_state_messages_dropped_total',
    help: 'State messages dropped: updates that do not decode or apply, sync frames over the size limit.',
    label: 'reason',
    read: ({ net: { metrics: m } }) => ({ invalid: m.droppedInvalid, oversize_frame: m.framesRefused }),
  },
  {
    name: 'fizz_state_sync_rounds_total',
    help: 'Anti-entropy sync exchanges, by result.',
    label: 'result',
    read: ({ net: { metrics: m } }) => ({ ok: m.syncsOk, failed: m.syncsFailed, refused: m.syncsRefused }),
  },
  {
    name: 'fizz_state_sync_bytes_total',
    help: 'Bytes of anti-entropy sync exchanges, by direction.',
    label: 'direction',
    read: ({ net: { metrics: m } }) => ({ sent: m.syncBytesSent, received: m.syncBytesReceived }),
  },
];
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

  constructor(private readonly o: FizzMetricsOptions) {
    const r = this.registry;
    r.gauge('fizz_info', 'This agent: its version (always 1).', ['version']).set({ version: o.version }, 1);

    const members = r.gauge('fizz_members', 'Members as this node sees them, by SWIM state.', ['state']);
    const docBytes = r.gauge('fizz_state_document_bytes', 'Size of the replicated state document, encoded.');
    const scraped = CLUSTER_COUNTERS.map((c) => ({
      ...c,
      counter: r.counter(c.name, c.help, c.label ? [c.label] : []),
      carried: new Carried<ClusterNode>(),
    }));
    const mdns = r.counter(
      'fizz_mdns_queries_total',
      'mDNS questions for the cluster: answered, refused by the rate limit, malformed (dropped).',
      ['result'],
    );
    const mdnsCarried = new Carried<MdnsResponder['stats']>();

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
      for (const { label, read, counter, carried } of scraped) carry(counter, label, carried, node, read);
      carry(mdns, 'result', mdnsCarried, o.mdns?.(), (m) => ({ ...m }));
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
 * Sets `counter` to what `read` gives of `source` (per label value; unlabelled: a number),
 * plus what the sources it replaced had counted.
 */
function carry<S extends object>(
  counter: Counter,
  label: string | undefined,
  carried: Carried<S>,
  source: S | undefined,
  read: (s: S) => number | Record<string, number>,
): void {
  const series = (s: S) => {
    const v = read(s);
    return typeof v === 'number' ? { '': v } : v;
  };
  for (const [key, total] of carried.totals(source, series)) {
    const labels: Record<string, string> = label ? { [label]: key } : {};
    counter.inc(labels, Math.max(0, total - counter.get(labels)));
  }
}

/**
 * Running totals of a source that may be replaced by a fresh one counting from 0 again (a
 * join or leave starts a new cluster node): the old one's last totals, read once more when
 * it is replaced, are kept as a base, so the sum never goes back.
 */
class Carried<S extends object> {
  private source: S | undefined;
  private readonly base = new Map<string, number>();

  totals(source: S | undefined, read: (s: S) => Record<string, number>): Map<string, number> {
    if (source !== this.source) {
      if (this.source)
        for (const [k, v] of Object.entries(read(this.source))) this.base.set(k, (this.base.get(k) ?? 0) + v);
      this.source = source;
    }
    const out = new Map(this.base);
    if (source) for (const [k, v] of Object.entries(read(source))) out.set(k, (out.get(k) ?? 0) + v);
    return out;
  }
}
