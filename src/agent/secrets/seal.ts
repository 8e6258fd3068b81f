/**
 * What `up` does to a project's top-level `secrets:` and `configs:` before the project enters
 * the replicated state: every value (`file:`, `content:`, or `environment:`, which the loader
 * has already turned into `content`) is sealed to the cluster (box.ts) and put in the entry
 * as `x-fizz-sealed: { v, ct }`; the clear text is dropped. An `external:` entry names a
 * cluster object (`fizz secret create`) that must exist. The node that runs a container opens
 * them (mounts.ts); no other place ever sees the value.
 */
import { readFile } from 'node:fs/promises';
import type { ProjectSpec, SecretSpec } from '../../compose/types.js';
import type { SecretBox } from './box.js';
import { type ClusterObjects, checkValue, type FileObjectKind } from './cluster-objects.js';
import { SecretInputError, SecretNotFoundError } from './errors.js';

export const SEALED_KEY = 'x-fizz-sealed';

export interface Sealed {
  /** The value's keyed version (box.version): equal values, equal versions. */
  v: string;
  /** base64 of the age ciphertext. */
  ct: string;
}

export const SECTIONS = [
  ['secrets', 'secret'],
  ['configs', 'config'],
] as const satisfies ReadonlyArray<readonly [keyof ProjectSpec, FileObjectKind]>;

export function sealedOf(entry: SecretSpec | undefined): Sealed | undefined {
  const s = entry?.[SEALED_KEY] as Partial<Sealed> | undefined;
  return s && typeof s.v === 'string' && typeof s.ct === 'string' ? { v: s.v, ct: s.ct } : undefined;
}

/** The project with every secret and config sealed (a new object; `spec` is not changed). */
export async function sealProject(
  spec: ProjectSpec,
  previous: ProjectSpec | undefined,
  box: SecretBox,
  objects: ClusterObjects,
): Promise<ProjectSpec> {
  const out: ProjectSpec = { ...spec };
  for (const [section, kind] of SECTIONS) {
    const table = spec[section] as Record<string, SecretSpec> | undefined;
    if (!table) continue;
    const sealed: Record<string, SecretSpec> = {};
    for (const [key, entry] of Object.entries(table)) {
      const before = (previous?.[section] as Record<string, SecretSpec> | undefined)?.[key];
      sealed[key] = await sealEntry(kind, key, entry, before, box, objects);
    }
    (out as unknown as Record<string, unknown>)[section] = sealed;
  }
  return out;
}

async function sealEntry(
  kind: FileObjectKind,
  key: string,
  entry: SecretSpec,
  before: SecretSpec | undefined,
  box: SecretBox,
  objects: ClusterObjects,
): Promise<SecretSpec> {
  const { file: _f, content: _c, environment, external, [SEALED_KEY]: _sealed, ...rest } = entry;
  if (external === true) {
    if (objects.version(kind, entry.name) === undefined)
      throw new SecretNotFoundError(
        `${kind} "${key}" is external, but the cluster has no ${kind} "${entry.name}": create it with \`fizz ${kind} create ${entry.name} FILE\``,
      );
    return { ...rest, external: true };
  }
  // A spec that comes back from the state (a resumed `up`) is sealed already.
  if (entry.file === undefined && entry.content === undefined && sealedOf(entry)) return entry;
  const value = await plainValue(kind, key, entry, environment);
  checkValue(kind, key, value);
  const v = await box.version(value);
  const prev = sealedOf(before);
  // The same value keeps its ciphertext: the project (and its spec hash) does not change.
  const ct = prev?.v === v ? prev.ct : Buffer.from(await box.seal(value)).toString('base64');
  return { ...rest, [SEALED_KEY]: { v, ct } };
}

async function plainValue(
  kind: FileObjectKind,
  key: string,
  entry: SecretSpec,
  environment: string | undefined,
): Promise<Uint8Array> {
  if (typeof entry.content === 'string') return Buffer.from(entry.content, 'utf8');
  if (typeof entry.file === 'string') {
    try {
      return await readFile(entry.file);
    } catch (err) {
      throw new SecretInputError(`${kind} "${key}": cannot read ${entry.file}: ${(err as Error).message}`);
    }
  }
  if (environment !== undefined)
    throw new SecretInputError(
      `${kind} "${key}": the environment variable ${environment} is not set where \`fizz up\` ran`,
    );
  throw new SecretInputError(`${kind} "${key}" has none of file, content, environment or external`);
}
