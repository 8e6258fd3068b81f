/**
 * What one planned action does on the engine: create (with the container's labels and
 * networks), recreate, start, stop, restart or remove; with its progress lines.
 */
import type { ProgressEvent } from '../api/protocol.js';
import type { ProjectSpec, ServiceSpec } from '../compose/types.js';
import { containerName } from '../reconcile/index.js';
import type { Action, DesiredSlot } from '../reconcile/types.js';
import { serviceNetworks, serviceVolumeNames } from '../runtime/resources.js';
import { type ContainerInfo, type CreateRequest, LABELS, type Runtime, slotKey } from '../runtime/types.js';

const NS_PER_MS = 1_000_000;

/** The service's stop_grace_period, ms. */
export function serviceGraceMs(spec: ServiceSpec | undefined): number | undefined {
  return spec?.stop_grace_period === undefined ? undefined : Math.round(spec.stop_grace_period / NS_PER_MS);
}

/** The user-facing text of a failure, naming the service and what it needs. */
export function describeFailure(service: string, spec: ServiceSpec | undefined, err: unknown): string {
  const e = err as Error & { port?: number; image?: string };
  if (e?.name === 'ImageNotFoundError')
    return `service "${service}": image "${e.image ?? spec?.image ?? '?'}" is not present on this machine; pull or build it first (fizz pull, fizz build)`;
  if (e?.name === 'PortInUseError') {
    const published = (spec?.ports ?? []).map((p) => p.published).filter(Boolean);
    const port = e.port !== undefined ? String(e.port) : published.join(', ') || '?';
    return `service "${service}": port ${port} is already in use on this machine`;
  }
  return `service "${service}": ${e?.message ?? String(err)}`;
}

export class ActionRunner {
  constructor(
    private readonly runtime: Runtime,
    private readonly nodeId: string,
  ) {}

  createRequest(project: ProjectSpec, slot: DesiredSlot): CreateRequest {
    const shared = slot.spec.network_mode?.startsWith('service:')
      ? slot.spec.network_mode.slice(8)
      : undefined;
    return {
      ...(shared !== undefined
        ? { networkContainer: containerName(project.name, shared, 0, project.services[shared]) }
        : {}),
      slot: slot.slot,
      name: slot.name,
      spec: slot.spec,
      specHash: slot.specHash,
      networks: serviceNetworks(project, slot.slot.service),
      volumeNames: serviceVolumeNames(project, slot.spec),
      labels: {
        [LABELS.project]: slot.slot.project,
        [LABELS.service]: slot.slot.service,
        [LABELS.slot]: String(slot.slot.replica),
        [LABELS.specHash]: slot.specHash,
        [LABELS.node]: this.nodeId,
        [LABELS.composeProject]: slot.slot.project,
        [LABELS.composeService]: slot.slot.service,
        [LABELS.composeNumber]: String(slot.slot.replica + 1),
      },
    };
  }

  private async removeContainer(c: ContainerInfo, grace: number | undefined): Promise<void> {
    if (c.state === 'running' || c.state === 'restarting' || c.state === 'paused')
      await this.runtime.stop(c.id, grace);
    await this.runtime.remove(c.id, { force: true });
  }

  /** Runs one action; returns the container id that now serves the slot, if any. */
  async run(
    action: Action,
    project: ProjectSpec | undefined,
    emit: (event: ProgressEvent) => void,
    precreated?: Map<string, Promise<string>>,
    override?: number,
  ): Promise<string | undefined> {
    const graceMs = (spec: ServiceSpec | undefined) => override ?? serviceGraceMs(spec);
    const ev = (name: string, service: string, status: ProgressEvent['status']) =>
      emit({ type: 'progress', resource: 'container', name, service, status });
    switch (action.kind) {
      case 'remove': {
        const c = action.container;
        const service = c.labels[LABELS.service] ?? '';
        ev(c.name, service, 'removing');
        await this.removeContainer(c, graceMs(project?.services[service]));
        ev(c.name, service, 'removed');
        return undefined;
      }
      case 'create':
      case 'recreate': {
        const { slot } = action;
        const svc = slot.slot.service;
        let id: string;
        const early = action.kind === 'create' ? precreated?.get(slotKey(slot.slot)) : undefined;
        if (early) id = await early;
        else {
          if (action.kind === 'recreate') {
            ev(slot.name, svc, 'recreating');
            await this.removeContainer(action.container, graceMs(slot.spec));
          } else ev(slot.name, svc, 'creating');
          id = await this.runtime.create(this.createRequest(project!, slot));
          ev(slot.name, svc, action.kind === 'recreate' ? 'recreated' : 'created');
        }
        // A stopped service (`fizz stop`) whose spec changed is recreated but stays stopped.
        if (action.kind === 'recreate' ? slot.running : action.start) {
          ev(slot.name, svc, 'starting');
          await this.runtime.start(id);
          ev(slot.name, svc, 'started');
        }
        return id;
      }
      case 'start': {
        let id = action.container.id;
        const svc = action.slot.slot.service;
        if (action.container.state === 'created' && project) {
          // Created but never started: the agent may have died between creating it and
          // connecting its other networks. Nothing has run in it, so it is made again whole.
          ev(action.slot.name, svc, 'recreating');
          await this.runtime.remove(id, { force: true, volumes: true });
          id = await this.runtime.create(this.createRequest(project, action.slot));
          ev(action.slot.name, svc, 'recreated');
        }
        ev(action.slot.name, svc, 'starting');
        await this.runtime.start(id);
        ev(action.slot.name, svc, 'started');
        return id;
      }
      case 'stop':
        ev(action.slot.name, action.slot.slot.service, 'stopping');
        await this.runtime.stop(action.container.id, graceMs(action.slot.spec));
        ev(action.slot.name, action.slot.slot.service, 'stopped');
        return undefined;
      case 'restart':
        ev(action.slot.name, action.slot.slot.service, 'restarting');
        await this.runtime.restart(action.container.id, serviceGraceMs(action.slot.spec));
        ev(action.slot.name, action.slot.slot.service, 'restarted');
        return action.container.id;
    }
  }
}
