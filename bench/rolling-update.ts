/**
 * `rolling-update`: on 3 real hosts (the harness of test/cluster), a 6-replica web service
 * with a healthcheck is updated start-first, one replica at a time, while a steady client
 * requests its published ports (balancing over the healthy containers the engines list,
 * dropping one as soon as its engine starts stopping it: test/cluster/steady-client.ts).
 * Then `fizz rollback web` under the same client. Keys: `update_s` (the `fizz up` that
 * updates, until it returns with every replica at the new spec), `failed_requests` (bar 0,
 * over the update and the rollback), `rollback_s`. Needs root.
 *
 *   npm run bench -- rolling-update [--replicas 6]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Cluster } from '../test/cluster/harness.js';
import { rollingCompose } from '../test/cluster/rolling-compose.js';
import { SteadyClient } from '../test/cluster/steady-client.js';
import { type Benchmark, parseOptions, round } from './benchmark.js';

const PROJECT = 'rubench';
const DIR = '/tmp/fizz-rolling-bench';

const bench: Benchmark = {
  name: 'rolling-update',
  description:
    'a 6-replica service updated start-first across 3 hosts under a steady client; then rolled back',
  async run(args) {
    const opts = parseOptions(args);
    const replicas = Number(opts.get('replicas') ?? 6);
    const cluster = new Cluster({
      name: 'ru',
      subnet: '10.237.0',
      progress: (l) => process.stderr.write(`${l}\n`),
    });
    await cluster.down();
    mkdirSync(DIR, { recursive: true });
    const compose = (version: string) =>
      rollingCompose(PROJECT, { version, replicas, update: { parallelism: 1, order: 'start-first' } });
    const fizz = async (args: string[]) => {
      const started = performance.now();
      const r = await cluster.exec('h1', ['fizz', ...args], { cwd: DIR, timeoutMs: 300_000 });
      if (r.code !== 0) throw new Error(`fizz ${args.join(' ')}: ${r.stderr}`);
      return (performance.now() - started) / 1000;
    };
    try {
      await cluster.up(3);
      writeFileSync(`${DIR}/compose.yaml`, compose('v1'));
      await fizz(['up', '-d', '--wait']);
      const client = new SteadyClient(cluster, PROJECT);
      await client.start(replicas);
      const load = client.run();
      writeFileSync(`${DIR}/compose.yaml`, compose('v2'));
      const updateS = await fizz(['up', '-d']);
      const afterUpdate = { ...client.counts, bodies: new Map(client.counts.bodies) };
      const rollbackS = await fizz(['rollback', 'web']);
      await new Promise((r) => setTimeout(r, 1000));
      const counts = await client.stop();
      await load;
      const failedUpdate = afterUpdate.failed;
      return {
        rows: [
          [
            'update_s',
            round(updateS),
            `fizz up of ${replicas} replicas, start-first, parallelism 1, 3 hosts`,
          ],
          [
            'rollback_s',
            round(rollbackS),
            'fizz rollback web (rollback_config defaults: stop-first, parallelism 1)',
          ],
          [
            'failed_requests',
            counts.failed,
            `${failedUpdate} during the update; ${counts.errors.join('; ')}`,
          ],
          [
            'requests',
            counts.ok + counts.failed,
            `v1 ${counts.bodies.get('v1') ?? 0}, v2 ${counts.bodies.get('v2') ?? 0}`,
          ],
        ],
        json: {
          update_s: round(updateS),
          failed_requests: counts.failed,
          rollback_s: round(rollbackS),
          failed_requests_update: failedUpdate,
          requests: counts.ok + counts.failed,
          replicas,
        },
      };
    } finally {
      await cluster.down();
    }
  },
};

export default bench;
