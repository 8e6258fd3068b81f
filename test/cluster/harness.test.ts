/**
 * The multi-host harness on real namespaces and engines: two hosts come up with an engine and
 * an agent each, the engines are isolated from each other, a published port is reachable
 * across hosts, cut/loss/heal really change reachability, kill/restart keep the disks, and
 * `down` leaves nothing behind. Its own cluster name and subnet, so a cluster a person has up
 * (`npm run cluster -- up`) is not touched.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SKIP_DOCKER, SKIP_REASON } from '../e2e/harness.js';
import { agentAnswers } from './agent.js';
import { engineAnswers } from './engine.js';
import { Cluster } from './harness.js';
import { leftovers } from './leftovers.js';
import { hostProcesses } from './procs.js';
import { poll } from './sh.js';

const NOT_ROOT = process.getuid?.() !== 0;
const SKIP = SKIP_DOCKER || NOT_ROOT;
const REASON = SKIP_DOCKER
  ? SKIP_REASON
  : NOT_ROOT
    ? ' (skipped: needs root for namespaces and dockerd)'
    : '';

const WEB = `name: hweb
services:
  web:
    image: fizz/busybox:latest
    command: httpd -f -p 80 -h /www
    init: true
    ports: ["8080:80"]
`;

async function get(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1500) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

test(`two hosts: own engines, isolated; cut, loss and heal change reachability; kill and restart; down leaves nothing${REASON}`, {
  skip: SKIP,
  timeout: 180_000,
}, async (t) => {
  const cluster = new Cluster({ name: 'fzht', subnet: '10.231.200' });
  const project = mkdtempSync('/tmp/fz-cluster-test-');
  t.after(async () => {
    await cluster.down();
    rmSync(project, { recursive: true, force: true });
  });
  await cluster.down(); // what a crashed earlier run left
  await cluster.up(2, { join: false });
  const [h1, h2] = cluster.hosts();
  assert.ok(h1 && h2);

  // Each engine answers on its own socket, from inside its host, with the image loaded.
  for (const h of [h1, h2]) {
    assert.ok(await engineAnswers(h.engineSocket), `${h.name}'s engine`);
    assert.ok(await agentAnswers(h), `${h.name}'s agent`);
    const img = await cluster.exec(h.name, [
      'docker',
      'image',
      'inspect',
      '-f',
      '{{.Id}}',
      'fizz/busybox:latest',
    ]);
    assert.equal(img.code, 0, img.stderr);
  }

  // Isolation: a container on h1's engine is not on h2's.
  const run = await cluster.exec('h1', [
    'docker',
    'run',
    '-d',
    '--name',
    'iso',
    'fizz/busybox:latest',
    'sleep',
    '600',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const names = async (h: string) =>
    (await cluster.exec(h, ['docker', 'ps', '-a', '--format', '{{.Names}}'])).stdout;
  assert.match(await names('h1'), /^iso$/m);
  assert.doesNotMatch(await names('h2'), /iso/);

  // The agent answers: `fizz up -d` on h1, its published port answers at h1's address,
  // from the root namespace and from h2 (through the bridge and the FORWARD rule).
  writeFileSync(join(project, 'compose.yaml'), WEB);
  const up = await cluster.exec('h1', ['fizz', 'up', '-d'], { cwd: project });
  assert.equal(up.code, 0, up.stderr);
  const ps = await cluster.exec('h1', ['fizz', 'ps'], { cwd: project });
  assert.match(ps.stdout, /^hweb-web-1\s.*Up /m);
  const url = `http://${h1.address}:8080/`;
  assert.match((await poll(() => get(url), 10_000)) ?? '', /Hello from Fizz/);
  // busybox 1.35's wget crashes with -T: the exec's own timeout bounds it instead.
  const fromH2 = () => cluster.exec('h2', ['busybox', 'wget', '-q', '-O', '-', url], { timeoutMs: 3000 });
  assert.match((await fromH2()).stdout, /Hello from Fizz/);

  // Cut and heal: ping between the namespaces, both directions, and the published port.
  const ping = async (from: string, to: string) =>
    (await cluster.exec(from, ['busybox', 'ping', '-c', '1', '-W', '1', to])).code === 0;
  assert.ok(await ping('h1', h2.address));
  await cluster.cut('h2');
  assert.equal(await ping('h1', h2.address), false, 'h1 reaches a cut h2');
  assert.equal(await ping('h2', h1.address), false, 'a cut h2 reaches h1');
  assert.notEqual((await fromH2()).code, 0, 'a cut h2 fetches from h1');
  assert.match((await cluster.status({ members: false })).find((s) => s.name === 'h2')!.faults, /^cut$/);
  await cluster.heal();
  assert.ok(await ping('h1', h2.address), 'healed');
  assert.ok(await ping('h2', h1.address), 'healed');

  // Cut from one peer only, then total loss, each healed.
  await cluster.cut('h1', ['h2']);
  assert.equal(await ping('h2', h1.address), false);
  assert.match((await get(url)) ?? '', /Hello/, 'the root namespace still reaches h1');
  await cluster.heal();
  await cluster.loss('h1', 1);
  assert.equal(await ping('h2', h1.address), false);
  await cluster.heal();
  assert.ok(await ping('h2', h1.address));

  // Kill: nothing of h1 is left running; h2 goes on. Restart: same disks, same containers.
  await cluster.kill('h1');
  assert.deepEqual(hostProcesses(h1), []);
  assert.equal(await engineAnswers(h1.engineSocket), false);
  assert.equal(await get(url), undefined);
  assert.ok(await engineAnswers(h2.engineSocket));
  await cluster.restart('h1');
  assert.ok(await agentAnswers(h1));
  assert.match(await names('h1'), /^iso$/m);

  await cluster.down();
  assert.deepEqual(await leftovers(cluster.layout), []);
  await cluster.down(); // idempotent
});
