/**
 * One agent per FIZZ_HOME. Two agents on one home would both append to the state log (one
 * compacting away what the other acknowledged) and both reconcile the same containers. The
 * socket alone cannot guard this: a starting agent clears a socket it takes for stale, and
 * two agents starting at once (two `fizz` commands auto-starting) can each clear the other's.
 * So the agent takes this lock, an exclusively created file holding its pid, before it
 * opens the state; a lock whose process is gone (kill -9) is taken over.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { AgentAlreadyRunningError } from '../api/server.js';

function holderAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A reused pid is not an agent: every agent runs as `… agent`.
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('agent');
  } catch {
    return true; // no /proc: trust the signal
  }
}

function readHolder(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock or throws AgentAlreadyRunningError; returns its release. */
export function acquireAgentLock(file: string, socket: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => {
        if (readHolder(file) !== process.pid) return;
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
    if (holder !== undefined && holderAlive(holder)) throw new AgentAlreadyRunningError(socket);
    // Stale (or half written by a starter that died): take it over, unless it changed meanwhile.
    if (readHolder(file) === holder)
      try {
        unlinkSync(file);
      } catch {
        // taken by a racer; the next attempt tells
      }
  }
  throw new AgentAlreadyRunningError(socket);
}
