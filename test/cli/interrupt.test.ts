/** `fizz up` attached: what each Ctrl+C does. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UpInterrupt } from '../../src/cli/interrupt.js';

test('Ctrl+C: first graceful, second forces the kill, third leaves', async () => {
  const calls: string[] = [];
  const said: string[] = [];
  const i = new UpInterrupt({
    graceful: () => calls.push('graceful'),
    force: async () => {
      calls.push('force');
    },
    exit: () => calls.push('exit'),
    say: (t) => said.push(t),
  });
  assert.equal(i.stage, 'running');
  i.onSignal();
  assert.deepEqual(calls, ['graceful']);
  assert.equal(said[0], 'Gracefully stopping... (press Ctrl+C again to force)\n');
  i.onSignal();
  await i.forcing;
  assert.deepEqual(calls, ['graceful', 'force']);
  assert.equal(i.stage, 'forcing');
  i.onSignal();
  assert.deepEqual(calls, ['graceful', 'force', 'exit']);
});

test('Ctrl+C: a failed kill is said, not thrown', async () => {
  const said: string[] = [];
  const i = new UpInterrupt({
    graceful: () => {},
    force: async () => {
      throw new Error('engine gone');
    },
    exit: () => {},
    say: (t) => said.push(t),
  });
  i.onSignal();
  i.onSignal();
  await i.forcing;
  assert.equal(said.at(-1), 'error: engine gone\n');
});
