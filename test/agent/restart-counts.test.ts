/**
 * The restart counts `fizz ps` shows, kept between calls (src/agent/restart-counts.ts): a
 * container is inspected again only after an engine event of it, after the kept count's
 * age, or when its inspect raced an event. The engine here is a map and a call log; time is
 * a manual clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestartCounts } from '../../src/agent/restart-counts.js';

function engine() {
  const counts = new Map<string, number>();
  const inspected: string[] = [];
  let gate: Promise<void> | undefined;
  const clock = { t: 0, now: () => clock.t };
  const inspect = async (id: string) => {
    inspected.push(id);
    if (gate) await gate;
    const n = counts.get(id);
    return n === undefined ? undefined : { restartCount: n };
  };
  return {
    counts,
    inspected,
    clock,
    inspect,
    hold(): () => void {
      let open!: () => void;
      gate = new Promise((r) => {
        open = r;
      });
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

test('a kept count is answered without inspecting the container again', async () => {
  const e = engine();
  e.counts.set('a', 2).set('b', 0);
  const book = new RestartCounts(e.inspect, e.clock);
  assert.deepEqual(Object.fromEntries(await book.counts(['a', 'b'])), { a: 2, b: 0 });
  e.clock.t += 1000;
  assert.deepEqual(Object.fromEntries(await book.counts(['a', 'b'])), { a: 2, b: 0 });
  assert.deepEqual(e.inspected, ['a', 'b']);
});

test('an engine event of a container makes the next call inspect it again', async () => {
  const e = engine();
  e.counts.set('a', 0).set('b', 0);
  const book = new RestartCounts(e.inspect, e.clock);
  await book.counts(['a', 'b']);
  e.counts.set('a', 1);
  book.onEvent('a');
  assert.equal((await book.counts(['a', 'b'])).get('a'), 1);
  assert.deepEqual(e.inspected, ['a', 'b', 'a']);
});

test('an answer whose inspect an event overtook is not kept', async () => {
  const e = engine();
  e.counts.set('a', 0);
  const book = new RestartCounts(e.inspect, e.clock);
  const open = e.hold();
  const racing = book.counts(['a']);
  book.onEvent('a'); // the container restarted while the engine answered
  open();
  assert.equal((await racing).get('a'), 0);
  e.counts.set('a', 1);
  assert.equal((await book.counts(['a'])).get('a'), 1);
  assert.deepEqual(e.inspected, ['a', 'a']);
});

test('a kept count is trusted for maxAgeMs at most (an event may have been missed)', async () => {
  const e = engine();
  e.counts.set('a', 0);
  const book = new RestartCounts(e.inspect, e.clock, 5000);
  await book.counts(['a']);
  e.counts.set('a', 3);
  e.clock.t += 4999;
  assert.equal((await book.counts(['a'])).get('a'), 0);
  e.clock.t += 1;
  assert.equal((await book.counts(['a'])).get('a'), 3);
  assert.deepEqual(e.inspected, ['a', 'a']);
});

test('a container the engine cannot inspect counts 0 and is asked again next time', async () => {
  const e = engine();
  const book = new RestartCounts(async (id) => {
    e.inspected.push(id);
    if (e.inspected.length === 1) throw new Error('engine busy');
    return { restartCount: 4 };
  }, e.clock);
  assert.equal((await book.counts(['a'])).get('a'), 0);
  assert.equal((await book.counts(['a'])).get('a'), 4);
  assert.equal((await book.counts(['a'])).get('a'), 4);
  assert.deepEqual(e.inspected, ['a', 'a']);
});
