import { MetadataError } from './errors.js';

/**
 * What a member says about itself, gossiped with its alive messages. Carried on the wire
 * as size-limited JSON bytes; versioned by the member's incarnation (a change is an
 * alive message with a higher incarnation).
 */
export interface NodeMeta {
  /** Addresses other services of the node listen on (e.g. `{ p2p: '10.0.0.2:7946' }`). */
  addresses?: Record<string, string>;
  labels?: Record<string, string>;
  /** e.g. `{ cpus: 4, memoryMb: 8192 }` */
  capacity?: Record<string, number>;
  /** Software version of the node. */
  version?: string;
  /** The node's human name (its member name may be a stable id). */
  name?: string;
}

const EMPTY = new Uint8Array(0);

export function encodeMeta(meta: NodeMeta | undefined, maxBytes: number): Uint8Array {
  if (meta === undefined || Object.keys(meta).length === 0) return EMPTY;
  checkShape(meta);
  const bytes = new TextEncoder().encode(JSON.stringify(meta));
  if (bytes.length > maxBytes)
    throw new MetadataError(`metadata is ${bytes.length} bytes, over the limit of ${maxBytes}`);
  return bytes;
}

/** Decodes metadata from a peer; anything malformed throws MetadataError. */
export function decodeMeta(bytes: Uint8Array): NodeMeta {
  if (bytes.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new MetadataError('metadata is not valid JSON', { cause });
  }
  checkShape(value);
  return value as NodeMeta;
}

function isRecordOf(v: unknown, kind: 'string' | 'number'): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  return Object.values(v).every((x) => typeof x === kind && (kind === 'string' || Number.isFinite(x)));
}

function checkShape(v: unknown): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new MetadataError('metadata must be an object');
  const m = v as Record<string, unknown>;
  for (const key of Object.keys(m)) {
    if (!['addresses', 'labels', 'capacity', 'version', 'name'].includes(key))
      throw new MetadataError(`unknown metadata field '${key}'`);
  }
  if (m.addresses !== undefined && !isRecordOf(m.addresses, 'string'))
    throw new MetadataError('metadata.addresses must map names to strings');
  if (m.labels !== undefined && !isRecordOf(m.labels, 'string'))
    throw new MetadataError('metadata.labels must map names to strings');
  if (m.capacity !== undefined && !isRecordOf(m.capacity, 'number'))
    throw new MetadataError('metadata.capacity must map names to numbers');
  if (m.version !== undefined && typeof m.version !== 'string')
    throw new MetadataError('metadata.version must be a string');
  if (m.name !== undefined && typeof m.name !== 'string')
    throw new MetadataError('metadata.name must be a string');
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
