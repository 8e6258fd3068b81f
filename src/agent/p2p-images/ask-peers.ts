/**
 * The image step's ask of the cluster's other nodes (images.ts), before any registry: the
 * transfer's progress on the image's line (`from h2 (40%)`, every 5%), and the words a
 * failure line gets from it.
 */
import type { PullReporter } from '../image-progress.js';
import type { PeerImageSource, TransferProgress } from './fetch.js';

/** How the ask went. */
export interface PeerTry {
  loaded: boolean;
  /** The node it came from, when loaded. */
  from?: string;
  /** Every holder was tried and failed. */
  error?: string;
}

/** A transfer's share done, 0–99 (100 is the load, said by `pulled`); -1 before the total is known. */
export function percentOf(p: TransferProgress): number {
  return p.total > 0 ? Math.min(99, Math.floor((100 * p.done) / p.total)) : -1;
}

export async function askPeers(
  source: PeerImageSource,
  ref: string,
  reporter: PullReporter,
  signal?: AbortSignal,
): Promise<PeerTry> {
  let shown = -5;
  try {
    const got = await source.fetch(
      ref,
      (p) => {
        const pct = percentOf(p);
        if (pct < shown + 5 && !(pct === 99 && shown < 99)) return;
        shown = pct;
        reporter.status('pulling', `from ${p.node} (${Math.max(0, pct)}%)`);
      },
      signal,
    );
    if (!got) return { loaded: false };
    reporter.status('pulled', got.node === 'local' ? undefined : `from ${got.node}`);
    return { loaded: true, from: got.node };
  } catch (err) {
    const why = (err as Error)?.message ?? String(err);
    reporter.status('warning', why);
    return { loaded: false, error: why };
  }
}

/** A failure line, with what the peers said: none has the image, or why none could send it. */
export function withPeers(line: string, peers: PeerTry | undefined): string {
  if (!peers) return line;
  return peers.error ? `${line}; from peers: ${peers.error}` : `${line}; no node of the cluster has it`;
}
