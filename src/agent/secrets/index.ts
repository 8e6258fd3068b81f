/**
 * Secrets and configs, wired for the daemon: the sealing box, the cluster-wide objects, the
 * API handlers, the `up` hook and the runtime that mounts them. See docs/security.md.
 */
import type { ClusterState } from '../../../crdt/index.js';
import type { ObjectHandlers } from '../../api/secrets-api.js';
import type { ProjectSpec } from '../../compose/types.js';
import type { ObjectVersion } from '../../reconcile/index.js';
import type { Runtime } from '../../runtime/types.js';
import { SecretBox } from './box.js';
import { ClusterObjects } from './cluster-objects.js';
import { withFileObjects } from './runtime.js';
import { sealProject } from './seal.js';
import { secretsRoot, TmpfsFiles } from './tmpfs.js';

export interface FileObjectsOptions {
  home: string;
  state: ClusterState;
  /** The identity values are sealed to now (the cluster's, else this home's own). */
  identity: () => Promise<string>;
  runtime: Runtime;
  /** After a local create or remove: a pass, so the services using it follow at once. */
  onChange?: () => void;
}

export interface FileObjects extends ObjectHandlers {
  runtime: Runtime;
  seal: (spec: ProjectSpec, previous: ProjectSpec | undefined) => Promise<ProjectSpec>;
  version: ObjectVersion;
}

export function fileObjects(o: FileObjectsOptions): FileObjects {
  const box = new SecretBox(o.identity);
  const objects = new ClusterObjects(o.state, box);
  let files: TmpfsFiles | undefined;
  return {
    runtime: withFileObjects(o.runtime, {
      state: o.state,
      box,
      objects,
      files: () => {
        files ??= new TmpfsFiles(secretsRoot(o.home));
        return files;
      },
    }),
    seal: (spec, previous) => sealProject(spec, previous, box, objects),
    version: (kind, name) => objects.version(kind, name),
    list: async (kind) => objects.list(kind),
    create: async (kind, name, value) => {
      const entry = await objects.create(kind, name, value);
      o.onChange?.();
      return entry;
    },
    remove: async (kind, name) => {
      objects.remove(kind, name);
      o.onChange?.();
    },
  };
}
