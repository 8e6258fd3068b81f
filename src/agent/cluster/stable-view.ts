/** The stable member view (see quorum.ts), kept in FIZZ_HOME so a restarted node keeps it. */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { PlacementMember } from '../../placement/types.js';

const FILE = 'cluster-view.json';

export function readStableView(home: string): PlacementMember[] {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(join(home, FILE), 'utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(v)) return [];
  return v.flatMap((m): PlacementMember[] => {
    if (m === null || typeof m !== 'object' || typeof m.id !== 'string' || typeof m.name !== 'string')
      return [];
    const labels = m.labels && typeof m.labels === 'object' ? (m.labels as Record<string, string>) : {};
    const out: PlacementMember = { id: m.id, name: m.name, status: 'alive', labels };
    if (typeof m.capacity === 'number') out.capacity = m.capacity;
    const r = m.resources;
    if (r && typeof r === 'object') {
      const resources: NonNullable<PlacementMember['resources']> = {};
      if (typeof r.cpus === 'number') resources.cpus = r.cpus;
      if (typeof r.memory === 'number') resources.memory = r.memory;
      out.resources = resources;
    }
    return [out];
  });
}

export function writeStableView(home: string, view: PlacementMember[]): void {
  const file = join(home, FILE);
  const fd = openSync(`${file}.tmp`, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(view)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(`${file}.tmp`, file);
}
