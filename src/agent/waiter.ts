/**
 * Waits for a container to reach a condition (running, healthy, exited). Checks the runtime,
 * then sleeps until the next poll or until a runtime event about that container wakes it:
 * events make waits end as soon as the engine reports a change, polls cover lost events.
 */
import type { ContainerInfo, Runtime } from '../runtime/types.js';
import type { Clock } from './clock.js';

export type Verdict = 'ok' | 'wait' | { fail: string };

export class ContainerWaiter {
  private readonly wakers = new Map<string, Set<() => void>>();

  constructor(
    private readonly runtime: Runtime,
    private readonly clock: Clock,
    /** Fallback poll interval in ms. */
    private readonly pollMs: number,
  ) {}

  /** Feed a runtime event: wakes the waits on that container. */
  notify(containerId: string): void {
    const set = this.wakers.get(containerId);
    if (!set) return;
    this.wakers.delete(containerId);
    for (const wake of set) wake();
  }

  private nextWake(id: string, signal: AbortSignal): Promise<void> {
    const inner = new AbortController();
    const onAbort = () => inner.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let set = this.wakers.get(id);
    if (!set) {
      set = new Set();
      this.wakers.set(id, set);
    }
    const wake = () => inner.abort();
    set.add(wake);
    return this.clock.sleep(this.pollMs, inner.signal).finally(() => {
      signal.removeEventListener('abort', onAbort);
      this.wakers.get(id)?.delete(wake);
    });
  }

  /**
   * Resolves when `check` says ok; rejects with the failure text, on timeout, or on abort.
   */
  async until(
    id: string,
    check: (c: ContainerInfo | undefined) => Verdict,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<void> {
    const deadline = this.clock.now() + timeoutMs;
    for (;;) {
      const verdict = check(await this.runtime.inspect(id));
      if (verdict === 'ok') return;
      if (verdict !== 'wait') throw new Error(verdict.fail);
      if (signal.aborted) throw new Error('cancelled');
      if (this.clock.now() >= deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s`);
      await this.nextWake(id, signal);
    }
  }
}

export const isRunning = (c: ContainerInfo | undefined): Verdict => {
  if (!c) return { fail: 'container is gone' };
  if (c.state === 'running') return 'ok';
  if (c.state === 'exited' || c.state === 'dead') return { fail: `container exited (${c.exitCode ?? '?'})` };
  return 'wait';
};

/** Healthy; a container without a healthcheck counts once it runs. */
export const isHealthy = (c: ContainerInfo | undefined): Verdict => {
  if (!c) return { fail: 'container is gone' };
  if (c.state === 'exited' || c.state === 'dead') return { fail: `container exited (${c.exitCode ?? '?'})` };
  if (c.state !== 'running') return 'wait';
  if (c.health === 'healthy' || c.health === 'none') return 'ok';
  if (c.health === 'unhealthy') return { fail: 'container is unhealthy' };
  return 'wait';
};

export const isCompleted = (c: ContainerInfo | undefined): Verdict => {
  if (!c) return { fail: 'container is gone' };
  if (c.state === 'exited' || c.state === 'dead')
    return c.exitCode === 0 ? 'ok' : { fail: `container exited with code ${c.exitCode ?? '?'}` };
  return 'wait';
};
