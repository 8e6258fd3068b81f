/**
 * Carries out a reconcile plan against the runtime. Containers that go away are stopped and
 * removed first, all at once. Then every service with work runs as soon as its own
 * `depends_on` conditions hold (service_started, service_healthy,
 * service_completed_successfully) — a dependency graph rather than strict waves, so a slow
 * branch never holds back an independent one — and a service's replicas run in parallel.
 * A failure is reported naming the service (and image or port); services that do not depend
 * on the failed one still come up.
 */

import type { ProgressEvent } from '../api/protocol.js';
import type { ProjectSpec } from '../compose/types.js';
import type { Action } from '../reconcile/types.js';
import { type ContainerInfo, LABELS, type Runtime, slotKey } from '../runtime/types.js';
import { ActionRunner, describeFailure } from './action-runner.js';
import { removeInReverseOrder } from './removals.js';
import { type ContainerWaiter, isCompleted, isHealthy, isRunning } from './waiter.js';

export interface ExecuteInput {
  actions: Action[];
  /** Specs of the projects the actions touch, by name. */
  projects: Map<string, ProjectSpec>;
  /** Specs of projects being taken down (no longer in the state): their removal order. */
  removedProjects?: Map<string, ProjectSpec>;
  /** What the runtime reported before planning (for dependencies with no work). */
  actual: ContainerInfo[];
  emit: (project: string, event: ProgressEvent) => void;
  signal: AbortSignal;
  /**
   * Grace periods by project, ms, overriding each service's stop_grace_period for the
   * containers this execution stops, removes or recreates (`-t` of up, down and stop).
   */
  graceMs?: Map<string, number>;
  /**
   * `fizz up --no-deps web api`: these `project/service`s start without waiting for the
   * dependencies that are not in the set themselves (web still waits for api).
   */
  ignoreDependencies?: Set<string>;
  /**
   * A dependency with no container on this node runs on another (in a cluster): resolves
   * once another node reports its condition holds, rejects when it does not in time.
   */
  remoteDependency?: (
    project: string,
    service: string,
    condition: string,
    signal: AbortSignal,
  ) => Promise<void>;
}

export interface ExecuteResult {
  /** Failure lines per project. */
  errors: Map<string, string[]>;
  /** Slots (slotKey) whose action failed, and slots whose action succeeded. */
  failedSlots: Set<string>;
  doneSlots: Set<string>;
  /** Containers created or started, by project and service. */
  touched: Map<string, Set<string>>;
}

export interface ExecutorOptions {
  nodeId: string;
  /** How long a dependent waits for a dependency's condition. */
  dependencyTimeoutMs: number;
}

export class Executor {
  private readonly actions: ActionRunner;

  constructor(
    private readonly runtime: Runtime,
    private readonly waiter: ContainerWaiter,
    private readonly options: ExecutorOptions,
  ) {
    this.actions = new ActionRunner(runtime, options.nodeId);
  }

  async execute(input: ExecuteInput): Promise<ExecuteResult> {
    const result: ExecuteResult = {
      errors: new Map(),
      failedSlots: new Set(),
      doneSlots: new Set(),
      touched: new Map(),
    };
    const fail = (project: string, line: string) => {
      const list = result.errors.get(project) ?? [];
      list.push(line);
      result.errors.set(project, list);
    };

    // 1. Containers no slot wants go first, dependents before their dependencies (removals.ts).
    const removals = input.actions.filter((a) => a.kind === 'remove');
    await removeInReverseOrder(this.runtime, input, removals, fail);

    // 2. New containers are created at once, all in parallel: creating needs no dependency,
    //    only starting does, so creation leaves the critical path of the start order.
    const precreated = new Map<string, Promise<string>>();
    for (const a of input.actions) {
      if (a.kind !== 'create') continue;
      const project = input.projects.get(a.slot.slot.project);
      if (!project) continue;
      const emit = (e: ProgressEvent) => input.emit(a.slot.slot.project, e);
      const svc = a.slot.slot.service;
      const p = (async () => {
        emit({
          type: 'progress',
          resource: 'container',
          name: a.slot.name,
          service: svc,
          status: 'creating',
        });
        const id = await this.runtime.create(this.actions.createRequest(project, a.slot));
        emit({ type: 'progress', resource: 'container', name: a.slot.name, service: svc, status: 'created' });
        return id;
      })();
      p.catch(() => {}); // awaited (and reported) by the service's task
      precreated.set(slotKey(a.slot.slot), p);
    }

    // 3. Per project, a task per service with work, started once its dependencies hold.
    const byService = new Map<string, Action[]>();
    for (const a of input.actions) {
      if (a.kind === 'remove') continue;
      const key = `${a.slot.slot.project}/${a.slot.slot.service}`;
      const list = byService.get(key) ?? [];
      list.push(a);
      byService.set(key, list);
    }
    const running = new Map<string, string[]>();
    const removed = new Set(removals.map((a) => a.container.id));
    for (const c of input.actual) {
      if (removed.has(c.id)) continue;
      const key = `${c.labels[LABELS.project]}/${c.labels[LABELS.service]}`;
      running.set(key, [...(running.get(key) ?? []), c.id]);
    }
    const tasks = new Map<string, Promise<boolean>>();
    const taskOf = (key: string): Promise<boolean> => {
      let t = tasks.get(key);
      if (!t) {
        t = this.serviceTask(key, byService.get(key) ?? [], input, running, taskOf, fail, result, precreated);
        tasks.set(key, t);
      }
      return t;
    };
    await Promise.all([...byService.keys()].map(taskOf));
    return result;
  }

