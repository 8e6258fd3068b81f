/**
 * What an agent opens in FIZZ_HOME before it serves: its node id, the durable state, the
 * down and force-recreate journals and the config-files record, with every kind of damage
 * found on the way turned into a `StateTrust` (reasons not to act on the state, notes to
 * tell the user). Nothing damaged is overwritten before a copy is kept.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, type Store } from '../../crdt/index.js';
import type { HomePaths } from '../api/paths.js';
import { keepDamagedCopy } from './damaged-file.js';
import { FileDownJournal } from './down-journal.js';
import type { Logger } from './logger.js';
import { recoverNodeId } from './node-id.js';
import { FileProjectFiles } from './project-files.js';
import { FileRecreateJournal } from './recreate-journal.js';
import { StateTrust } from './trust.js';

export interface HomeState {
  nodeId: string;
  store: Store;
  trust: StateTrust;
  downs: FileDownJournal;
  projectFiles: FileProjectFiles;
  recreates: FileRecreateJournal;
}

export async function openHome(paths: HomePaths, logger: Logger): Promise<HomeState> {
  const reasons: string[] = [];
  const notes: string[] = [];
  mkdirSync(paths.state, { recursive: true, mode: 0o700 });
  const node = recoverNodeId(paths.home, join(paths.state, 'node-id'));
  if (node.notice) {
    logger.warn({ nodeId: node.id }, node.notice);
    notes.push(node.notice);
  }
  const store = await openStore(paths.state, {
    nodeId: node.id,
    clock: () => Date.now(),
    logger: { warn: (f, m) => logger.warn(f, m), info: (f, m) => logger.info(f, m) },
  });
  for (const p of store.problems) reasons.push(p.message);
  const journal = (file: string, what: string) => (reason: string) => {
    const kept = keepDamagedCopy(file);
    const note = `${file} could not be read (${reason}): ${what}${kept ? `; the file is kept as ${kept}` : ''}`;
    logger.warn({ file, reason }, note);
    notes.push(note);
  };
  const downsFile = join(paths.home, 'downs.json');
  const downs = new FileDownJournal(
    downsFile,
    journal(downsFile, 'an interrupted `fizz down` in it is not finished (run `fizz down` again)'),
  );
  const filesFile = join(paths.home, 'config-files.json');
  const projectFiles = new FileProjectFiles(
    filesFile,
    journal(filesFile, '`fizz ls` shows no CONFIG FILES until the next `fizz up` of each project'),
  );
  const recreatesFile = join(paths.home, 'recreates.json');
  const recreates = new FileRecreateJournal(
    recreatesFile,
    journal(recreatesFile, 'an interrupted `up --force-recreate` in it is not finished (run it again)'),
  );
  return { nodeId: node.id, store, trust: new StateTrust(reasons, notes), downs, projectFiles, recreates };
}
