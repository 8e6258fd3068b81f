/** The spec hash: which changes to a service mean its container must be recreated. */
import { createHash } from 'node:crypto';
import type { JsonValue, ServiceSpec } from '../compose/types.js';

/**
 * JSON with object keys sorted at every depth and `undefined` members left out, so equal
 * values give equal text whatever order their keys were written in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return 'null';
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    if (typeof value === 'bigint') return JSON.stringify(value.toString());
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * The parts of a service that do not shape its container: how many replicas run
 * (`scale`, `deploy.replicas`), where they run (`deploy.placement`), how the image is made
 * (`build`, `pull_policy`), start order (`depends_on`), `profiles`, and how replicas are
 * replaced (`deploy.update_config`, `deploy.rollback_config`). Changing one of
 * them must not recreate running containers.
 */
export function containerShape(service: ServiceSpec): Record<string, unknown> {
  const {
    scale: _scale,
    build: _build,
    pull_policy: _pull,
    depends_on: _deps,
    profiles: _profiles,
    deploy,
    ...rest
  } = service;
  const shape: Record<string, unknown> = { ...rest };
  if (deploy) {
    const {
      replicas: _replicas,
      placement: _placement,
      update_config: _update,
      rollback_config: _rollback,
      ...deployRest
    } = deploy;
    if (Object.keys(deployRest).length > 0) shape.deploy = deployRest;
  }
  return shape;
}

/** Length of the hex digest kept: 64 bits, plenty to tell versions of one service apart. */
export const SPEC_HASH_LENGTH = 16;

/**
 * A stable hash of everything that shapes a service's container, plus `extra` (for
 * example the engine names of the networks and volumes it uses): sha256 of the canonical
 * JSON, first 16 hex digits.
 */
export function specHash(service: ServiceSpec, extra?: JsonValue | Record<string, unknown>): string {
  const text = canonicalJson(
    extra === undefined ? { service: containerShape(service) } : { service: containerShape(service), extra },
  );
  return createHash('sha256').update(text).digest('hex').slice(0, SPEC_HASH_LENGTH);
}
