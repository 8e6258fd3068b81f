/** This node's id: made once, kept in FIZZ_HOME so restarts keep it (containers are labelled with it). */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keepDamagedCopy } from './damaged-file.js';

const ID = /^[A-Za-z0-9._-]{1,128}$/;

function readId(file: string): string | 'damaged' | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : 'damaged';
  }
  return ID.test(text) ? text : 'damaged';
}

/**
 * The node id, kept twice: FIZZ_HOME/node-id and a copy in the state directory (`copy`).
 * Containers carry it in `fizz.node`, and the agent touches only those with its own id, so
 * losing it would leave the running containers orphaned: a missing or damaged node-id is
 * restored from the copy (the damaged file kept as node-id.bad). Only when both are gone is
 * a new id made; `notice` then says that containers made under the old id are left alone.
 */
export function recoverNodeId(home: string, copy: string): { id: string; notice?: string } {
  const file = join(home, 'node-id');
  let main = readId(file);
  const backup = readId(copy);
  // A cut file can still look like an id: the start of the copy's.
  if (main !== undefined && backup !== undefined && backup !== main && backup.startsWith(main))
    main = 'damaged';
  const save = (path: string, id: string) => writeFileSync(path, `${id}\n`, { mode: 0o600 });
  if (main !== undefined && main !== 'damaged') {
    if (backup !== main) save(copy, main);
    return { id: main };
  }
  const kept = main === 'damaged' ? keepDamagedCopy(file) : undefined;
  const what =
    main === 'damaged' ? `${file} was damaged${kept ? ` (kept as ${kept})` : ''}` : `${file} was missing`;
  if (backup !== undefined && backup !== 'damaged') {
    save(file, backup);
    return { id: backup, notice: `${what}; restored node id ${backup} from ${copy}` };
  }
  const id = `node-${randomUUID()}`;
  save(file, id);
  save(copy, id);
  if (main === undefined && backup === undefined) return { id };
  return {
    id,
    notice: `${what} and its copy ${copy} ${backup === 'damaged' ? 'was damaged' : 'was missing'}: this agent is now node ${id}; containers made under the old id are left as they run, untouched (\`docker ps --filter label=fizz.node\` lists them; put the old id back in ${file} and restart the agent to manage them again)`,
  };
}
