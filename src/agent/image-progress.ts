/**
 * The progress events of a pull or a build: one `image` line per image, `layer` lines
 * under it as the engine reports each layer (status changes always, byte counts at most
 * every `everyMs` per layer, so a fast download does not flood the stream), and the
 * builder's output as `output` lines of the service.
 */
import type { OpProgress, ProgressEvent } from '../api/protocol.js';
import type { LayerProgress } from '../runtime/image-types.js';

export type ImageEmit = (event: OpProgress) => void;

export class PullReporter {
  private readonly last = new Map<string, { status: string; at: number }>();

  constructor(
    private readonly image: string,
    private readonly service: string | undefined,
    private readonly emit: ImageEmit,
    private readonly now: () => number,
    private readonly everyMs = 100,
  ) {}

  /** The image's own line: pulling, pulled, warning, error, skipped. */
  status(status: ProgressEvent['status'], detail?: string): void {
    const ev: ProgressEvent = { type: 'progress', resource: 'image', name: this.image, status };
    if (this.service !== undefined) ev.service = this.service;
    if (detail !== undefined) ev.detail = detail;
    this.emit(ev);
  }

  layer(p: LayerProgress): void {
    const now = this.now();
    const prev = this.last.get(p.layer);
    if (prev && prev.status === p.status && now - prev.at < this.everyMs) return;
    this.last.set(p.layer, { status: p.status, at: now });
    const ev: ProgressEvent = {
      type: 'progress',
      resource: 'layer',
      name: p.layer,
      parent: this.image,
      status: p.status === 'Pull complete' || p.status === 'Already exists' ? 'pulled' : 'pulling',
      detail: p.status,
    };
    if (this.service !== undefined) ev.service = this.service;
    if (p.current !== undefined) ev.current = p.current;
    if (p.total !== undefined) ev.total = p.total;
    this.emit(ev);
  }
}
