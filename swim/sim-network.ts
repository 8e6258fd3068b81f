import type { Clock, Timer } from './clock.js';
import { StreamError } from './errors.js';
import type { ManualClock, TimerEntry, TimerGate } from './manual-clock.js';
import type { Random } from './random.js';
import type { StreamCallback, Transport, TransportHandler, TransportStats } from './transport.js';

/**
 * An in-memory network in simulated time, seeded: latency, loss, duplication,
 * reordering, partitions between groups, and stalled nodes. A stalled node models a
 * paused process (GC pause, CPU starvation, SIGSTOP): while it is stalled its timers do
 * not fire and nothing it is sent is read; when it resumes, its overdue timers run first
 * (as a runtime's timer wheel catches up) and then its backlog of packets is handled, late,
 * at `catchUpMs` per packet (a CPU-starved process works through its queue slowly; packets
 * that arrive meanwhile queue behind the backlog while its timers run on time).
 * Streams (push-pull) are reliable but blocked by partitions and stalls like packets.
 */
export interface SimNetworkOptions {
  /** One-way latency is uniform in [min, max] ms. */
  latencyMinMs: number;
  latencyMaxMs: number;
  /** Probability a packet is lost. */
  loss: number;
  /** Probability a packet is delivered twice. */
  duplicate: number;
  /** Probability a packet is held back by up to `reorderDelayMs` extra, overtaking order. */
  reorder: number;
  reorderDelayMs: number;
}

export const defaultSimOptions: SimNetworkOptions = {
  latencyMinMs: 0.5,
  latencyMaxMs: 2,
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderDelayMs: 10,
};

interface Delivery {
  from: string;
  to: SimNode;
  data: Uint8Array;
  /** set for a stream request or reply */
  stream: StreamCall | null;
  isReply: boolean;
}

interface StreamCall {
  cb: StreamCallback;
  done: boolean;
  timer: Timer | null;
  requester: SimNode;
}

class SimNode implements TimerGate {
  handler: TransportHandler | null = null;
  stalledUntil = 0;
  closed = false;
  heldTimers: TimerEntry[] = [];
  heldDeliveries: Delivery[] = [];
  /** ms per packet while working through a backlog; > 0 only after a stall that asked for it */
  catchUpMs = 0;
  draining = false;
  readonly stats: TransportStats = { packetsSent: 0, packetBytesSent: 0, streamsSent: 0, streamBytesSent: 0 };
  group = 0;

  constructor(
    readonly address: string,
    readonly net: SimNetwork,
  ) {}

  stalled(): boolean {
    return this.stalledUntil > this.net.clock.now();
  }

  hold(entry: TimerEntry): boolean {
    if (this.closed) return true;
    if (this.stalledUntil > this.net.clock.now()) {
      this.heldTimers.push(entry);
      return true;
    }
    return false;
  }
}

class NodeClock implements Clock {
  constructor(
    private readonly base: ManualClock,
    private readonly node: SimNode,
  ) {}
  now(): number {
    return this.base.now();
  }
  schedule<T>(delayMs: number, fn: (arg: T) => void, arg: T): Timer {
    return this.base.scheduleGated(delayMs, fn, arg, this.node);
  }
}

class SimTransport implements Transport {
  constructor(
    private readonly node: SimNode,
    readonly clock: Clock,
  ) {}

  get address(): string {
    return this.node.address;
  }

  get stats(): TransportStats {
    return this.node.stats;
  }

  listen(handler: TransportHandler): void {
    this.node.handler = handler;
  }

  sendPacket(to: string, data: Uint8Array): void {
    if (this.node.closed) return;
    this.node.stats.packetsSent++;
    this.node.stats.packetBytesSent += data.length;
    this.node.net.route(this.node, to, data, null, false);
  }

  request(to: string, data: Uint8Array, timeoutMs: number, cb: StreamCallback): void {
    if (this.node.closed) {
      cb(new StreamError('transport closed'), null);
      return;
    }
    this.node.stats.streamsSent++;
    this.node.stats.streamBytesSent += data.length;
    const call: StreamCall = { cb, done: false, timer: null, requester: this.node };
    call.timer = this.clock.schedule(timeoutMs, streamTimeout, call);
    this.node.net.route(this.node, to, data, call, false);
  }

  async close(): Promise<void> {
    this.node.closed = true;
    this.node.heldDeliveries = [];
    this.node.heldTimers = [];
  }
}

function streamTimeout(call: StreamCall): void {
  if (call.done) return;
  call.done = true;
  call.cb(new StreamError('stream request timed out'), null);
}

function refuse(call: StreamCall): void {
  if (call.done) return;
  call.done = true;
  call.timer?.cancel();
  call.cb(new StreamError('connection refused'), null);
}

function deliver(d: Delivery): void {
  const node = d.to;
  if (node.closed || node.handler === null) return;
  if (node.stalled() || node.draining) {
    node.heldDeliveries.push(d);
    return;
  }
  node.net.handle(d);
}

