/**
 * What the agent's operations share (agent-up.ts, agent-down.ts, agent-services.ts, …): the
 * options, the loop, the journals, each project's queue, and the few helpers every one calls.
 */
import type { DoneEvent } from '../api/protocol.js';
import type { Emit } from '../api/server.js';
import type { ProjectSpec } from '../compose/types.js';
import { toDesiredSlots, waves } from '../reconcile/index.js';
import type { ContainerInfo } from '../runtime/types.js';
import type { AgentOptions } from './agent-options.js';
import type { DownJournal } from './down-journal.js';
import { ownContainers } from './engine-ops.js';
import type { ProjectFiles } from './project-files.js';
import { engineHelp, type PassRequest, type PassResult, type Reconciler } from './reconciler.js';
import type { RecreateJournal } from './recreate-journal.js';
import type { RestartCounts } from './restart-counts.js';
import type { Rollouts } from './rollouts.js';
import type { StateTrust } from './trust.js';

export interface AgentCore {
  readonly o: AgentOptions;
  readonly reconciler: Reconciler;
  readonly rollouts: Rollouts;
  readonly trust: StateTrust;
  readonly downs: DownJournal;
  readonly recreates: RecreateJournal;
  readonly projectFiles: ProjectFiles;
  readonly waitTimeoutMs: number;
  /** The engine's restart counts `ps` shows, kept between calls (restart-counts.ts). */
  readonly engineRestarts: RestartCounts;
  /**
   * Runs `fn` after every earlier `up`, `down` or resumed down of `project` has ended, so
   * none of them removes what another has just made.
   */
  serial<T>(project: string, fn: () => Promise<T>): Promise<T>;
}

/** A failing operation's `done` line. */
export function done(errors: string[]): DoneEvent {
  return { type: 'done', ok: errors.length === 0, errors };
}

/** Why the reconciler could not plan `spec` (a dependency cycle, a malformed field), if it cannot. */
export function planError(spec: ProjectSpec): string | undefined {
  try {
    waves(spec);
    toDesiredSlots(spec, {}, new Set());
    return undefined;
  } catch (err) {
    return engineHelp(err);
  }
}

/** A pass for an operation, which receives the progress of `projects`; an engine failure as its line. */
export async function runPass(
  core: AgentCore,
  projects: string[],
  emit: Emit,
  extra: Omit<PassRequest, 'watch'> = {},
): Promise<PassResult | string[]> {
  try {
    return await core.reconciler.request({ watch: { projects, emit }, ...extra });
  } catch (err) {
    return [engineHelp(err)];
  }
}

/** This agent's containers of `project` (of every project when undefined): see ownContainers. */
export function mine(core: AgentCore, project?: string): Promise<ContainerInfo[]> {
  return ownContainers(core.o.runtime, core.o.nodeId, project);
}

/** Who writes a revision: this node, now, and the command. */
export function writeMeta(
  core: AgentCore,
  command: string,
): { at: number; node: string; nodeName?: string; command: string } {
  const name = core.o.nodeName?.();
  return { at: core.o.clock.now(), node: core.o.nodeId, ...(name ? { nodeName: name } : {}), command };
}

/** The tail of each project's queue of `up`s and `down`s (AgentCore.serial). */
export class ProjectQueues {
  private readonly tails = new Map<string, Promise<void>>();

  serial<T>(project: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(project) ?? Promise.resolve();
    const next = previous.then(fn);
    const tail = next.then(
      () => {},
      () => {},
    );
    this.tails.set(project, tail);
    void tail.then(() => {
      if (this.tails.get(project) === tail) this.tails.delete(project);
    });
    return next;
  }
}
