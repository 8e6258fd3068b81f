/**
 * The local Docker Engine for the commands that talk to it themselves (run, rm, up's forced
 * stop, cp, stats, …). Loaded on first use: dockerode is heavy, and every other command
 * must start without it (the bundled CLI keeps it outside, scripts/bundle-cli.mjs).
 */
import type { DirectEngine } from '../runtime/direct.js';
import { RemoteHostError } from './ssh-host.js';

/**
 * Under `--host` this machine's engine is the wrong one, and the node's is not reachable
 * through the agent's API: such a command says so instead of touching local containers.
 */
export function refuseRemote(env: NodeJS.ProcessEnv): void {
  if (env.FIZZ_HOST)
    throw new RemoteHostError(
      `this command talks to the Docker Engine of the machine it runs on, so it does not work with --host ${env.FIZZ_HOST}; run it on the node (ssh NODE fizz …)`,
    );
}

export async function directEngine(env: NodeJS.ProcessEnv = process.env): Promise<DirectEngine> {
  refuseRemote(env);
  const { DirectEngine: Engine } = await import('../runtime/direct.js');
  return new Engine();
}