function drainStep(node: SimNode): void {
  if (node.closed) return;
  if (node.stalled()) {
    node.draining = false;
    return;
  }
  const d = node.heldDeliveries.shift();
  if (d !== undefined) node.net.handle(d);
  if (node.heldDeliveries.length > 0) node.net.clock.schedule(node.catchUpMs, drainStep, node);
  else node.draining = false;
}

function resume(node: SimNode): void {
  if (node.closed || node.stalled()) return;
  const timers = node.heldTimers;
  node.heldTimers = [];
  for (const t of timers) t.run();
  if (node.catchUpMs > 0) {
    if (!node.draining && node.heldDeliveries.length > 0) {
      node.draining = true;
      node.net.clock.schedule(node.catchUpMs, drainStep, node);
    }
    return;
  }
  const deliveries = node.heldDeliveries;
  node.heldDeliveries = [];
  for (const d of deliveries) {
    if (node.closed) return;
    if (node.stalled()) node.heldDeliveries.push(d);
    else node.net.handle(d);
  }
}

export class SimNetwork {
  private readonly nodes = new Map<string, SimNode>();
  /** Packets dropped by the network, by cause. */
  readonly dropped = { loss: 0, partition: 0, unreachable: 0 };
  private partitioned = false;

  constructor(
    readonly clock: ManualClock,
    private readonly random: Random,
    readonly options: SimNetworkOptions = defaultSimOptions,
  ) {}

  /** Adds (or replaces, for a restart) the node at `address`; returns its transport and clock. */
  addNode(address: string): { transport: SimTransport; clock: Clock } {
    const old = this.nodes.get(address);
    if (old) old.closed = true;
    const node = new SimNode(address, this);
    this.nodes.set(address, node);
    const clock = new NodeClock(this.clock, node);
    return { transport: new SimTransport(node, clock), clock };
  }

  /** The node stops for good: its timers and packets vanish (kill -9). */
  kill(address: string): void {
    const node = this.nodes.get(address);
    if (!node) return;
    node.closed = true;
    node.heldDeliveries = [];
    node.heldTimers = [];
  }

  /** Pauses the node's process for `ms`, then lets it catch up at `catchUpMs` per packet (see the class comment). */
  stall(address: string, ms: number, catchUpMs = 0): void {
    const node = this.nodes.get(address);
    if (!node || node.closed) return;
    node.catchUpMs = catchUpMs;
    const until = this.clock.now() + ms;
    if (until <= node.stalledUntil) return;
    node.stalledUntil = until;
    this.clock.schedule(ms, resume, node);
  }

  isStalled(address: string): boolean {
    return this.nodes.get(address)?.stalled() ?? false;
  }

  /** Splits the network: packets flow only within a group; unlisted nodes form group 0. */
  partition(groups: string[][]): void {
    for (const n of this.nodes.values()) n.group = 0;
    groups.forEach((g, i) => {
      for (const a of g) {
        const n = this.nodes.get(a);
        if (n) n.group = i + 1;
      }
    });
    this.partitioned = true;
  }

  heal(): void {
    for (const n of this.nodes.values()) n.group = 0;
    this.partitioned = false;
  }

  setLoss(loss: number): void {
    (this.options as { loss: number }).loss = loss;
  }

  statsOf(address: string): TransportStats | undefined {
    return this.nodes.get(address)?.stats;
  }

  /** @internal */
  route(from: SimNode, to: string, data: Uint8Array, stream: StreamCall | null, isReply: boolean): void {
    const target = this.nodes.get(to);
    if (target === undefined || target.closed) {
      this.dropped.unreachable++;
      // A stream to a dead process on a live host is refused at once (TCP reset).
      if (stream !== null && !isReply) this.clock.schedule(this.delay(), refuse, stream);
      return;
    }
    if (this.partitioned && target.group !== from.group) {
      this.dropped.partition++;
      return;
    }
    const o = this.options;
    if (stream === null && o.loss > 0 && this.random.next() < o.loss) {
      this.dropped.loss++;
      return;
    }
    const d: Delivery = { from: from.address, to: target, data, stream, isReply };
    this.clock.schedule(this.delay(), deliver, d);
    if (stream === null && o.duplicate > 0 && this.random.next() < o.duplicate)
      this.clock.schedule(this.delay(), deliver, d);
  }

  private delay(): number {
    const o = this.options;
    let d = o.latencyMinMs + this.random.next() * (o.latencyMaxMs - o.latencyMinMs);
    if (o.reorder > 0 && this.random.next() < o.reorder) d += this.random.next() * o.reorderDelayMs;
    return d;
  }

  /** @internal */
  handle(d: Delivery): void {
    const node = d.to;
    const call = d.stream;
    if (call === null) {
      node.handler!.packet(d.from, d.data);
      return;
    }
    if (d.isReply) {
      if (call.done) return;
      call.done = true;
      call.timer?.cancel();
      call.cb(null, d.data);
      return;
    }
    const reply = node.handler!.stream(d.from, d.data);
    if (reply === null) return;
    node.stats.streamsSent++;
    node.stats.streamBytesSent += reply.length;
    this.route(node, call.requester.address, reply, call, true);
  }
}
