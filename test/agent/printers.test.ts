/** The CLI's progress and log printers: plain lines off a terminal, aligned coloured prefixes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OpEvent } from '../../src/api/protocol.js';
import { LogPrinter } from '../../src/cli/log-printer.js';
import { ProgressPrinter, printOperation } from '../../src/cli/progress-printer.js';

function sink() {
  const chunks: string[] = [];
  return { out: { write: (t: string) => chunks.push(t) }, text: () => chunks.join('') };
}

test('progress without a terminal: one plain line per change, errors last', async () => {
  const s = sink();
  async function* events(): AsyncGenerator<OpEvent> {
    yield { type: 'progress', resource: 'network', name: 'demo_default', status: 'created' };
    yield { type: 'progress', resource: 'container', name: 'demo-web-1', service: 'web', status: 'creating' };
    yield { type: 'progress', resource: 'container', name: 'demo-web-1', service: 'web', status: 'started' };
    yield { type: 'done', ok: false, errors: ['service "db": image "nope" is not present'] };
  }
  const done = await printOperation(events(), s.out, false);
  assert.equal(done.ok, false);
  assert.equal(
    s.text(),
    [
      'Network demo_default  Created',
      'Container demo-web-1  Creating',
      'Container demo-web-1  Started',
      'error: service "db": image "nope" is not present',
      '',
    ].join('\n'),
  );
});

test('progress on a terminal: one live line per resource, redrawn in place', () => {
  const s = sink();
  let t = 0;
  const p = new ProgressPrinter(s.out, true, () => t);
  p.add({ type: 'progress', resource: 'container', name: 'a-1', status: 'creating' });
  t = 500;
  p.add({ type: 'progress', resource: 'container', name: 'b-1', status: 'creating' });
  t = 1000;
  p.add({ type: 'progress', resource: 'container', name: 'a-1', status: 'started' });
  const last = s.text().split('\x1b[3A').at(-1)!;
  const plain = last.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g'), '');
  assert.equal(plain, '[+] Running 1/2\n ✔ Container a-1  Started  1.0s\n ⠿ Container b-1  Creating  0.5s\n');
});

test('log prefixes align to the widest name and colour by service', () => {
  const s = sink();
  const p = new LogPrinter(s.out, false, ['web-1', 'database-1']);
  p.print({ type: 'log', service: 'web', replica: 0, container: 'x', stream: 'stdout', text: 'hello\n' });
  p.print({ type: 'log', service: 'database', replica: 0, container: 'y', stream: 'stderr', text: 'ready' });
  assert.equal(s.text(), 'web-1      | hello\ndatabase-1 | ready\n');
  const c = sink();
  new LogPrinter(c.out, true).print({
    type: 'log',
    service: 'web',
    replica: 1,
    container: 'x',
    stream: 'stdout',
    text: 'hi',
  });
  const esc = String.fromCharCode(27);
  assert.match(c.text(), new RegExp(`^${esc}\\[\\d+mweb-2 \\|${esc}\\[0m hi\n$`));
});
