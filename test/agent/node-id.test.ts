/**
 * The node id kept twice (FIZZ_HOME/node-id and its copy in the state directory): a deleted
 * or damaged node-id comes back from the copy, so the agent keeps managing what it runs;
 * only with both gone is a new id made, and then the notice says what happens to the old
 * id's containers (left alone) and how to get them back.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { recoverNodeId } from '../../src/agent/node-id.js';

function home(t: { after: (fn: () => void) => void }): { dir: string; file: string; copy: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-node-id-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'state'));
  return { dir, file: join(dir, 'node-id'), copy: join(dir, 'state', 'node-id') };
}

test('a fresh home gets a new id, in both places, with nothing to tell', (t) => {
  const h = home(t);
  const { id, notice } = recoverNodeId(h.dir, h.copy);
  assert.match(id, /^node-/);
  assert.equal(notice, undefined);
  assert.equal(readFileSync(h.file, 'utf8').trim(), id);
  assert.equal(readFileSync(h.copy, 'utf8').trim(), id);
  assert.equal(recoverNodeId(h.dir, h.copy).id, id);
});

test('a deleted node-id is restored from its copy: the same id, and the user is told', (t) => {
  const h = home(t);
  const { id } = recoverNodeId(h.dir, h.copy);
  rmSync(h.file);
  const again = recoverNodeId(h.dir, h.copy);
  assert.equal(again.id, id);
  assert.match(again.notice ?? '', /was missing; restored node id/);
  assert.equal(readFileSync(h.file, 'utf8').trim(), id);
});

test('a damaged node-id is kept aside and restored from the copy', (t) => {
  const h = home(t);
  const { id } = recoverNodeId(h.dir, h.copy);
  writeFileSync(h.file, 'not an id \u0000\n');
  const again = recoverNodeId(h.dir, h.copy);
  assert.equal(again.id, id);
  assert.match(again.notice ?? '', /was damaged/);
  assert.ok(existsSync(`${h.file}.bad`) || /kept as/.test(again.notice ?? ''));
});

test('both gone after the copy was damaged: a new id, and the notice says the old containers are left alone', (t) => {
  const h = home(t);
  const { id } = recoverNodeId(h.dir, h.copy);
  rmSync(h.file);
  writeFileSync(h.copy, '???');
  const again = recoverNodeId(h.dir, h.copy);
  assert.notEqual(again.id, id);
  assert.match(again.notice ?? '', /containers made under the old id are left as they run, untouched/);
});
