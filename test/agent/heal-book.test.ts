/** HealBook: which slots count as removed by hand, and how often each slot was healed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HealBook } from '../../src/agent/heal-book.js';
import { REMOVED_BY_HAND } from '../../src/reconcile/index.js';
import type { Action } from '../../src/reconcile/types.js';
import { LABELS } from '../../src/runtime/types.js';
import { container, desired } from '../reconcile/fixtures.js';

const owned = [desired('p', 'web', 0), desired('p', 'db', 0)];
const web = container('w1', 'p', 'web', 0);
const db = container('d1', 'p', 'db', 0);
const none = new Set<string>();

test('a container there after one pass and gone at the next is vanished; up names it back', () => {
  const book = new HealBook();
  book.begin([web, db], owned, none);
  assert.deepEqual([...book.vanished()], []);
  book.end([], none, none);
  book.begin([web], owned, none);
  assert.deepEqual([...book.vanished()], ['p/db/0']);
  book.end([], none, none);
  // Still gone on later passes, until an up or start names it…
  book.begin([web], owned, none);
  assert.deepEqual([...book.vanished()], ['p/db/0']);
  book.end([], none, none);
  book.begin([web], owned, new Set(['p/db']));
  assert.deepEqual([...book.vanished()], []);
});

test('never there is not vanished; a slot no longer owned is forgotten', () => {
  const book = new HealBook();
  book.begin([], owned, none);
  assert.deepEqual([...book.vanished()], []);
  book.end([], none, none);
  book.begin([web, db], owned, none);
  book.end([], none, none);
  book.begin([web], [owned[0]!], none); // db scaled away, its container removed by the agent
  assert.deepEqual([...book.vanished()], []);
});

test('a recreate that failed half-way is not taken for a removal by hand; one-offs do not count', () => {
  const book = new HealBook();
  const oneoff = container('o1', 'p', 'db', 0, 'h1', {
    labels: { ...db.labels, [LABELS.oneoff]: '1' },
  });
  book.begin([web, db], owned, none);
  const recreate: Action = { kind: 'recreate', slot: owned[1]!, container: db, reason: 'spec changed' };
  book.end([recreate], none, new Set(['p/db/0']));
  book.begin([web, oneoff], owned, none);
  assert.deepEqual([...book.vanished()], []);
});

test('heals: unhealthy restarts and recreations after a removal by hand, per slot, reset when not owned', () => {
  const book = new HealBook();
  book.begin([web, db], owned, none);
  const done = new Set(['p/web/0', 'p/db/0']);
  const restart: Action = { kind: 'restart', slot: owned[0]!, container: web, reason: 'unhealthy' };
  const again: Action = { kind: 'create', slot: owned[1]!, start: true, reason: REMOVED_BY_HAND };
  const first: Action = { kind: 'create', slot: owned[1]!, start: true, reason: 'missing' };
  book.end([restart, again, first], done, none);
  book.end([restart], done, none);
  assert.equal(book.count('p/web/0'), 2);
  assert.equal(book.count('p/db/0'), 1);
  book.begin([web], [owned[0]!], none);
  assert.equal(book.count('p/db/0'), 0);
  assert.equal(book.count('p/web/0'), 2);
});
