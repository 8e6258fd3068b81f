/**
 * The Docker runtime with the mesh's two touches: a network made while the mesh runs takes
 * its subnet from the node's block (so container addresses are unique and routable across
 * the cluster), and a container made then names the node's resolver as its DNS server (so
 * the engine's embedded resolver asks it for services that run on other nodes).
 */
import { DockerRuntime } from '../../runtime/docker.js';
import type { CreateRequest, NetworkOptions } from '../../runtime/types.js';
import type { Mesh } from './mesh.js';

export class MeshDockerRuntime extends DockerRuntime {
  mesh: Mesh | undefined;
  /** Networks are made one at a time: two made at once would pick the same free subnet. */
  private networks: Promise<void> = Promise.resolve();

  override ensureNetwork(name: string, opts: NetworkOptions): Promise<void> {
    const mesh = this.mesh;
    if (!mesh) return super.ensureNetwork(name, opts);
    const next = this.networks.then(async () => super.ensureNetwork(name, await mesh.networkOptions(opts)));
    this.networks = next.catch(() => {});
    return next;
  }

  override create(req: CreateRequest): Promise<string> {
    const dns = this.mesh?.dnsServers() ?? [];
    if (dns.length === 0 || req.spec.network_mode !== undefined) return super.create(req);
    return super.create({ ...req, spec: { ...req.spec, dns: [...dns, ...(req.spec.dns ?? [])] } });
  }
}
