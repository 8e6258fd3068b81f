/** This node's id: made once, kept in FIZZ_HOME so restarts keep it (containers are labelled with it). */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ID = /^[A-Za-z0-9._-]{1,128}$/;

export class NodeIdError extends Error {
  override readonly name = 'NodeIdError';
}

export function loadNodeId(home: string): string {
  const file = join(home, 'node-id');
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    if (!ID.test(text)) throw new NodeIdError(`${file} does not hold a node id; remove it to make a new one`);
    return text;
  }
  const id = `node-${randomUUID()}`;
  writeFileSync(file, `${id}\n`, { mode: 0o600, flag: 'wx' });
  return id;
}
