/** Helpers for the reconcile tests: services, slots, containers, and a fake that applies a plan. */
import type { ProjectSpec, ServiceSpec } from '../../src/compose/types.js';
import { keyOf, LABEL } from '../../src/reconcile/labels.js';
import type { Action, DesiredSlot } from '../../src/reconcile/types.js';
import type { ContainerInfo, ContainerState, HealthState } from '../../src/runtime/types.js';

export function service(over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    image: 'fizz/busybox:latest',
    environment: {},
    labels: {},
    ports: [],
    volumes: [],
    networks: { default: null },
    depends_on: {},
    ...over,
  };
}

export function project(name: string, services: Record<string, ServiceSpec>): ProjectSpec {
  return {
    name,
    services,
    networks: { default: { name: `${name}_default` } },
    volumes: {},
    secrets: {},
    configs: {},
  };
}

export function desired(
  projectName: string,
  svc: string,
  replica: number,
  hash = 'h1',
  running = true,
  spec: ServiceSpec = service(),
): DesiredSlot {
  return {
    slot: { project: projectName, service: svc, replica },
    spec,
    specHash: hash,
    name: `${projectName}-${svc}-${replica + 1}`,
    running,
  };
}

export interface ContainerOver {
  state?: ContainerState;
  health?: HealthState;
  createdAt?: number;
  exitCode?: number;
  labels?: Record<string, string>;
}

export function container(
  id: string,
  projectName: string,
  svc: string,
  replica: number,
  hash = 'h1',
  over: ContainerOver = {},
): ContainerInfo {
  return {
    id,
    name: `${projectName}-${svc}-${replica + 1}`,
    image: 'fizz/busybox:latest',
    labels: over.labels ?? {
      [LABEL.project]: projectName,
      [LABEL.service]: svc,
      [LABEL.slot]: String(replica),
      [LABEL.specHash]: hash,
    },
    state: over.state ?? 'running',
    health: over.health ?? 'none',
    createdAt: over.createdAt ?? 1000,
    ports: [],
    ...(over.exitCode === undefined ? {} : { exitCode: over.exitCode }),
  };
}

/**
 * Applies actions to a copy of `actual` the way a runtime would, minting ids from
 * `nextId` and creation times from `now`. Throws when an action refers to a container
 * that is not there (a plan must never do that).
 */
export function apply(actual: ContainerInfo[], actions: Action[], now = 10_000): ContainerInfo[] {
  const state = new Map(actual.map((c) => [c.id, { ...c, labels: { ...c.labels } }]));
  let seq = 0;
  const make = (d: DesiredSlot, start: boolean): ContainerInfo => {
    const id = `new-${keyOf(d.slot)}-${seq++}`;
    return {
      id,
      name: d.name,
      image: d.spec.image ?? '',
      labels: {
        [LABEL.project]: d.slot.project,
        [LABEL.service]: d.slot.service,
        [LABEL.slot]: String(d.slot.replica),
        [LABEL.specHash]: d.specHash,
      },
      state: start ? 'running' : 'created',
      health: 'none',
      createdAt: now + seq,
      ports: [],
    };
  };
  const must = (id: string) => {
    const c = state.get(id);
    if (!c) throw new Error(`action on missing container ${id}`);
    return c;
  };
  for (const a of actions) {
    switch (a.kind) {
      case 'create': {
        const c = make(a.slot, a.start);
        state.set(c.id, c);
        break;
      }
      case 'start':
        // A (re)started container's health check starts over.
        must(a.container.id).state = 'running';
        must(a.container.id).health = 'starting';
        break;
      case 'stop':
        must(a.container.id).state = 'exited';
        must(a.container.id).exitCode = 0;
        break;
      case 'restart':
        must(a.container.id).state = 'running';
        must(a.container.id).health = 'starting';
        break;
      case 'remove':
        must(a.container.id);
        state.delete(a.container.id);
        break;
      case 'recreate': {
        must(a.container.id);
        state.delete(a.container.id);
        const c = make(a.slot, a.slot.running);
        state.set(c.id, c);
        break;
      }
    }
  }
  return [...state.values()];
}
