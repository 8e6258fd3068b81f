/** Waiting for a seed to take a new member in (after admission gave it the key). */
import type { ClusterNode } from '../membership/cluster-node.js';
import { ClusterJoinError, parseAddress } from './config.js';

/** Resolves once a seed answered the join; rejects with what to check when none did. */
export function waitJoined(node: ClusterNode, seeds: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (node.swim.numLive > 1) return resolve();
    const offs: Array<() => void> = [];
    const end = (err?: Error) => {
      clearTimeout(timer);
      for (const off of offs) off();
      if (err) reject(err);
      else resolve();
    };
    const refused = (detail: string) =>
      new ClusterJoinError(
        `could not join through ${seeds.join(', ')}: ${detail}. Check that the peer is reachable on UDP and TCP ${seeds.map((s) => parseAddress(s).port).join(', ')}`,
      );
    const timer = setTimeout(() => end(refused('no member answered in time')), timeoutMs);
    offs.push(node.on('joined', () => end()));
    offs.push(node.on('join-failed', () => end(refused('the peer did not accept this node'))));
  });
}
