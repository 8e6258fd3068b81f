/** Shape checks for values read back from the document: remote bytes are never trusted. */
import { type Entry, later, MAX_AT } from './lww.js';
import type { NodeStatus, Stamp } from './types.js';

export function isStamp(v: unknown): v is Stamp {
  if (v === null || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  return typeof s.at === 'number' && Math.abs(s.at) <= MAX_AT && typeof s.node === 'string';
}

export function isNodeStatus(v: unknown): v is NodeStatus {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const s = v as Record<string, unknown>;
  if (typeof s.updatedAt !== 'number' || !Array.isArray(s.images) || !Array.isArray(s.containers))
    return false;
  if (!s.images.every((i) => typeof i === 'string')) return false;
  return s.containers.every((c) => {
    if (c === null || typeof c !== 'object') return false;
    const o = c as Record<string, unknown>;
    return (
      typeof o.id === 'string' &&
      typeof o.project === 'string' &&
      typeof o.service === 'string' &&
      typeof o.replica === 'number' &&
      typeof o.state === 'string'
    );
  });
}

/** The largest scale override accepted: a bigger one (a typo or a hostile replica) would
 * have every node plan that many containers. */
export const MAX_SCALE = 10_000;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** A project entry: a removal, or a spec object named like its key; a floor never after the entry. */
export function isProjectEntry(e: Entry, parts: readonly string[]): boolean {
  if (e.floor !== undefined) {
    if (!isStamp(e.floor)) return false;
    if (later(e.floor, e)) return false;
  }
  if (e.removed === true) return true;
  return isPlainObject(e.spec) && e.spec.name === parts[0];
}

export function isScaleEntry(e: Entry): boolean {
  return Number.isInteger(e.n) && (e.n as number) >= 0 && (e.n as number) <= MAX_SCALE;
}

export function isStoppedEntry(e: Entry): boolean {
  return typeof e.stopped === 'boolean';
}

export function isSecretEntry(e: Entry): boolean {
  return e.removed === true || e.ct instanceof Uint8Array;
}

/** A status entry counts only when its writer is the node it describes; a removal of it
 * (`removeNodeStatus`) may come from any node. */
export function isNodeStatusEntry(e: Entry, parts: readonly string[]): boolean {
  if (e.removed === true) return e.status === undefined;
  return e.node === parts[0] && isNodeStatus(e.status);
}
