/**
 * This node's advertised images (held.ts), kept fresh without a timer of its own: each
 * status write asks for the list (`current()`), which starts a refresh from the engine when
 * the last one is older than `everyMs` (or was marked stale by a load, a pull or a build);
 * the refreshed list is in the next status write (the reconciler's tick, 2 s). It asks for
 * no pass of its own: a pass started behind a `fizz up`'s back would make that up's
 * containers and pull its images without its progress.
 */
import type { HeldImage } from '../../../crdt/index.js';
import type { ImageArchive } from '../../runtime/image-archive.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { advertised } from './held.js';

export class ImageInventory {
  private list: HeldImage[] = [];
  private at = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly archive: ImageArchive,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly everyMs = 5_000,
  ) {}

  current(): HeldImage[] {
    if (this.clock.now() - this.at >= this.everyMs) void this.refresh();
    return this.list;
  }

  /** The engine's images changed: refresh now. */
  stale(): void {
    this.at = Number.NEGATIVE_INFINITY;
    void this.refresh();
  }

  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const next = advertised(await this.archive.list());
        this.at = this.clock.now();
        this.list = next;
      } catch (err) {
        this.logger.debug({ err: (err as Error).message }, 'image list not read');
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}
