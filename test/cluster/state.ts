/**
 * What a cluster run remembers between commands (`up` in one process, `kill h2` in the next):
 * its settings, its hosts, the join token. Everything it made can also be found from the
 * names in layout.ts, so `down` works without this file (after a crash before it was written).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ClusterConfig } from './layout.js';

export interface HostRecord {
  name: string;
  /** Set by `kill`, cleared by `restart`. */
  killed?: boolean;
}

export interface ClusterState {
  version: 1;
  config: ClusterConfig;
  hosts: HostRecord[];
  /** The token `fizz init` printed, once the cluster is formed. */
  token?: string;
  createdAt: string;
}

export function readState(file: string): ClusterState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const s = JSON.parse(text) as ClusterState;
  if (s.version !== 1 || !Array.isArray(s.hosts))
    throw new Error(`${file}: not a cluster state file (version 1)`);
  return s;
}

/** Written to a temporary file and renamed: a crash leaves the old state or the new, never half. */
export function writeState(file: string, state: ClusterState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