  /** Runs a service's actions after its dependencies; resolves whether it succeeded. */
  private async serviceTask(
    key: string,
    actions: Action[],
    input: ExecuteInput,
    containers: Map<string, string[]>,
    taskOf: (key: string) => Promise<boolean>,
    fail: (project: string, line: string) => void,
    result: ExecuteResult,
    precreated: Map<string, Promise<string>>,
  ): Promise<boolean> {
    if (actions.length === 0) return true;
    const [projectName, service] = key.split('/') as [string, string];
    const project = input.projects.get(projectName);
    const spec = project?.services[service];
    const emit = (e: ProgressEvent) => input.emit(projectName, e);
    const starts = actions.some(
      (a) => a.kind === 'create' || a.kind === 'recreate' || a.kind === 'start' || a.kind === 'restart',
    );
    if (starts && project && spec) {
      for (const [dep, cond] of Object.entries(spec.depends_on ?? {})) {
        const depKey = `${projectName}/${dep}`;
        if (!project.services[dep]) continue;
        if (input.ignoreDependencies?.has(key) && !input.ignoreDependencies.has(depKey)) continue;
        const ok = await taskOf(depKey);
        try {
          if (!ok) throw new Error('it failed to start');
          const ids = containers.get(depKey) ?? [];
          if (ids.length === 0 && input.remoteDependency) {
            await input.remoteDependency(projectName, dep, cond.condition, input.signal);
            continue;
          }
          if (ids.length === 0) throw new Error('it has no container');
          const check =
            cond.condition === 'service_healthy'
              ? isHealthy
              : cond.condition === 'service_completed_successfully'
                ? isCompleted
                : isRunning;
          if (cond.condition !== 'service_started')
            for (const a of actions)
              emit({
                type: 'progress',
                resource: 'container',
                name: a.kind === 'remove' ? a.container.name : a.slot.name,
                service,
                status: 'waiting',
                detail: `${dep} ${cond.condition === 'service_healthy' ? 'healthy' : 'completed'}`,
              });
          await Promise.all(
            ids.map((id) =>
              this.waiter.until(
                id,
                cond.condition === 'service_started'
                  ? (c) => (c && (c.state === 'running' || c.state === 'exited') ? 'ok' : check(c))
                  : check,
                this.options.dependencyTimeoutMs,
                input.signal,
              ),
            ),
          );
        } catch (err) {
          if (cond.required === false) continue;
          const msg = `service "${service}": dependency "${dep}" did not become ${cond.condition.replace('service_', '').replaceAll('_', ' ')}: ${(err as Error).message}`;
          fail(projectName, msg);
          for (const a of actions) if (a.kind !== 'remove') result.failedSlots.add(slotKey(a.slot.slot));
          for (const a of actions)
            emit({
              type: 'progress',
              resource: 'container',
              name: a.kind === 'remove' ? a.container.name : a.slot.name,
              service,
              status: 'error',
              detail: `dependency ${dep} failed`,
            });
          return false;
        }
      }
    }
    const ids: string[] = [];
    const outcomes = await Promise.all(
      actions.map(async (a) => {
        if (a.kind === 'remove') return true;
        try {
          const id = await this.actions.run(a, project, emit, precreated, input.graceMs?.get(projectName));
          if (id) ids.push(id);
          result.doneSlots.add(slotKey(a.slot.slot));
          return true;
        } catch (err) {
          result.failedSlots.add(slotKey(a.slot.slot));
          const line = describeFailure(service, spec, err);
          emit({
            type: 'progress',
            resource: 'container',
            name: a.slot.name,
            service,
            status: 'error',
            detail: line,
          });
          fail(projectName, line);
          return false;
        }
      }),
    );
    // Dependents check the containers that serve the service now.
    const replaced = new Set(
      actions.flatMap((a) => (a.kind === 'recreate' || a.kind === 'stop' ? [a.container.id] : [])),
    );
    const untouched = (containers.get(key) ?? []).filter((id) => !replaced.has(id));
    containers.set(key, [...new Set([...untouched, ...ids])]);
    if (ids.length) {
      const set = result.touched.get(projectName) ?? new Set<string>();
      for (const id of ids) set.add(id);
      result.touched.set(projectName, set);
    }
    return outcomes.every(Boolean);
  }
}
