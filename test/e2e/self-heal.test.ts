/**
 * Fizz's self-healing against the real engine, with and without its per-service switches:
 * an unhealthy container is restarted unless `x-fizz: { restart_unhealthy: false }`; a
 * container removed by hand is made again unless `x-fizz: { recreate_removed: false }`; the
 * restarts show in `fizz ps`. And `ps` needs only the project's name: it lists the containers
 * while the file has an error deep in a service, which `fizz config` reports.
 * "Not restarted" is checked against a signal, never after a sleep: a service that heals is
 * watched until a pass that surely saw the other one unhealthy (or removed) has run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  docker,
  eventually,
  inspect,
  type PsJson,
  type Sandbox,
  SKIP_DOCKER,
  SKIP_REASON,
  sandbox,
} from './harness.js';

type Row = PsJson & { Restarts?: number };

async function rows(sb: Sandbox): Promise<Row[]> {
  const r = await sb.fizz(['ps', '-a', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout || '[]') as Row[];
}

const restartsOf = async (sb: Sandbox, service: string) =>
  (await rows(sb)).find((r) => r.Service === service)?.Restarts;

/** The ids of a service's containers, as the engine lists them. */
async function idsOf(project: string, service: string): Promise<string[]> {
  const out = await docker(
    'ps',
    '-aq',
    '--no-trunc',
    '--filter',
    `label=fizz.project=${project}`,
    '--filter',
    `label=fizz.service=${service}`,
  );
  return out.split('\n').filter(Boolean);
}

const sick = (retries: number, extra = '') => `    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      timeout: 1s
      retries: ${retries}
${extra}`;

test(`an unhealthy container is restarted and counted, unless x-fizz turns it off${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async (t) => {
  const sb = sandbox('heal');
  t.after(() => sb.cleanup());
  // steady turns unhealthy first (1 failed check), healer later (4).
  sb.compose(`services:
  healer:
${sick(4)}  steady:
${sick(1, '    x-fizz:\n      restart_unhealthy: false\n')}`);
  const up = await sb.fizz(['up', '-d']);
  assert.equal(up.code, 0, up.stderr);
  const [steadyId] = await idsOf(sb.project, 'steady');
  const steadyStarted = (await inspect(steadyId!)).State.StartedAt;
  await eventually(
    async () => ((await inspect(steadyId!)).State.Health?.Status === 'unhealthy' ? true : undefined),
    30_000,
    'steady to turn unhealthy',
  );
  // Two more restarts of healer: the pass of the second began after the first ended, so
  // after steady was unhealthy, and would have restarted steady too.
  const before = (await restartsOf(sb, 'healer')) ?? 0;
  const healed = await eventually(
    async () => {
      const n = (await restartsOf(sb, 'healer')) ?? 0;
      return n >= before + 2 ? n : undefined;
    },
    60_000,
    'healer to be restarted twice',
  );
  assert.ok(healed >= 2);
  const steady = await inspect(steadyId!);
  assert.equal(steady.State.StartedAt, steadyStarted, 'steady was restarted');
  assert.equal(steady.State.Health?.Status, 'unhealthy');
  assert.equal(await restartsOf(sb, 'steady'), 0);
  const table = await sb.fizz(['ps']);
  assert.match(table.stdout.split('\n')[0]!, /STATUS +RESTARTS +PORTS$/);
  // healer goes on being restarted: its count now is at least the one seen.
  const shown = new RegExp(`^${sb.project}-healer-1 .* (\\d+) *$`, 'm').exec(table.stdout);
  assert.ok(shown && Number(shown[1]) >= healed, table.stdout);
  const tpl = await sb.fizz(['ps', '--format', '{{.Service}}={{.Restarts}}', 'steady']);
  assert.equal(tpl.stdout, 'steady=0\n');
});

test(`a container removed by hand is made again, unless x-fizz turns it off; ps works on a file with a deep error${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async (t) => {
  const sb = sandbox('gone');
  t.after(() => sb.cleanup());
  const svc = '    image: fizz/busybox:latest\n    command: ["sleep", "3600"]\n    init: true\n';
  const yaml = `services:\n  keep:\n${svc}    x-fizz: {recreate_removed: false}\n  heal:\n${svc}`;
  sb.compose(yaml);
  const up = await sb.fizz(['up', '-d']);
  assert.equal(up.code, 0, up.stderr);
  const [keepId] = await idsOf(sb.project, 'keep');
  const [healId] = await idsOf(sb.project, 'heal');
  // keep first: the pass that makes heal again began after both were gone.
  await docker('rm', '-f', keepId!);
  await docker('rm', '-f', healId!);
  const again = await eventually(
    async () => {
      const ids = await idsOf(sb.project, 'heal');
      return ids.length === 1 && ids[0] !== healId ? ids[0] : undefined;
    },
    30_000,
    'heal to be made again',
  );
  assert.ok(again);
  assert.deepEqual(await idsOf(sb.project, 'keep'), [], 'keep was made again');
  assert.equal(await restartsOf(sb, 'heal'), 1);

  // ps needs only the project's name: an error deep in a service does not hide the containers.
  sb.compose(`${yaml}    restart: allways\n`);
  const config = await sb.fizz(['config', '-q']);
  assert.notEqual(config.code, 0);
  assert.match(config.stderr, /invalid restart policy "allways"/);
  assert.deepEqual(
    (await rows(sb)).map((r) => r.Service),
    ['heal'],
  );
  sb.compose(yaml);

  // An up brings keep back.
  const back = await sb.fizz(['up', '-d']);
  assert.equal(back.code, 0, back.stderr);
  assert.equal((await idsOf(sb.project, 'keep')).length, 1);
});
