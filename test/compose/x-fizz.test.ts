/** A service's x-fizz section is checked like the rest of the file: unknown keys and bad values at file:line:col. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempProject } from './helpers.js';

test('x-fizz: unknown keys and bad values are errors at their line and column', async (t) => {
  const p = tempProject({
    'compose.yaml': [
      'services:',
      '  web:',
      '    image: busybox',
      '    x-fizz:',
      '      restart_unhealty: false',
      '      recreate_removed: "no"',
      '      weight: -1',
      '  db:',
      '    image: busybox',
      '    x-fizz: [a]',
      '',
    ].join('\n'),
  });
  t.after(() => p.cleanup());
  const errors = (await p.fail()).errors.map((e) => `${e.name} ${e.line}:${e.column} ${e.path} ${e.reason}`);
  assert.deepEqual(errors, [
    'ComposeValueError 5:7 services.web.x-fizz.restart_unhealty x-fizz of service "web" has an unknown key "restart_unhealty"',
    'ComposeValueError 6:25 services.web.x-fizz.recreate_removed x-fizz.recreate_removed of service "web" is "no"',
    'ComposeValueError 7:15 services.web.x-fizz.weight x-fizz.weight of service "web" is -1',
    'ComposeValueError 10:13 services.db.x-fizz x-fizz of service "db" must be a mapping',
  ]);
  const first = (await p.fail()).errors[0]!;
  assert.equal(first.suggestion, 'restart_unhealthy');
});

test('x-fizz: the known keys load and are carried to the spec', async (t) => {
  const p = tempProject({
    'compose.yaml':
      'services:\n  web:\n    image: busybox\n    x-fizz: {restart_unhealthy: false, recreate_removed: false, weight: 2, move_volumes: true}\n',
  });
  t.after(() => p.cleanup());
  const spec = await p.load();
  assert.deepEqual(spec.services.web!['x-fizz'], {
    restart_unhealthy: false,
    recreate_removed: false,
    weight: 2,
    move_volumes: true,
  });
});
