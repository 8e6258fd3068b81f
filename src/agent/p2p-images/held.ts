/**
 * The images a node advertises in its status entry, so the others can fetch them from it,
 * and the reading of other nodes' lists (hostile: validated, capped). Bounded: at most
 * MAX_HELD images (tagged ones first, newest first), each with at most MAX_LAYERS layers
 * (an image with more is not advertised), so one node's list stays under ~40 KiB of state.
 */
import type { HeldImage, NodeStatus } from '../../../crdt/index.js';
import type { LocalImage } from '../../runtime/image-archive.js';

export const MAX_HELD = 64;
export const MAX_LAYERS = 64;
export const MAX_TAGS = 8;

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const TAG = /^[^\s]{1,255}$/;

/** What this node advertises of its images: bounded, deterministic order. Pure. */
export function advertised(images: readonly LocalImage[]): HeldImage[] {
  return images
    .filter((i) => DIGEST.test(i.id) && i.layers.length > 0 && i.layers.length <= MAX_LAYERS)
    .sort(
      (a, b) =>
        Number(b.tags.length > 0) - Number(a.tags.length > 0) ||
        b.created - a.created ||
        a.id.localeCompare(b.id),
    )
    .slice(0, MAX_HELD)
    .map((i) => ({ id: i.id, tags: [...i.tags].sort().slice(0, MAX_TAGS), layers: [...i.layers] }));
}

/** A node's list as another node wrote it: entries that are not well formed are dropped. */
export function heldOf(status: NodeStatus | undefined): HeldImage[] {
  const raw = (status as { held?: unknown } | undefined)?.held;
  if (!Array.isArray(raw)) return [];
  const out: HeldImage[] = [];
  for (const v of raw.slice(0, MAX_HELD)) {
    if (typeof v !== 'object' || v === null) continue;
    const o = v as Record<string, unknown>;
    if (typeof o.id !== 'string' || !DIGEST.test(o.id)) continue;
    if (!Array.isArray(o.tags) || !o.tags.every((t) => typeof t === 'string' && TAG.test(t))) continue;
    if (!Array.isArray(o.layers) || o.layers.length === 0 || o.layers.length > MAX_LAYERS) continue;
    if (!o.layers.every((l) => typeof l === 'string' && DIGEST.test(l))) continue;
    out.push({ id: o.id, tags: (o.tags as string[]).slice(0, MAX_TAGS), layers: o.layers as string[] });
  }
  return out;
}

/** `busybox` means `busybox:latest`, as the engine names it. */
export function normalTag(ref: string): string {
  const slash = ref.lastIndexOf('/');
  return ref.slice(slash + 1).includes(':') || ref.includes('@') ? ref : `${ref}:latest`;
}

/** Whether a held image is the one `ref` names (a `repo:tag`, or its id). */
export function isRef(h: HeldImage, ref: string): boolean {
  return h.id === ref || h.tags.includes(normalTag(ref));
}

export interface Holder {
  node: string;
  image: HeldImage;
}

/**
 * The nodes that hold `ref`, by node id (not this one), all with the same image: when the
 * nodes disagree on what a tag means, the id most of them hold wins (ties: the smallest).
 * Ordered to spread the asks of many nodes over the holders: by a hash of asker and holder.
 */
export function holdersOf(
  statuses: ReadonlyMap<string, NodeStatus>,
  selfId: string,
  ref: string,
  usable: (node: string) => boolean,
): Holder[] {
  const all: Holder[] = [];
  for (const [node, s] of statuses) {
    if (node === selfId || !usable(node)) continue;
    const image = heldOf(s).find((h) => isRef(h, ref));
    if (image) all.push({ node, image });
  }
  const count = new Map<string, number>();
  for (const h of all) count.set(h.image.id, (count.get(h.image.id) ?? 0) + 1);
  const best = [...count].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  return all
    .filter((h) => h.image.id === best)
    .sort((a, b) => mix(selfId, a.node) - mix(selfId, b.node) || a.node.localeCompare(b.node));
}

function mix(a: string, b: string): number {
  let h = 2166136261;
  for (const c of `${a}\0${b}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** How many leading layers of `want` this engine has already, as a chain (the load skips those). */
export function layersHeld(want: readonly string[], local: readonly LocalImage[]): number {
  let best = 0;
  for (const i of local) {
    let n = 0;
    while (n < want.length && n < i.layers.length && i.layers[n] === want[n]) n++;
    best = Math.max(best, n);
  }
  return best;
}
