/**
 * Whether the agent may act on its desired state. A state it cannot trust — the store found
 * damage on open (a lost record, a bad snapshot, an emptied log), the node id had to be
 * recovered — may lack what was once acknowledged, so it must never be the reason to remove,
 * recreate or stop a container: the loop runs keep-only for every project until an `up` or
 * a `down` of it says again what the user wants. A project the state has no record of at
 * all (neither defined nor removed) is kept the same way, whatever the trust: its record is
 * what was lost. An explicit `fizz down` of a project is always carried out.
 *
 * What is kept, and why, is told to the user on every command (`warnings`, shown by the CLI),
 * not only in agent.log.
 */
import type { Action } from '../reconcile/types.js';
import { LABELS } from '../runtime/types.js';

export function actionProject(a: Action): string {
  return a.kind === 'remove' ? (a.container.labels[LABELS.project] ?? '') : a.slot.slot.project;
}

/** The container (or, for a create, the slot's container name) an action is about. */
export function actionTarget(a: Action): string {
  return a.kind === 'create' ? a.slot.name : a.container.name;
}

/**
 * The actions a keep-only pass may carry out (pure): those of unguarded projects; the
 * actions of guarded ones are returned as `kept`, not carried out.
 */
export function keepOnly(
  actions: Action[],
  guarded: (project: string) => boolean,
): { allowed: Action[]; kept: Action[] } {
  const allowed: Action[] = [];
  const kept: Action[] = [];
  for (const a of actions) {
    if (guarded(actionProject(a))) kept.push(a);
    else allowed.push(a);
  }
  return { allowed, kept };
}

export interface GuardContext {
  /** Whether the state has any record of the project (see ClusterState.knowsProject). */
  known: (project: string) => boolean;
  /** Projects an explicit `fizz down` (or a resumed one) removes this pass. */
  manage: ReadonlySet<string>;
}

export class StateTrust {
  private readonly restored = new Set<string>();
  /** What the last pass kept, by project: container names. */
  private kept = new Map<string, string[]>();

  /**
   * `reasons`: why the state is not trusted (none: trusted). `notes`: other damage found at
   * start that does not touch the desired state (a journal kept aside). Both are told on
   * every command until the first `up` or `down`.
   */
  constructor(
    private readonly reasons: readonly string[] = [],
    private readonly notes: readonly string[] = [],
  ) {}

  get trusted(): boolean {
    return this.reasons.length === 0;
  }

  /** An `up` or `down` of the project: its desired state is the user's word again. */
  restore(project: string): void {
    this.restored.add(project);
    this.kept.delete(project);
  }

  private guarded(project: string, ctx: GuardContext): boolean {
    if (ctx.manage.has(project)) return false;
    if (!ctx.known(project)) return true;
    return !this.trusted && !this.restored.has(project);
  }

  /** Filters a pass's actions (see keepOnly) and remembers what was kept, for `warnings`. */
  guard(actions: Action[], ctx: GuardContext): Action[] {
    const { allowed, kept } = keepOnly(actions, (p) => this.guarded(p, ctx));
    const byProject = new Map<string, string[]>();
    for (const a of kept) {
      const p = actionProject(a);
      byProject.set(p, [...(byProject.get(p) ?? []), `${actionTarget(a)} (${a.kind}: ${a.reason})`]);
    }
    this.kept = byProject;
    return allowed;
  }

  /** What the user must hear: why the state is not trusted, and what is kept because of it. */
  warnings(known: (project: string) => boolean): string[] {
    const fresh = this.restored.size === 0;
    const out = fresh
      ? [...this.reasons.map((r) => `the agent's state is damaged: ${r}`), ...this.notes]
      : [];
    if (!this.trusted && fresh)
      out.push(
        'until `fizz up` (or `fizz down`) of a project, the agent keeps its containers as they are: it removes, recreates, stops and starts none of them',
      );
    for (const [project, names] of [...this.kept].sort(([a], [b]) => a.localeCompare(b))) {
      const what = names.join(', ');
      out.push(
        known(project)
          ? `project "${project}": left as it is, not done: ${what}; run \`fizz up\` with its file to make it the desired state again`
          : `project "${project}": the state has no record of it, so its containers are kept as they run (not done: ${what}); run \`fizz up\` with its file to manage it again, or \`fizz down -p ${project}\` to remove it`,
      );
    }
    return out;
  }
}
