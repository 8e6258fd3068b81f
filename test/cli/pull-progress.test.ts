/** How pulls and builds print: a bar and bytes per image on a terminal, a line per layer change piped. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OpEvent, ProgressEvent } from '../../src/api/protocol.js';
import { ProgressPrinter, printOperation } from '../../src/cli/progress-printer.js';
import { PullLines } from '../../src/cli/pull-lines.js';

const IMG = '127.0.0.1:5000/app:v1';

function layer(name: string, detail: string, current?: number, total?: number): ProgressEvent {
  const ev: ProgressEvent = {
    type: 'progress',
    resource: 'layer',
    name,
    parent: IMG,
    service: 'web',
    status: detail === 'Pull complete' || detail === 'Already exists' ? 'pulled' : 'pulling',
    detail,
  };
  if (current !== undefined) ev.current = current;
  if (total !== undefined) ev.total = total;
  return ev;
}

function sink() {
  const chunks: string[] = [];
  return { out: { write: (t: string) => chunks.push(t) }, text: () => chunks.join('') };
}

const ESC = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g');

test('a bar of one character per layer, and the bytes downloaded of all', () => {
  const p = new PullLines();
  assert.equal(p.summary(IMG), '');
  p.layer(layer('aaa', 'Already exists'));
  p.layer(layer('bbb', 'Downloading', 500_000, 1_000_000));
  p.layer(layer('ccc', 'Waiting'));
  assert.equal(p.summary(IMG), '[⣿⣦⣀] 500kB/1MB');
  p.layer(layer('bbb', 'Download complete'));
  p.layer(layer('ccc', 'Downloading', 3_000_000, 3_000_000));
  assert.equal(p.summary(IMG), '[⣿⣿⣿] 4MB/4MB');
});

test('piped: a line per layer state change, not per byte count; build output with the service', async () => {
  const s = sink();
  async function* events(): AsyncGenerator<OpEvent> {
    yield { type: 'progress', resource: 'image', name: IMG, service: 'web', status: 'pulling' };
    yield layer('bbb', 'Pulling fs layer');
    yield layer('bbb', 'Downloading', 10, 100);
    yield layer('bbb', 'Downloading', 60, 100);
    yield layer('bbb', 'Pull complete');
    yield { type: 'progress', resource: 'image', name: IMG, service: 'web', status: 'pulled' };
    yield { type: 'progress', resource: 'image', name: 'p-app', service: 'app', status: 'building' };
    yield { type: 'output', service: 'app', text: 'Step 1/2 : FROM fizz/busybox' };
    yield { type: 'done', ok: true, errors: [] };
  }
  await printOperation(events(), s.out, false);
  assert.equal(
    s.text(),
    [
      `Image ${IMG}  Pulling`,
      `Layer bbb (${IMG})  Pulling fs layer`,
      `Layer bbb (${IMG})  Downloading`,
      `Layer bbb (${IMG})  Pull complete`,
      `Image ${IMG}  Pulled`,
      'Image p-app  Building',
      'app | Step 1/2 : FROM fizz/busybox',
      '',
    ].join('\n'),
  );
  const q = sink();
  await printOperation(events(), q.out, false, { quiet: true });
  assert.equal(q.text(), '');
});

test('on a terminal: the image line carries the bar; build output scrolls above the live lines', () => {
  const s = sink();
  let t = 0;
  const p = new ProgressPrinter(s.out, true, () => t);
  p.add({ type: 'progress', resource: 'image', name: IMG, service: 'web', status: 'pulling' });
  p.add(layer('bbb', 'Downloading', 250_000, 1_000_000));
  t = 1200;
  p.add(layer('ccc', 'Already exists'));
  let frame = s.text().split('\x1b[2A').at(-1)!.replace(ESC, '');
  assert.equal(frame, `[+] Running 0/1\n ⠿ Image ${IMG}  Pulling [⣤⣿] 250kB/1MB  1.2s\n`);
  p.add({ type: 'output', service: 'app', text: 'Step 1/1 : FROM scratch' });
  assert.match(s.text().replace(ESC, ''), /app \| Step 1\/1 : FROM scratch\n\[\+\] Running 0\/1\n/);
  p.add({
    type: 'progress',
    resource: 'image',
    name: IMG,
    service: 'web',
    status: 'warning',
    detail: 'pull failed',
  });
  frame = s.text().split('\x1b[2A').at(-1)!.replace(ESC, '');
  assert.equal(frame, `[+] Running 1/1\n ! Image ${IMG}  Warning pull failed  1.2s\n`);
});
