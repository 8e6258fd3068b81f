/**
 * The local Docker Engine for the commands that talk to it themselves (run, rm, up's forced
 * stop, cp, stats, …). Loaded on first use: dockerode is heavy, and every other command
 * must start without it (the bundled CLI keeps it outside, scripts/bundle-cli.mjs).
 */
import type { DirectEngine } from '../runtime/direct.js';

export async function directEngine(): Promise<DirectEngine> {
  const { DirectEngine: Engine } = await import('../runtime/direct.js');
  return new Engine();
}
