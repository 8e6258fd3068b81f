/**
 * FIZZ_HOME must be the agent's user's own: a directory another user made (or can swap
 * files in) could hand the agent a state, a node id or a socket of that user's choosing.
 * Changing its mode to 0700 does not help while the owner stays the other user's, so the
 * agent refuses to start instead.
 */
import { lstatSync } from 'node:fs';
import type { HomePaths } from '../api/paths.js';

/** FIZZ_HOME, its state directory or its socket belongs to another user. */
export class HomeOwnerError extends Error {
  override readonly name = 'HomeOwnerError';
}

/** Throws HomeOwnerError unless the home, and the state directory and socket when present, are `uid`'s. */
export function checkHomeOwner(paths: HomePaths, uid: number | undefined = process.getuid?.()): void {
  if (uid === undefined) return; // no uids on this platform
  const what: Array<[string, string]> = [
    [paths.home, 'FIZZ_HOME'],
    [paths.state, 'the state directory'],
    [paths.socket, 'the agent socket'],
  ];
  for (const [path, name] of what) {
    let owner: number;
    try {
      owner = lstatSync(path).uid;
    } catch {
      continue; // not made yet: the agent makes it, as its own
    }
    if (owner !== uid)
      throw new HomeOwnerError(
        `${name} ${path} belongs to user ${owner}, not to this agent's user ${uid}: refusing to use it; set FIZZ_HOME to a directory of your own, or run fizz as user ${owner}`,
      );
  }
}
