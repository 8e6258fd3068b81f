/**
 * The runtime as the agent hands it to the reconciler: the engine's, plus the secrets and
 * configs of each container. Before a container that uses some is created, their values are
 * opened (mounts.ts), written to a tmpfs directory of its own (tmpfs.ts) and bind-mounted
 * read-only at their targets; the container carries the directory's key in a label. Before
 * the agent starts or restarts such a container, a directory lost to a reboot is written
 * again; when the container is removed, its directory goes. Every other call passes through.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { ClusterState } from '../../../crdt/index.js';
import type { ProjectSpec, ServiceVolumeSpec } from '../../compose/types.js';
import { type CreateRequest, LABELS, type Runtime } from '../../runtime/types.js';
import type { SecretBox } from './box.js';
import type { ClusterObjects } from './cluster-objects.js';
import { SecretNotFoundError } from './errors.js';
import { filesFor, type MountFile, usesFileObjects } from './mounts.js';
import type { TmpfsFiles } from './tmpfs.js';

/** The label naming a container's directory of secret and config files. */
export const FILES_LABEL = 'fizz.files';

export interface FileObjectRuntimeOptions {
  state: ClusterState;
  box: SecretBox;
  objects: ClusterObjects;
  /** Called when first needed: an agent whose containers use no secret needs no tmpfs. */
  files: () => TmpfsFiles;
}

export function withFileObjects(inner: Runtime, o: FileObjectRuntimeOptions): Runtime {
  /** Containers whose files this process has written or checked. */
  const ready = new Set<string>();

  const filesOf = async (project: string, service: string): Promise<MountFile[]> => {
    const spec = o.state.getProject(project) as ProjectSpec | undefined;
    const svc = spec?.services[service];
    if (!spec || !svc) throw new SecretNotFoundError(`project "${project}" has no service "${service}"`);
    return filesFor(spec, service, svc, o.box, o.objects);
  };

  const create = async (req: CreateRequest): Promise<string> => {
    if (!usesFileObjects(req.spec)) return inner.create(req);
    const files = await filesOf(req.slot.project, req.slot.service);
    const key = randomBytes(16).toString('hex');
    const paths = o.files().write(key, files);
    const binds: ServiceVolumeSpec[] = files.map((f, i) => ({
      type: 'bind',
      source: paths[i]!,
      target: f.target,
      read_only: true,
      // A missing file must fail the start, not become an empty directory.
      bind: { create_host_path: false },
    }));
    try {
      const id = await inner.create({
        ...req,
        spec: { ...req.spec, volumes: [...(req.spec.volumes ?? []), ...binds] },
        labels: { ...req.labels, [FILES_LABEL]: key },
      });
      ready.add(id);
      return id;
    } catch (err) {
      o.files().remove(key);
      throw err;
    }
  };

  const ensure = async (id: string): Promise<void> => {
    if (ready.has(id)) return;
    const info = await inner.inspect(id);
    const key = info?.labels[FILES_LABEL];
    if (info && key && !existsSync(o.files().dir(key))) {
      const files = await filesOf(info.labels[LABELS.project] ?? '', info.labels[LABELS.service] ?? '');
      o.files().write(key, files);
    }
    ready.add(id);
  };

  const overrides: Partial<Runtime> = {
    create,
    async start(id) {
      await ensure(id);
      return inner.start(id);
    },
    async restart(id, graceMs) {
      await ensure(id);
      return inner.restart(id, graceMs);
    },
    async remove(id, opts) {
      const key = (await inner.inspect(id).catch(() => undefined))?.labels[FILES_LABEL];
      await inner.remove(id, opts);
      ready.delete(id);
      if (key) o.files().remove(key);
    },
  };
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof Runtime];
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
