/**
 * The image a service's containers run, as docker compose names it: `image:` when set, else
 * `<project>-<service>` (the name `build:` tags its result with). The one rule shared by
 * container create (translate.ts), pull and build, so they always agree.
 */
import type { ServiceSpec } from '../compose/types.js';

export function serviceImage(project: string, service: string, spec: Pick<ServiceSpec, 'image'>): string {
  return spec.image || `${project}-${service}`;
}
