/**
 * The cluster on real hosts (network namespaces, an engine and an agent each): init and
 * join, a replicated project spread one replica per host, a host killed with everything on
 * it and its replicas back on the survivors, the host restarted and adopting with no twin,
 * and a wrong token refused with nothing changed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { encodeJoinToken } from '../../src/agent/cluster/token.js';
import { SKIP_DOCKER, SKIP_REASON } from '../e2e/harness.js';
import { agentPid } from './agent.js';
import { fizzOn, until } from './drive.js';
import { Cluster } from './harness.js';

const ROOT_NEEDED = process.getuid?.() !== 0;
const skip = SKIP_DOCKER ? SKIP_REASON : ROOT_NEEDED ? ' (skipped: the harness needs root)' : '';
const DIR = '/tmp/fizz-failover-test';

interface Row {
  Service: string;
  State: string;
  Node?: string;
  Replica: number;
}

describe(`cluster failover on 3 real hosts${skip}`, { skip: skip !== '' }, () => {
  const cluster = new Cluster({ name: 'fo', subnet: '10.232.0' });

  before(async () => {
    await cluster.down();
    mkdirSync(DIR, { recursive: true });
    writeFileSync(
      `${DIR}/compose.yaml`,
      [
        'name: fotest',
        'services:',
        '  worker:',
        '    image: fizz/busybox:latest',
        '    command: ["sleep", "100000"]',
        '    init: true',
        '',
      ].join('\n'),
    );
    await cluster.up(3);
  });
  after(() => cluster.down());

  const fizz = fizzOn(cluster, DIR);
  const rows = async (host: string): Promise<Row[]> =>
    JSON.parse(await fizz(host, ['ps', '--format', 'json']));

  it('scale spreads one replica per host, and every node lists all of them', async () => {
    await fizz('h1', ['up', '-d']);
    await fizz('h2', ['scale', 'worker=3']);
    for (const h of ['h1', 'h2', 'h3']) {
      const running = (await rows(h)).filter((r) => r.State === 'running');
      assert.deepEqual(
        running.map((r) => r.Node).sort(),
        ['h1', 'h2', 'h3'],
        `${h} sees ${JSON.stringify(running)}`,
      );
    }
  });

  it("a killed host's replicas run on the survivors, exactly once", async () => {
    await cluster.kill('h3');
    await until('3 workers running on h1 and h2', async () => {
      const running = (await rows('h1')).filter((r) => r.State === 'running');
      return running.length === 3 && running.every((r) => r.Node === 'h1' || r.Node === 'h2');
    });
    const replicas = (await rows('h2')).filter((r) => r.State === 'running').map((r) => r.Replica);
    assert.deepEqual(replicas.sort(), [1, 2, 3]);
    // Once the view settled (10 s), the majority drops h3's status entry: it counts as running nothing.
    const h3 = async () =>
      (
        JSON.parse(await fizz('h1', ['nodes', '--format', 'json'])) as Array<{
          name: string;
          state: string;
          replicas: number;
        }>
      ).find((n) => n.name === 'h3');
    assert.equal((await h3())?.state, 'dead');
    await until('h3 counted as running nothing', async () => (await h3())?.replicas === 0);
  });

  it('the restarted host rejoins, takes its replica back, and no twin is left', async () => {
    await cluster.restart('h3');
    await until(
      'one worker per host again, three in all',
      async () => {
        const running = (await rows('h1')).filter((r) => r.State === 'running');
        return running.length === 3 && new Set(running.map((r) => r.Node)).size === 3;
      },
      60_000,
    );
    for (const h of ['h1', 'h2', 'h3']) {
      const r = await cluster.exec(h, ['docker', 'ps', '-q', '--filter', 'label=fizz.project=fotest']);
      assert.equal(r.stdout.trim().split('\n').filter(Boolean).length, 1, `${h} runs exactly one replica`);
    }
  });

  it('an agent killed with kill -9 while its engine runs adopts its container on return; no twin is left', async () => {
    const pid = agentPid(cluster.host('h2'));
    assert.ok(pid, 'h2 has an agent');
    process.kill(pid, 'SIGKILL');
    await until('h1 sees h2 dead', async () => {
      const nodes = JSON.parse(await fizz('h1', ['nodes', '--format', 'json'])) as Array<{
        name: string;
        state: string;
      }>;
      return nodes.find((n) => n.name === 'h2')?.state === 'dead';
    });
    // Meanwhile a survivor runs a copy of h2's replica (h2's engine still runs its own).
    await cluster.restart('h2');
    await until(
      'one replica per host again',
      async () => {
        const counts = await Promise.all(
          ['h1', 'h2', 'h3'].map(
            async (h) =>
              (await cluster.exec(h, ['docker', 'ps', '-q', '--filter', 'label=fizz.project=fotest'])).stdout
                .split('\n')
                .filter(Boolean).length,
          ),
        );
        return counts.every((n) => n === 1);
      },
      60_000,
    );
  });

  it('a wrong token is refused and changes nothing', async () => {
    const bad = encodeJoinToken({
      secret: new Uint8Array(32).fill(9),
      fingerprint: new Uint8Array(8),
      addresses: ['10.232.0.11:7171'],
    });
    await fizz('h3', ['leave']);
    const r = await cluster.exec('h3', ['fizz', 'join', '10.232.0.11:7171', '--token', bad], {
      timeoutMs: 60_000,
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /could not join/);
    const nodes = JSON.parse(await fizz('h1', ['nodes', '--format', 'json'])) as Array<{
      name: string;
      state: string;
    }>;
    assert.deepEqual(
      nodes
        .filter((n) => n.state === 'alive')
        .map((n) => n.name)
        .sort(),
      ['h1', 'h2'],
    );
  });
});
