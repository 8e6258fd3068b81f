/**
 * `fizz stats`' figures from the engine's stats, computed as the docker CLI computes them:
 * CPU % over the interval the engine sampled, memory without the page cache the kernel can
 * drop, sizes in docker's units (memory binary, MiB; network and disk decimal, kB). Pure.
 */
import type { EngineStats } from '../runtime/direct.js';
import { humanSize } from './commands/images.js';

/** One row of `fizz stats`, under docker's field names (`--format json`). */
export interface StatsRow {
  ID: string;
  Name: string;
  Container: string;
  CPUPerc: string;
  MemUsage: string;
  MemPerc: string;
  NetIO: string;
  BlockIO: string;
  PIDs: string;
}

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** go-units BytesSize: `1.5MiB`, `7.613GiB`. */
export function binarySize(bytes: number): string {
  let v = Math.max(0, bytes);
  let i = 0;
  while (v >= 1024 && i < BINARY.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toPrecision(4))}${BINARY[i]}`;
}

export function cpuPercent(s: EngineStats): number {
  const cpu = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const system = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const cpus = s.cpu_stats?.online_cpus || s.cpu_stats?.cpu_usage?.percpu_usage?.length || 1;
  return system > 0 && cpu > 0 ? (cpu / system) * cpus * 100 : 0;
}

/** Memory in use, without the inactive page cache (cgroup v2 `inactive_file`, v1 `total_inactive_file`). */
export function memoryUsed(s: EngineStats): number {
  const usage = s.memory_stats?.usage ?? 0;
  const st = s.memory_stats?.stats ?? {};
  const cache = st.inactive_file ?? st.total_inactive_file ?? 0;
  return cache < usage ? usage - cache : usage;
}

export function statsRow(name: string, id: string, s: EngineStats): StatsRow {
  const used = memoryUsed(s);
  const limit = s.memory_stats?.limit ?? 0;
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
  }
  let read = 0;
  let write = 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = (e.op ?? '').toLowerCase();
    if (op === 'read') read += e.value ?? 0;
    else if (op === 'write') write += e.value ?? 0;
  }
  return {
    ID: id.slice(0, 12),
    Name: name,
    Container: id.slice(0, 12),
    CPUPerc: `${cpuPercent(s).toFixed(2)}%`,
    MemUsage: `${binarySize(used)} / ${binarySize(limit)}`,
    MemPerc: `${(limit > 0 ? (used / limit) * 100 : 0).toFixed(2)}%`,
    NetIO: `${humanSize(rx)} / ${humanSize(tx)}`,
    BlockIO: `${humanSize(read)} / ${humanSize(write)}`,
    PIDs: String(s.pids_stats?.current ?? 0),
  };
}

export const STATS_HEADER = [
  'CONTAINER ID',
  'NAME',
  'CPU %',
  'MEM USAGE / LIMIT',
  'MEM %',
  'NET I/O',
  'BLOCK I/O',
  'PIDS',
];

export function statsCells(r: StatsRow): string[] {
  return [r.ID, r.Name, r.CPUPerc, r.MemUsage, r.MemPerc, r.NetIO, r.BlockIO, r.PIDs];
}
