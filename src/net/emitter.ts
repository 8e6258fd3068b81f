/** A minimal typed event emitter: listeners that throw are isolated from each other. */
export class Emitter<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, Set<(e: never) => void>>();

  on<K extends keyof Events>(event: K, cb: (e: Events[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(cb as (e: never) => void);
    return () => set.delete(cb as (e: never) => void);
  }

  emit<K extends keyof Events>(event: K, e: Events[K]): void {
    for (const cb of [...(this.listeners.get(event) ?? [])]) {
      try {
        (cb as (e: Events[K]) => void)(e);
      } catch {
        // A listener's failure is its own; the network keeps running.
      }
    }
  }
}
