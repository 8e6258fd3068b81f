/**
 * What the commands that talk to this machine's engine themselves (`run`, `cp`, `wait`,
 * `attach`, `stats`, `events`), as the docker CLI does, share: the engine, this agent's node
 * id (they touch only containers this agent made: `fizz.node`), the service containers of a
 * project, and a plain `error:` line for the engine's and the target's failures.
 */
import { UsageError } from 'clipanion';
import type { DirectEngine } from '../runtime/direct.js';
import { type ContainerInfo, LABELS } from '../runtime/types.js';
import { directEngine } from './engine.js';
import { ProjectCommand } from './project-command.js';

/** The container asked for is not there: unknown service, no such replica, none of this agent's. */
export class ContainerTargetError extends Error {
  override readonly name = 'ContainerTargetError';
}

/** Failures whose message is the whole story. */
const PLAIN = new Set([
  'ContainerTargetError',
  'ContainerNotFoundError',
  'ContainerPathError',
  'EngineError',
  'EngineUnreachableError',
  'TarReadError',
]);

/** This agent's containers of `project`'s services (one-offs apart), by service then replica. */
export function serviceContainers(
  all: ContainerInfo[],
  nodeId: string,
  services: string[] = [],
): ContainerInfo[] {
  const replica = (c: ContainerInfo) => Number(c.labels[LABELS.slot]);
  return all
    .filter(
      (c) =>
        c.labels[LABELS.node] === nodeId &&
        c.labels[LABELS.oneoff] === undefined &&
        Number.isInteger(replica(c)) &&
        (services.length === 0 || services.includes(c.labels[LABELS.service] ?? '')),
    )
    .sort(
      (a, b) =>
        (a.labels[LABELS.service] ?? '').localeCompare(b.labels[LABELS.service] ?? '') ||
        replica(a) - replica(b),
    );
}

/** Replica `index` (1-based) of `service`; ContainerTargetError saying why there is none. */
export function pickReplica(containers: ContainerInfo[], service: string, index: number): ContainerInfo {
  const of = containers.filter((c) => c.labels[LABELS.service] === service);
  const found = of.find((c) => Number(c.labels[LABELS.slot]) === index - 1);
  if (found) return found;
  throw new ContainerTargetError(
    of.length === 0
      ? `service "${service}" has no container (is the project up?)`
      : `service "${service}" has no container with index ${index} (it has ${of.length})`,
  );
}

export abstract class EngineCommand extends ProjectCommand {
  override async validateAndExecute(): Promise<number> {
    try {
      return await super.validateAndExecute();
    } catch (err) {
      if (!(err instanceof Error) || !PLAIN.has(err.name)) throw err;
      this.context.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
  }

  /** The engine and this agent's node id (the agent is started when none runs). */
  async local(): Promise<{ engine: DirectEngine; nodeId: string }> {
    const client = await this.agent();
    const nodeId = (client.lastInfo ?? (await client.info())).nodeId;
    return { engine: await directEngine(this.context.env), nodeId };
  }

  /** This agent's containers of the project's services (all when none are named). */
  async containers(
    project: string,
    services: string[] = [],
  ): Promise<{ engine: DirectEngine; list: ContainerInfo[] }> {
    const { engine, nodeId } = await this.local();
    return { engine, list: serviceContainers(await engine.list(project), nodeId, services) };
  }
}

/** `--index N`: a replica number; a usage error otherwise. */
export function parseIndex(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--index wants a replica number (1, 2, …), not "${text}"`);
  return n;
}
