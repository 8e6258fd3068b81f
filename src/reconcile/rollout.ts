/**
 * Where a rolling update stands, decided the same way on every node from replicated data:
 * the rollout record (in the project spec), which replicas the node status entries show
 * running and healthy at the new spec, and which replicas a node reported failed for this
 * rollout. Replicas are replaced in waves of `parallelism` by replica index; wave k may go
 * once every replica of the earlier waves is ready and `delay` has passed since the last of
 * them became ready. No node waits for another to tell it: each one releases its own slots
 * when it sees the earlier waves done. Pure.
 */
import type { Rollout } from './revisions.js';

export type RolloutPhase = 'rolling' | 'completed' | 'paused' | 'failed';

export interface RolloutInput {
  rollout: Rollout;
  /** The service's replica indexes. */
  replicas: number[];
  /** Replicas seen running (and healthy, where checked) at the new spec → since when, ms. */
  ready: Map<number, number>;
  /** Replicas a node reported failed for this rollout → why. */
  failed: Map<number, string>;
  /** Replicas that gate nothing: pending (no node can take them) or stopped by the user. */
  exempt: Set<number>;
  now: number;
}

export interface RolloutView {
  phase: RolloutPhase;
  /** Replicas whose wave may go: they run the new spec. */
  released: Set<number>;
  /** Waves in all, and the first one not done (= waves when all are). */
  waves: number;
  wave: number;
  failures: Array<{ replica: number; reason: string }>;
  /** Replicas running (healthy where checked) at the new spec, and replicas in all. */
  ready: number[];
  replicas: number;
  /** Why it paused or failed. */
  reason?: string;
  /** When the last replica became ready (completed rollouts). */
  readyAt?: number;
}

/** The wave of each replica: position in index order divided by parallelism (0: all at once). */
export function waveOf(replicas: number[], parallelism: number): Map<number, number> {
  const sorted = [...replicas].sort((a, b) => a - b);
  return new Map(sorted.map((r, i) => [r, parallelism > 0 ? Math.floor(i / parallelism) : 0]));
}

export function rolloutView(input: RolloutInput): RolloutView {
  const { rollout, replicas, ready, exempt, now } = input;
  const { config } = rollout;
  const waveMap = waveOf(replicas, config.parallelism);
  const waves = replicas.length === 0 ? 0 : Math.max(...waveMap.values()) + 1;
  const failures = [...input.failed]
    .filter(([r]) => waveMap.has(r))
    .sort((a, b) => a[0] - b[0])
    .map(([replica, reason]) => ({ replica, reason }));
  const ratio = replicas.length === 0 ? 0 : failures.length / replicas.length;
  // As Swarm: the action applies once the failed share passes max_failure_ratio.
  const overLimit = failures.length > 0 && ratio > config.maxFailureRatio;
  const stopping = overLimit && config.failureAction !== 'continue';

  // The first wave not done, and when the waves before it were all ready.
  let wave = 0;
  let lastReady = 0;
  for (; wave < waves; wave++) {
    const members = replicas.filter((r) => waveMap.get(r) === wave && !exempt.has(r));
    if (!members.every((r) => ready.has(r))) break;
    for (const r of members) lastReady = Math.max(lastReady, ready.get(r)!);
  }
  const released = new Set<number>();
  if (!stopping) {
    // The first pending wave goes once the delay after the previous wave has passed.
    const open = wave === 0 || now >= lastReady + config.delayMs ? wave : wave - 1;
    for (const r of replicas) if (waveMap.get(r)! <= open) released.add(r);
  }
  const view: RolloutView = {
    phase: 'rolling',
    released,
    waves,
    wave,
    failures,
    ready: replicas.filter((r) => ready.has(r)).sort((a, b) => a - b),
    replicas: replicas.length,
  };
  if (stopping) {
    view.phase = config.failureAction === 'rollback' && rollout.kind === 'update' ? 'failed' : 'paused';
    view.reason = failures.map((f) => `replica ${f.replica + 1} ${f.reason}`).join('; ');
  } else if (wave >= waves && now >= lastReady + config.monitorMs) {
    view.phase = 'completed';
    view.readyAt = lastReady;
  }
  return view;
}
