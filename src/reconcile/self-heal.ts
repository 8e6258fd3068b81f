/**
 * What Fizz does on its own for a service, beyond docker compose: restart a container whose
 * healthcheck fails, and make again a container removed by hand (as Swarm does). Both are on
 * unless the service's `x-fizz` turns them off (`restart_unhealthy: false`,
 * `recreate_removed: false`; the loader checks the keys, compose/x-fizz.ts).
 */
import type { JsonValue, ServiceSpec } from '../compose/types.js';

export interface SelfHealing {
  restartUnhealthy: boolean;
  recreateRemoved: boolean;
}

export function selfHealing(spec: ServiceSpec): SelfHealing {
  const x = spec['x-fizz'] as JsonValue | undefined;
  const o = x !== null && typeof x === 'object' && !Array.isArray(x) ? x : {};
  return { restartUnhealthy: o.restart_unhealthy !== false, recreateRemoved: o.recreate_removed !== false };
}
