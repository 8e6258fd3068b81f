/**
 * What the progress printer shows of a pull: per image, its layers' state summed into one
 * bar (a character per layer, filling as it downloads) and the bytes downloaded of all,
 * as docker compose's pull line: `[⣿⣿⣄⣀] 1.2MB/3.4MB`. Off a terminal, a plain line
 * each time a layer's state changes (`Downloading`, `Pull complete`), not per byte count.
 */
import type { ProgressEvent } from '../api/protocol.js';
import { humanSize } from './commands/images.js';

interface Layer {
  status: string;
  current?: number;
  total?: number;
}

const BAR = ['⣀', '⣄', '⣤', '⣦', '⣶', '⣷', '⣿'];

/** A layer whose download is over (it may still be extracting). */
function downloaded(l: Layer): boolean {
  return (
    l.status === 'Download complete' ||
    l.status === 'Extracting' ||
    l.status === 'Pull complete' ||
    l.status === 'Already exists' ||
    l.status === 'Verifying Checksum'
  );
}

export class PullLines {
  private readonly images = new Map<string, Map<string, Layer>>();

  /** Takes a layer event; returns the plain line to print for it, if its state changed. */
  layer(ev: ProgressEvent): string | undefined {
    const image = ev.parent ?? '';
    let layers = this.images.get(image);
    if (!layers) {
      layers = new Map();
      this.images.set(image, layers);
    }
    const prev = layers.get(ev.name);
    const status = ev.detail ?? ev.status;
    const next: Layer = { status };
    // A layer's size stays known once the engine said it.
    const total = ev.total ?? prev?.total;
    if (total !== undefined) next.total = total;
    if (ev.current !== undefined && status === 'Downloading') next.current = ev.current;
    layers.set(ev.name, next);
    if (prev?.status === status) return undefined;
    return `Layer ${ev.name} (${image})  ${status}`;
  }

  /** `[⣿⣄⣀] 1.2MB/3.4MB` for an image with layers, '' before the first. */
  summary(image: string): string {
    const layers = [...(this.images.get(image)?.values() ?? [])];
    if (layers.length === 0) return '';
    let done = 0;
    let total = 0;
    const bar = layers.map((l) => {
      let f = 0;
      if (downloaded(l)) f = 1;
      else if (l.current !== undefined && l.total) f = Math.min(1, l.current / l.total);
      if (l.total !== undefined && l.status !== 'Already exists') {
        total += l.total;
        done += f === 1 ? l.total : (l.current ?? 0);
      }
      return BAR[Math.round(f * (BAR.length - 1))];
    });
    const bytes = total > 0 ? ` ${humanSize(done)}/${humanSize(total)}` : '';
    return `[${bar.join('')}]${bytes}`;
  }
}
