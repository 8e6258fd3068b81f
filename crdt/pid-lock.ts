/**
 * A lock file that names its holder: created exclusively, holding `pid starttime`. The one
 * lock of Fizz: the state store's `state.lock` and the agent's `agent.lock` both use it.
 *
 * A holder counts as alive only if the process exists, is not a zombie (a killed agent
 * whose parent never reaped it still answers signal 0), and started when the lock says
 * (a pid the kernel reused for another process after a crash is not the holder). The start
 * time is field 22 of /proc/<pid>/stat, in clock ticks since boot; without /proc only the
 * signal answers, and a lock of the old format (a pid alone) is judged by that too.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

export interface LockHolder {
  pid: number;
  /** Clock ticks since boot at which the holder started, when known. */
  start?: string;
}

interface ProcStat {
  state: string;
  start: string;
}

/** Fields 3 (state) and 22 (start time) of /proc/<pid>/stat; undefined without /proc. */
function procStat(pid: number): ProcStat | null | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    // No such process; or no /proc at all (then the signal is all there is).
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ESRCH' ? null : undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const start = fields[19];
  if (state === undefined || start === undefined) return undefined;
  return { state, start };
}

/** This process's start time, as a lock records it. */
export function ownStart(): string | undefined {
  return procStat(process.pid)?.start;
}

/** Whether the holder named in a lock is a live process that is the one that took it. */
export function holderAlive(holder: LockHolder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(holder.pid);
  if (stat === null) return false;
  if (stat === undefined) return true;
  if (stat.state === 'Z' || stat.state === 'X' || stat.state === 'x') return false;
  return holder.start === undefined || holder.start === stat.start;
}

export function readHolder(file: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const [pidText, start] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return start && /^\d+$/.test(start) ? { pid, start } : { pid };
}

export interface PidLockOptions {
  /** What to throw when a live process holds the lock. */
  held: (holder: LockHolder) => Error;
  /**
   * A lock this very process holds: `held` (another part of it has it open, default), or
   * taken over (a holder of this process that was never released, e.g. a store not closed).
   */
  sameProcess?: 'held' | 'take-over';
  /** For a lock of the old format (a pid alone) whose pid is alive: is it still the holder? */
  legacyHolder?: (pid: number) => boolean;
  mode?: number;
}

/** Takes the lock or throws `options.held(holder)`; returns its release. */
export function acquirePidLock(file: string, options: PidLockOptions): () => void {
  const me: LockHolder = { pid: process.pid };
  const start = ownStart();
  if (start !== undefined) me.start = start;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', options.mode ?? 0o600);
      try {
        writeSync(fd, `${me.pid}${me.start ? ` ${me.start}` : ''}\n`);
      } finally {
        closeSync(fd);
      }
      return () => {
        if (readHolder(file)?.pid !== me.pid) return;
        try {
          unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(file);
    if (holder) {
      const mine = holder.pid === process.pid;
      if (mine && (options.sameProcess ?? 'held') === 'held') throw options.held(holder);
      const legacy = holder.start === undefined && options.legacyHolder;
      if (!mine && holderAlive(holder) && (!legacy || legacy(holder.pid))) throw options.held(holder);
    }
    // Stale (or half written by a starter that died): take it over, unless it changed meanwhile.
    const again = readHolder(file);
    if (again?.pid === holder?.pid && again?.start === holder?.start)
      try {
        unlinkSync(file);
      } catch {
        // taken by a racer; the next attempt tells
      }
  }
  const holder = readHolder(file);
  throw options.held(holder ?? { pid: 0 });
}
