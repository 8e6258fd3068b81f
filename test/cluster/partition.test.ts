/**
 * A 2|1 partition on real hosts, then the heal. The majority side (h1, h2) takes over the
 * cut-off host's replica; the minority (h3) keeps the one it runs and starts nothing of
 * the others'; after the heal the state merges and exactly the desired replicas run, one
 * per host again.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SKIP_DOCKER, SKIP_REASON } from '../e2e/harness.js';
import { fizzOn, until } from './drive.js';
import { Cluster } from './harness.js';

const skip = SKIP_DOCKER ? SKIP_REASON : process.getuid?.() !== 0 ? ' (skipped: the harness needs root)' : '';
const DIR = '/tmp/fizz-partition-test';

interface Row {
  State: string;
  Node?: string;
}

describe(`a 2|1 partition and its heal on 3 real hosts${skip}`, { skip: skip !== '' }, () => {
  const cluster = new Cluster({ name: 'pt', subnet: '10.240.0' });

  before(async () => {
    await cluster.down();
    mkdirSync(DIR, { recursive: true });
    writeFileSync(
      `${DIR}/compose.yaml`,
      'name: pttest\nservices:\n  worker:\n    image: fizz/busybox:latest\n    command: ["sleep", "100000"]\n    init: true\n',
    );
    await cluster.up(3);
  });
  after(() => cluster.down());

  const fizz = fizzOn(cluster, DIR);
  const engineCount = async (host: string) =>
    (await cluster.exec(host, ['docker', 'ps', '-q', '--filter', 'label=fizz.project=pttest'])).stdout
      .split('\n')
      .filter(Boolean).length;
  const states = async (host: string) =>
    new Map(
      (
        JSON.parse(await fizz(host, ['nodes', '--format', 'json'])) as Array<{ name: string; state: string }>
      ).map((n) => [n.name, n.state]),
    );
  const wait = (what: string, ok: () => Promise<boolean>, ms = 45_000) => until(what, ok, ms);

  it('starts with one replica per host', async () => {
    await fizz('h1', ['up', '-d']);
    await fizz('h1', ['scale', 'worker=3']);
    for (const h of ['h1', 'h2', 'h3']) assert.equal(await engineCount(h), 1, h);
  });

  it("the majority takes over the cut host's replica; the minority starts nothing", async () => {
    await cluster.cut('h3');
    await wait(
      'h1 and h2 run all three',
      async () => (await engineCount('h1')) + (await engineCount('h2')) === 3,
    );
    await wait('h3 sees h1 and h2 dead', async () => {
      const s = await states('h3');
      return s.get('h1') === 'dead' && s.get('h2') === 'dead';
    });
    // A pass on h3 now that it knows it is a minority (`start` runs one and waits for it; an
    // `up` would also write the file's replica count back): it keeps its own, adds nothing.
    await fizz('h3', ['start', 'worker']);
    assert.equal(await engineCount('h3'), 1, 'h3 keeps exactly the replica it ran');
  });

  it('after the heal, exactly the desired replicas run, one per host', async () => {
    await cluster.heal();
    await wait('all alive again everywhere', async () => {
      for (const h of ['h1', 'h2', 'h3']) {
        const s = await states(h);
        if ([...s.values()].some((v) => v !== 'alive') || s.size !== 3) return false;
      }
      return true;
    });
    await wait(
      'three replicas, one per host',
      async () =>
        (await engineCount('h1')) === 1 && (await engineCount('h2')) === 1 && (await engineCount('h3')) === 1,
      60_000,
    );
    const rows = JSON.parse(await fizz('h2', ['ps', '--format', 'json'])) as Row[];
    assert.deepEqual(
      rows
        .filter((r) => r.State === 'running')
        .map((r) => r.Node)
        .sort(),
      ['h1', 'h2', 'h3'],
    );
  });
});
