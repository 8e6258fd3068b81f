/**
 * One agent per FIZZ_HOME. Two agents on one home would both append to the state log (one
 * compacting away what the other acknowledged) and both reconcile the same containers. The
 * socket alone cannot guard this: a starting agent clears a socket it takes for stale, and
 * two agents starting at once (two `fizz` commands auto-starting) can each clear the other's.
 * So the agent takes this lock before it opens the state: the same pid lock as the store's
 * (crdt/pid-lock.ts), so a holder killed with -9, left a zombie, or whose pid was reused is
 * taken over by both alike.
 */
import { readFileSync } from 'node:fs';
import { acquirePidLock } from '../../crdt/index.js';
import { AgentAlreadyRunningError } from '../api/server.js';

/** A lock of the old format (a pid alone): its pid is an agent only if it runs `… agent`. */
function runsAgent(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('agent');
  } catch {
    return true; // no /proc: trust the signal
  }
}

/** Takes the lock or throws AgentAlreadyRunningError; returns its release. */
export function acquireAgentLock(file: string, socket: string): () => void {
  return acquirePidLock(file, {
    held: () => new AgentAlreadyRunningError(socket),
    legacyHolder: runsAgent,
  });
}
