/**
 * The files a service's container gets from its `secrets:` and `configs:`: each value opened
 * on the node that runs the container (and nowhere else), with the target path, mode and
 * owner compose asks for. A secret goes to `/run/secrets/<target>` (its name unless given);
 * a config to `/<target>`; an absolute target is kept as written.
 */
import { posix } from 'node:path';
import type { ProjectSpec, SecretSpec, ServiceFileRef, ServiceSpec } from '../../compose/types.js';
import type { SecretBox } from './box.js';
import type { ClusterObjects, FileObjectKind } from './cluster-objects.js';
import { SecretInputError, SecretNotFoundError } from './errors.js';
import { SECTIONS, sealedOf } from './seal.js';

export interface MountFile {
  kind: FileObjectKind;
  /** The project-level key it comes from. */
  source: string;
  /** Absolute path in the container. */
  target: string;
  data: Uint8Array;
  mode: number;
  uid: number;
  gid: number;
}

/** Whether a service mounts any secret or config (most do not: no work for them). */
export function usesFileObjects(service: ServiceSpec): boolean {
  return (service.secrets?.length ?? 0) + (service.configs?.length ?? 0) > 0;
}

export function targetOf(kind: FileObjectKind, ref: ServiceFileRef): string {
  const t = ref.target ?? ref.source;
  if (posix.isAbsolute(t)) return posix.normalize(t);
  return kind === 'secret' ? posix.join('/run/secrets', t) : posix.join('/', t);
}

function id(v: string | undefined, what: string): number {
  if (v === undefined || v === '') return 0;
  if (!/^\d{1,10}$/.test(v)) throw new SecretInputError(`${what}: "${v}" is not a numeric id`);
  return Number(v);
}

export async function filesFor(
  project: ProjectSpec,
  serviceName: string,
  service: ServiceSpec,
  box: SecretBox,
  objects: ClusterObjects,
): Promise<MountFile[]> {
  const out: MountFile[] = [];
  for (const [section, kind] of SECTIONS) {
    const table = project[section] as Record<string, SecretSpec> | undefined;
    for (const ref of (service[section] as ServiceFileRef[] | undefined) ?? []) {
      const what = `service "${serviceName}": ${kind} "${ref.source}"`;
      const entry = table?.[ref.source];
      if (!entry) throw new SecretNotFoundError(`${what} is not defined in the project`);
      const mode = ref.mode ?? 0o444;
      if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777)
        throw new SecretInputError(`${what}: mode ${mode} is not a file mode`);
      out.push({
        kind,
        source: ref.source,
        target: targetOf(kind, ref),
        data: await plainValue(kind, entry, box, objects, what),
        mode,
        uid: id(ref.uid, `${what} uid`),
        gid: id(ref.gid, `${what} gid`),
      });
    }
  }
  const seen = new Set<string>();
  for (const f of out) {
    if (seen.has(f.target))
      throw new SecretInputError(`service "${serviceName}": two secrets or configs go to ${f.target}`);
    seen.add(f.target);
  }
  return out;
}

async function plainValue(
  kind: FileObjectKind,
  entry: SecretSpec,
  box: SecretBox,
  objects: ClusterObjects,
  what: string,
): Promise<Uint8Array> {
  if (entry.external === true) return objects.read(kind, entry.name);
  const sealed = sealedOf(entry);
  if (!sealed) throw new SecretNotFoundError(`${what} has no sealed value (bring the project up again)`);
  return box.open(Buffer.from(sealed.ct, 'base64'), what);
}
