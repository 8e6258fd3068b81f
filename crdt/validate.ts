/** Shape checks for values read back from the document: remote bytes are never trusted. */
import type { NodeStatus, Stamp } from './types.js';

export function isStamp(v: unknown): v is Stamp {
  if (v === null || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  return typeof s.at === 'number' && Number.isFinite(s.at) && typeof s.node === 'string';
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
