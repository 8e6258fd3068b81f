/**
 * Secrets and configs made with `fizz secret create` / `fizz config create`: cluster-wide,
 * named, sealed (box.ts) before they enter the replicated state. A compose file reaches them
 * with `external: true`. They live in the state's secrets registers under a scope that no
 * project can be named (`@secret`, `@config`: project names are lowercase letters, digits,
 * `-` and `_`), so they outlive every project's `down`.
 */
import type { ClusterState } from '../../../crdt/index.js';
import type { SecretBox } from './box.js';
import { ciphertextVersion } from './box.js';
import { SecretInputError, SecretNotFoundError } from './errors.js';

export type FileObjectKind = 'secret' | 'config';

/** Docker's limit for a secret or config, so a value that works in Swarm works here. */
export const MAX_VALUE_BYTES = 500 * 1024;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const scope = (kind: FileObjectKind) => `@${kind}`;

export function checkObjectName(kind: FileObjectKind, name: string): string {
  if (!NAME.test(name))
    throw new SecretInputError(
      `invalid ${kind} name "${name}": use letters, digits, '.', '_' or '-' (up to 64, starting with a letter or digit)`,
    );
  return name;
}

export function checkValue(kind: FileObjectKind, name: string, value: Uint8Array): void {
  if (value.length > MAX_VALUE_BYTES)
    throw new SecretInputError(
      `${kind} "${name}" is ${value.length} bytes; the limit is ${MAX_VALUE_BYTES} (as Docker's)`,
    );
}

export interface ObjectEntry {
  name: string;
  /** Changes with every new value; what a service's spec hash sees. */
  version: string;
  /** Ciphertext bytes (what the state holds). */
  size: number;
}

export class ClusterObjects {
  constructor(
    private readonly state: ClusterState,
    private readonly box: SecretBox,
  ) {}

  async create(kind: FileObjectKind, name: string, value: Uint8Array): Promise<ObjectEntry> {
    checkObjectName(kind, name);
    checkValue(kind, name, value);
    const ct = await this.box.seal(value);
    this.state.putSecret(scope(kind), name, ct);
    return { name, version: ciphertextVersion(ct), size: ct.length };
  }

  remove(kind: FileObjectKind, name: string): void {
    checkObjectName(kind, name);
    if (!this.state.getSecret(scope(kind), name))
      throw new SecretNotFoundError(`no ${kind} "${name}" (\`fizz ${kind} ls\` lists them)`);
    this.state.removeSecret(scope(kind), name);
  }

  list(kind: FileObjectKind): ObjectEntry[] {
    return this.state.listSecrets(scope(kind)).map((name) => {
      const ct = this.state.getSecret(scope(kind), name)!;
      return { name, version: ciphertextVersion(ct), size: ct.length };
    });
  }

  /** The version of a cluster object, or undefined when there is none. */
  version(kind: FileObjectKind, name: string): string | undefined {
    const ct = this.state.getSecret(scope(kind), name);
    return ct ? ciphertextVersion(ct) : undefined;
  }

  async read(kind: FileObjectKind, name: string): Promise<Uint8Array> {
    const ct = this.state.getSecret(scope(kind), name);
    if (!ct)
      throw new SecretNotFoundError(
        `external ${kind} "${name}" does not exist: create it with \`fizz ${kind} create ${name} FILE\``,
      );
    return this.box.open(ct, `${kind} "${name}"`);
  }
}
