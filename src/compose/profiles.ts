/**
 * Profiles: a service with `profiles` runs only when one of them is enabled, by `--profile`
 * or `COMPOSE_PROFILES` (comma-separated); `*` enables every profile.
 */
import { isDict } from './canonical.js';

export function enabledProfiles(explicit: string[], env: Record<string, string>): Set<string> {
  const fromEnv = (env.COMPOSE_PROFILES ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  return new Set([...explicit, ...fromEnv]);
}

export function activeServices(
  services: Record<string, unknown>,
  explicit: string[],
  env: Record<string, string>,
): Set<string> {
  const enabled = enabledProfiles(explicit, env);
  const out = new Set<string>();
  for (const [name, svc] of Object.entries(services)) {
    const profiles =
      isDict(svc) && Array.isArray(svc.profiles) ? (svc.profiles as unknown[]).map(String) : [];
    if (profiles.length === 0 || enabled.has('*') || profiles.some((p) => enabled.has(p))) out.add(name);
  }
  return out;
}

/** The services left out by the active profiles, each with its profiles. */
export function disabledServices(
  services: Record<string, unknown>,
  explicit: string[],
  env: Record<string, string>,
): Map<string, string[]> {
  const active = activeServices(services, explicit, env);
  const out = new Map<string, string[]>();
  for (const [name, svc] of Object.entries(services))
    if (!active.has(name))
      out.set(
        name,
        isDict(svc) && Array.isArray(svc.profiles) ? (svc.profiles as unknown[]).map(String) : [],
      );
  return out;
}
