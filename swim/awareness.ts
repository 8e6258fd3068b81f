/**
 * Lifeguard's local health awareness (LHA). The score rises when this node's own probes
 * fail in ways that point at itself (missing nacks, having to refute a suspicion of itself)
 * and falls with each successful probe. Timeouts are stretched by (score + 1), so a node
 * that is slow or losing packets waits longer before it accuses anyone.
 */
export class Awareness {
  private score = 0;

  /** @param max the multiplier cap (memberlist's AwarenessMaxMultiplier); scores run 0..max-1. */
  constructor(private readonly max: number) {}

  applyDelta(delta: number): void {
    const next = this.score + delta;
    this.score = next < 0 ? 0 : Math.min(next, this.max - 1);
  }

  getHealthScore(): number {
    return this.score;
  }

  /** timeout · (score + 1) */
  scaleTimeout(timeoutMs: number): number {
    return timeoutMs * (this.score + 1);
  }
}
