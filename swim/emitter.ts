import { EventEmitter } from 'node:events';

/** A typed wrapper around node's EventEmitter: event names and payloads checked at compile time. */
export class TypedEmitter<E extends { [K in keyof E]: unknown[] }> {
  private readonly ee = new EventEmitter();

  on<K extends keyof E & string>(event: K, fn: (...args: E[K]) => void): this {
    this.ee.on(event, fn as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof E & string>(event: K, fn: (...args: E[K]) => void): this {
    this.ee.off(event, fn as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof E & string>(event: K, fn: (...args: E[K]) => void): this {
    this.ee.once(event, fn as (...args: unknown[]) => void);
    return this;
  }

  listens(event: keyof E & string): boolean {
    return this.ee.listenerCount(event) > 0;
  }

  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): void {
    this.ee.emit(event, ...args);
  }
}
