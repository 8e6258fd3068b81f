/**
 * This node's status entry in ClusterState: its containers, its mesh end, its rolling
 * updates and the replicas waiting for an image. Written only when it changed, so an idle
 * agent does not grow the log.
 */
import type { ClusterState, NodeStatus } from '../../crdt/index.js';
import type { ContainerInfo } from '../runtime/types.js';
import type { Clock } from './clock.js';
import type { ImageWaits } from './image-waits.js';
import { statusContainers } from './node-status.js';
import type { Rollouts } from './rollouts.js';

export interface StatusWriterOptions {
  nodeId: string;
  state: ClusterState;
  clock: Clock;
  statusExtra?: () => Pick<NodeStatus, 'mesh' | 'held'>;
  rollouts?: Rollouts;
  imageWaits: ImageWaits;
  /** Slot keys draining (handoff.ts): marked in the entry. */
  draining: Set<string>;
}

export class StatusWriter {
  private last = '';
  private lastWaitWrite = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: StatusWriterOptions) {}

  /** Replicas wait for an image on its way: said in the status entry at most once a second. */
  noteWaiting(slots: string[], reason: string, actual: ContainerInfo[]): void {
    this.o.imageWaits.set(slots, reason);
    const now = this.o.clock.now();
    if (now - this.lastWaitWrite < 1000) return;
    this.lastWaitWrite = now;
    void this.write(actual).catch(() => {});
  }

  /** Writes this node's status entry when what it runs changed (not on every tick). */
  async write(containers: ContainerInfo[]): Promise<void> {
    const list = statusContainers(containers, this.o.nodeId, this.o.draining);
    const extra = this.o.statusExtra?.() ?? {};
    const rollouts = this.o.rollouts?.report() ?? [];
    const waiting = this.o.imageWaits.list();
    const text = JSON.stringify([list, extra, rollouts, waiting]);
    // Written again when a peer removed it (it took this node for gone) though nothing changed.
    if (text === this.last && this.o.state.nodeStatuses().has(this.o.nodeId)) return;
    this.last = text;
    this.o.state.setNodeStatus({
      containers: list,
      images: [],
      updatedAt: this.o.clock.now(),
      ...extra,
      ...(rollouts.length > 0 ? { rollouts } : {}),
      ...(waiting.length > 0 ? { waiting } : {}),
    });
  }
}
