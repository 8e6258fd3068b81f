/**
 * Project networks and named volumes on a real Docker Engine: made when missing (a
 * concurrent maker is no failure), removed when present, listed by project and node.
 */
import type Docker from 'dockerode';
import type { EngineFailure, FailureContext } from './docker-failure.js';
import { EngineError } from './errors.js';
import { LABELS, type NetworkOptions } from './types.js';

/** An engine call with its failure mapped (DockerRuntime.call). */
export type FailingCall = <T>(fn: () => Promise<T>, ctx?: FailureContext) => Promise<T>;

function resourceLabels(project: string, labels?: Record<string, string>): Record<string, string> {
  return { [LABELS.composeProject]: project, ...labels, [LABELS.project]: project };
}

export class DockerResources {
  constructor(
    private readonly docker: Docker,
    private readonly ready: () => Promise<string>,
    private readonly fail: (err: unknown) => Error,
    private readonly call: FailingCall,
  ) {}

  async ensureNetwork(name: string, opts: NetworkOptions): Promise<void> {
    await this.ready();
    try {
      await this.docker.getNetwork(name).inspect();
      return;
    } catch (err) {
      if ((err as EngineFailure).statusCode !== 404) throw this.fail(err);
    }
    try {
      await this.docker.createNetwork({
        Name: name,
        Driver: opts.driver ?? 'bridge',
        CheckDuplicate: true,
        Labels: resourceLabels(opts.project, opts.labels),
        ...(opts.subnet ? { IPAM: { Driver: 'default', Config: [{ Subnet: opts.subnet }] } } : {}),
        ...(opts.options ? { Options: opts.options } : {}),
      });
    } catch (err) {
      if ((err as EngineFailure).statusCode === 409) return; // made by a concurrent caller
      throw this.fail(err);
    }
  }

  async removeNetwork(name: string): Promise<void> {
    try {
      await this.call(() => this.docker.getNetwork(name).remove());
    } catch (err) {
      if (err instanceof EngineError && err.statusCode === 404) return;
      throw err;
    }
  }

  async ensureVolume(
    name: string,
    opts: { project: string; driver?: string; labels?: Record<string, string> },
  ): Promise<void> {
    await this.ready();
    try {
      await this.docker.getVolume(name).inspect();
      return;
    } catch (err) {
      if ((err as EngineFailure).statusCode !== 404) throw this.fail(err);
    }
    await this.call(() =>
      this.docker.createVolume({
        Name: name,
        Driver: opts.driver ?? 'local',
        Labels: resourceLabels(opts.project, opts.labels),
      }),
    );
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.call(() => this.docker.getVolume(name).remove());
    } catch (err) {
      if (err instanceof EngineError && err.statusCode === 404) return;
      throw err;
    }
  }

  /** The project's networks and volumes; with `node`, only those that node made (or unlabelled). */
  async projectResources(project: string, node?: string): Promise<{ networks: string[]; volumes: string[] }> {
    const filters = { label: [`${LABELS.project}=${project}`] };
    const [nets, vols] = await this.call(() =>
      Promise.all([this.docker.listNetworks({ filters }), this.docker.listVolumes({ filters })]),
    );
    const mine = (labels: Record<string, string> | null | undefined) =>
      node === undefined || (labels?.[LABELS.node] ?? node) === node;
    return {
      networks: nets
        .filter((n) => mine(n.Labels))
        .map((n) => n.Name)
        .sort(),
      volumes: (vols.Volumes ?? [])
        .filter((v) => mine(v.Labels))
        .map((v) => v.Name)
        .sort(),
    };
  }
}
