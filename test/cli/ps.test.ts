/**
 * `fizz ps` rendering: docker compose's columns, aligned; durations as Docker words them;
 * the command quoted and cut; status and service filters; JSON fields kept stable.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from 'clipanion';
import type { PsEntry } from '../../src/api/protocol.js';
import {
  formatCommand,
  formatStatus,
  humanDuration,
  PS_FIELDS,
  psJson,
  psTable,
  renderPs,
  statusFilter,
} from '../../src/cli/commands/ps.js';
import { formatOption } from '../../src/cli/go-template.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');

function entry(over: Partial<PsEntry> = {}): PsEntry {
  return {
    project: 'shop',
    service: 'web',
    replica: 0,
    name: 'shop-web-1',
    id: 'aaa111',
    image: 'fizz/busybox:latest',
    state: 'running',
    health: 'none',
    ports: [],
    createdAt: NOW - 5 * 60_000,
    command: 'httpd -f -p 80 -h /www',
    status: 'Up 5 minutes',
    ...over,
  };
}

test('humanDuration words durations as Docker does', () => {
  const s = 1000;
  const h = 3600 * s;
  const cases: Array<[number, string]> = [
    [0, 'Less than a second'],
    [999, 'Less than a second'],
    [1 * s, '1 second'],
    [59 * s, '59 seconds'],
    [60 * s, 'About a minute'],
    [119 * s, 'About a minute'],
    [120 * s, '2 minutes'],
    [59 * 60 * s, '59 minutes'],
    [h, 'About an hour'],
    [2 * h, '2 hours'],
    [47 * h, '47 hours'],
    [48 * h, '2 days'],
    [13 * 24 * h, '13 days'],
    [14 * 24 * h, '2 weeks'],
    [60 * 24 * h, '2 months'],
    [800 * 24 * h, '2 years'],
    [-5 * s, 'Less than a second'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
});

test('the command is quoted and cut to 20 characters with an ellipsis, unless --no-trunc', () => {
  assert.equal(formatCommand('sleep 5'), '"sleep 5"');
  assert.equal(formatCommand('httpd -f -p 80 -h /www'), '"httpd -f -p 80 -h /…"');
  assert.equal([...JSON.parse(formatCommand('httpd -f -p 80 -h /www'))].length, 20);
  assert.equal(formatCommand('httpd -f -p 80 -h /www', true), '"httpd -f -p 80 -h /www"');
  assert.equal(formatCommand(`sh -c 'echo "x"'`, true), `"sh -c 'echo \\"x\\"'"`);
  assert.equal(formatCommand(undefined), '""');
});

test("the status is the engine's text, else made from state, start time and health", () => {
  assert.equal(formatStatus(entry({ status: 'Up 2 hours (healthy)' }), NOW), 'Up 2 hours (healthy)');
  const { status: _, ...noStatus } = entry();
  assert.equal(
    formatStatus({ ...noStatus, startedAt: NOW - 3000, health: 'healthy' }, NOW),
    'Up 3 seconds (healthy)',
  );
  assert.equal(formatStatus({ ...noStatus, health: 'starting' }, NOW), 'Up (health: starting)');
  assert.equal(formatStatus({ ...noStatus, state: 'exited', exitCode: 2 }, NOW), 'Exited (2)');
  assert.equal(formatStatus({ ...noStatus, state: 'created' }, NOW), 'Created');
  assert.equal(formatStatus({ ...noStatus, state: 'paused' }, NOW), 'Paused');
});

test('the table has docker compose ps columns, lined up under their headers', () => {
  const rows = [
    entry({ ports: [{ target: 80, published: 8080, protocol: 'tcp', hostIp: '0.0.0.0' }] }),
    entry({
      service: 'worker',
      name: 'shop-worker-2',
      replica: 1,
      id: 'bbb222',
      command: 'sleep 3600',
      createdAt: NOW - 2 * 3600_000,
      status: 'Exited (137) 3 seconds ago',
      state: 'exited',
      exitCode: 137,
    }),
  ];
  const out = psTable(rows, NOW);
  const lines = out.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  const header = lines[0]!;
  assert.match(header, /^NAME +IMAGE +COMMAND +SERVICE +CREATED +STATUS +PORTS$/);
  const col = (name: string) => header.indexOf(name);
  // Every cell starts exactly under its header.
  const cells: Array<[string, string[]]> = [
    ['NAME', ['shop-web-1', 'shop-worker-2']],
    ['IMAGE', ['fizz/busybox:latest', 'fizz/busybox:latest']],
    ['COMMAND', ['"httpd -f -p 80 -h /…"', '"sleep 3600"']],
    ['SERVICE', ['web', 'worker']],
    ['CREATED', ['5 minutes ago', '2 hours ago']],
    ['STATUS', ['Up 5 minutes', 'Exited (137) 3 seconds ago']],
    ['PORTS', ['0.0.0.0:8080->80/tcp', '']],
  ];
  for (const [name, values] of cells)
    for (const [i, v] of values.entries()) {
      if (v === '') continue;
      const line = lines[i + 1]!;
      assert.ok(line.slice(col(name)).startsWith(v), `${name} of row ${i + 1}: ${line}`);
      assert.ok(col(name) === 0 || line[col(name) - 1] === ' ', `${name} of row ${i + 1}: ${line}`);
    }
  // Three spaces between the widest cell of a column and the next column.
  assert.equal(col('IMAGE') - col('NAME'), 'shop-worker-2'.length + 3);
  assert.ok(lines.every((l) => l === l.trimEnd()));
});

test('renderPs: -q ids, --services unique names in order, json with stable fields and the replica', () => {
  const rows = [
    entry(),
    entry({ replica: 1, name: 'shop-web-2', id: 'aaa222' }),
    entry({ service: 'db', name: 'shop-db-1', id: 'ccc333' }),
  ];
  const how = { quiet: false, services: false, format: 'table' as const, noTrunc: false, now: NOW };
  assert.equal(renderPs(rows, { ...how, quiet: true }), 'aaa111\naaa222\nccc333\n');
  assert.equal(renderPs(rows, { ...how, services: true }), 'web\ndb\n');
  const json = JSON.parse(renderPs(rows, { ...how, format: 'json' })) as Array<Record<string, unknown>>;
  assert.equal(json.length, 3);
  assert.deepEqual(Object.keys(json[1]!), [
    'ID',
    'Name',
    'Names',
    'Project',
    'Service',
    'Replica',
    'Image',
    'Command',
    'State',
    'Status',
    'RunningFor',
    'Health',
    'ExitCode',
    'Ports',
    'Publishers',
    'CreatedAt',
  ]);
  assert.equal(json[1]!.Replica, 2);
  assert.equal(json[1]!.Command, '"httpd -f -p 80 -h /www"');
  assert.equal(json[1]!.Status, 'Up 5 minutes');
  assert.equal(json[1]!.RunningFor, '5 minutes ago');
  assert.equal(psJson(entry({ health: 'healthy' }), NOW).Health, 'healthy');
  assert.equal(renderPs([], how), 'NAME   IMAGE   COMMAND   SERVICE   CREATED   STATUS   PORTS\n');
});

test('status filters: --status (repeatable) and --filter status=, unknown states refused', () => {
  assert.equal(statusFilter([], undefined), undefined);
  assert.deepEqual([...statusFilter(['exited'], 'status=running')!].sort(), ['exited', 'running']);
  assert.throws(() => statusFilter(['sleeping'], undefined), UsageError);
  assert.throws(() => statusFilter([], 'name=web'), /only status=<state>/);
  assert.throws(() => statusFilter([], 'status=up'), /invalid status "up"/);
});

test('RESTARTS: a column after STATUS only when a replica was restarted; Restarts in JSON and templates', () => {
  const plain = psTable([entry({ restarts: 0 })], NOW);
  assert.doesNotMatch(plain, /RESTARTS/);
  const table = psTable(
    [entry({ restarts: 3 }), entry({ name: 'shop-web-2', replica: 1, id: 'b', restarts: undefined })],
    NOW,
  ).split('\n');
  assert.match(table[0]!, /^NAME +IMAGE +COMMAND +SERVICE +CREATED +STATUS +RESTARTS +PORTS$/);
  assert.match(table[1]!, /Up 5 minutes +3 *$/);
  assert.match(table[2]!, /Up 5 minutes +- *$/);
  assert.equal(psJson(entry({ restarts: 2 }), NOW).Restarts, 2);
  assert.equal('Restarts' in psJson(entry(), NOW), false);
  const out = renderPs([entry({ restarts: 4 })], {
    quiet: false,
    services: false,
    format: formatOption('{{.Name}} {{.Restarts}}', PS_FIELDS),
    noTrunc: false,
    now: NOW,
  });
  assert.equal(out, 'shop-web-1 4\n');
});
