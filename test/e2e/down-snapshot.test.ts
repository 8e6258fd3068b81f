/**
 * `fizz down` of a project with a big compose file: the agent's state files (state.snap and
 * state.log under FIZZ_HOME/state) hold the file's bytes while the project is up and not
 * after the down, and shrink back near what they were with the project small.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SKIP_DOCKER, SKIP_REASON, sandbox } from './harness.js';

function stateFiles(home: string, marker: string): { bytes: number; holds: boolean } {
  let bytes = 0;
  let holds = false;
  for (const f of ['state.snap', 'state.log']) {
    let b: Buffer;
    try {
      b = readFileSync(join(home, 'state', f));
    } catch {
      continue;
    }
    bytes += b.length;
    holds ||= b.includes(marker);
  }
  return { bytes, holds };
}

test(`down drops the project's big spec from the state files${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async (t) => {
  const sb = sandbox('snap');
  t.after(() => sb.cleanup());
  const svc =
    'services:\n  web:\n    image: fizz/busybox:latest\n    command: ["sleep", "3600"]\n    init: true\n';
  // The project small first: the agent runs and its state files have a baseline.
  sb.compose(svc);
  const first = await sb.fizz(['up', '-d']);
  assert.equal(first.code, 0, first.stderr);
  const baseline = stateFiles(sb.home, 'none').bytes;

  const marker = `BLOB-${sb.project}-`.repeat(4);
  const blob = `${marker}${'y'.repeat(600 * 1024)}`;
  sb.compose(`x-blob: "${blob}"\n${svc}`);
  const up = await sb.fizz(['up', '-d']);
  assert.equal(up.code, 0, up.stderr);
  assert.ok(stateFiles(sb.home, marker).holds, 'the spec is in the state files while the project is up');

  const down = await sb.fizz(['down']);
  assert.equal(down.code, 0, down.stderr);
  const after = stateFiles(sb.home, marker);
  assert.equal(after.holds, false, 'the downed project’s spec is still in the state files');
  assert.ok(
    after.bytes < baseline + 16 * 1024,
    `state files ${after.bytes} bytes, ${baseline} before the up`,
  );
});
