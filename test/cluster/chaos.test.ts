/**
 * Faults at random on 4 real hosts — kill, restart, cut, heal — in a seeded order, then
 * everything healed and restarted: the cluster must end with every replica running exactly
 * once. The seed is printed; FIZZ_SEED replays a run.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SKIP_DOCKER, SKIP_REASON } from '../e2e/harness.js';
import { Cluster } from './harness.js';

const skip = SKIP_DOCKER ? SKIP_REASON : process.getuid?.() !== 0 ? ' (skipped: the harness needs root)' : '';
const DIR = '/tmp/fizz-chaos-test';
const REPLICAS = 8;
const HOSTS = ['h1', 'h2', 'h3', 'h4'];

/** mulberry32: a small seeded generator, so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe(`faults at random on 4 real hosts end with every replica exactly once${skip}`, {
  skip: skip !== '',
}, () => {
  const cluster = new Cluster({ name: 'ch', subnet: '10.241.0' });
  const seed = Number(process.env.FIZZ_SEED ?? Date.now() % 100_000);

  before(async () => {
    await cluster.down();
    mkdirSync(DIR, { recursive: true });
    writeFileSync(
      `${DIR}/compose.yaml`,
      `name: chtest\nservices:\n  worker:\n    image: fizz/busybox:latest\n    command: ["sleep", "100000"]\n    init: true\n    deploy:\n      replicas: ${REPLICAS}\n`,
    );
    await cluster.up(HOSTS.length);
  });
  after(() => cluster.down());

  const running = async (host: string) =>
    (
      await cluster.exec(host, [
        'docker',
        'ps',
        '--filter',
        'label=fizz.project=chtest',
        '--format',
        '{{.Label "fizz.slot"}}',
      ])
    ).stdout
      .split('\n')
      .filter(Boolean);

  it(`seed ${seed}: kills, restarts, cuts and heals, then exactly once`, async (t) => {
    t.diagnostic(`seed ${seed} (replay with FIZZ_SEED=${seed})`);
    const up = await cluster.exec('h1', ['fizz', 'up', '-d'], { cwd: DIR, timeoutMs: 120_000 });
    assert.equal(up.code, 0, up.stderr);
    const rand = random(seed);
    const killed = new Set<string>();
    const log: string[] = [];
    for (let step = 0; step < 8; step++) {
      const host = HOSTS[Math.floor(rand() * HOSTS.length)]!;
      const r = rand();
      if (killed.has(host)) {
        await cluster.restart(host);
        killed.delete(host);
        log.push(`restart ${host}`);
      } else if (r < 0.4 && killed.size < 1) {
        await cluster.kill(host);
        killed.add(host);
        log.push(`kill ${host}`);
      } else if (r < 0.7) {
        await cluster.cut(host);
        log.push(`cut ${host}`);
      } else {
        await cluster.heal();
        log.push('heal');
      }
      // Let the fault take effect for 1–4 s (membership reacts within ~2 s).
      await new Promise((res) => setTimeout(res, 1000 + rand() * 3000));
    }
    await cluster.heal();
    for (const host of killed) await cluster.restart(host);
    log.push('heal all, restart the killed');
    t.diagnostic(log.join('; '));

    const deadline = Date.now() + 120_000;
    let last = '';
    for (;;) {
      const slots = (await Promise.all(HOSTS.map(running))).flat().sort();
      last = slots.join(',');
      const unique = new Set(slots);
      if (slots.length === REPLICAS && unique.size === REPLICAS) break;
      if (Date.now() > deadline)
        assert.fail(
          `seed ${seed}: after ${log.join('; ')}: running slots ${last}, want 0..${REPLICAS - 1} once each`,
        );
      await new Promise((res) => setTimeout(res, 500));
    }
  });
});
