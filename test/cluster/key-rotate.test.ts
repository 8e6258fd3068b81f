/**
 * `fizz key rotate` on 3 real hosts: while it runs, a watcher polls every host's member list
 * (what `fizz nodes` shows) and never sees a member other than alive, nor a packet refused
 * for its key; afterwards every member holds the same new key and nothing else, a token made
 * before cannot join, a SWIM packet sealed with the old key is dropped unopened, and a
 * member restarted after the rotation rejoins with the new key.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { AgentClient } from '../../src/api/client.js';
import { clusterNodes } from '../../src/api/cluster-api.js';
import { SKIP_DOCKER, SKIP_REASON } from '../e2e/harness.js';
import { fizzOn, until } from './drive.js';
import { Cluster } from './harness.js';

const ROOT_NEEDED = process.getuid?.() !== 0;
const skip = SKIP_DOCKER ? SKIP_REASON : ROOT_NEEDED ? ' (skipped: the harness needs root)' : '';
const MEMBERS = ['h1', 'h2', 'h3'];
const FORGE = join(import.meta.dirname, 'forge-alive.js');

interface NodeRow {
  name: string;
  state: string;
  incarnation: number;
  self: boolean;
  dropped?: Record<string, number>;
}
interface Config {
  key: string;
  id?: string;
  accept?: string[];
  address: string;
  name: string;
  seeds: string[];
}

describe(`fizz key rotate on 3 real hosts${skip}`, { skip: skip !== '' }, () => {
  const cluster = new Cluster({ name: 'sk', subnet: '10.247.0' });
  const fizz = fizzOn(cluster, '/');

  before(async () => {
    await cluster.down();
    await cluster.up(4, { join: false });
  });
  after(() => cluster.down());

  const nodes = async (host: string) =>
    JSON.parse(await fizz(host, ['nodes', '--format', 'json'])) as NodeRow[];
  const config = (host: string) =>
    JSON.parse(readFileSync(join(cluster.host(host).home, 'cluster.json'), 'utf8')) as Config;

  it('every member stays alive throughout; old token and old key are out; a restart rejoins', async () => {
    const h1 = cluster.host('h1');
    const first = (await fizz('h1', ['init', '--listen', h1.listen, '--name', 'h1', '-q'])).trim();
    for (const h of ['h2', 'h3'])
      await fizz(h, ['join', h1.listen, '--token', first, '--listen', cluster.host(h).listen, '--name', h]);
    await until(
      '3 alive members',
      async () => (await nodes('h1')).filter((n) => n.state === 'alive').length === 3,
    );
    const oldToken = (await fizz('h1', ['token'])).trim();
    const old = config('h1');

    // The watcher: every host's member list (the API `fizz nodes` reads, through each agent's
    // socket) every 20 ms until the rotation ends; and no packet refused for its key.
    let rotating = true;
    const samples = new Map<string, number>(MEMBERS.map((h) => [h, 0]));
    const bad: string[] = [];
    const watch = async (host: string) => {
      const client = new AgentClient(join(cluster.host(host).home, 'agent.sock'));
      while (rotating) {
        const res = await clusterNodes(client);
        const view = res.nodes.map((n) => `${n.name}:${n.state}`).sort();
        samples.set(host, samples.get(host)! + 1);
        if (view.join(' ') !== 'h1:alive h2:alive h3:alive') bad.push(`${host} saw ${view.join(' ')}`);
        const auth = res.nodes.find((n) => n.self)?.dropped?.auth;
        if (auth !== 0) bad.push(`${host} refused ${auth} packets for their key`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const watchers = MEMBERS.map(watch);
    const started = Date.now();
    const out = await fizz('h1', ['key', 'rotate']).finally(() => {
      rotating = false;
    });
    const took = Date.now() - started;
    await Promise.all(watchers);
    assert.match(out, /^cluster key rotated on 3 members \([0-9a-f]{16}\)/);
    assert.deepEqual(bad, []);
    for (const [host, n] of samples) assert.ok(n >= 10, `${host}'s view was polled ${n} times in ${took} ms`);
    console.log(
      `# rotation took ${took} ms; views polled ${[...samples.values()].join('/')} times, all alive`,
    );

    // Every member: one new key, nothing else accepted, the cluster id unchanged.
    const after = MEMBERS.map(config);
    for (const c of after) {
      assert.equal(c.key, after[0]!.key);
      assert.notEqual(c.key, old.key);
      assert.deepEqual(c.accept ?? [], []);
      assert.equal(c.id, after[0]!.id);
    }

    // A token made before the rotation admits nobody.
    const h4 = cluster.host('h4');
    const r = await cluster.exec(
      'h4',
      ['fizz', 'join', h1.listen, '--token', oldToken, '--listen', h4.listen, '--name', 'h4'],
      { timeoutMs: 60_000 },
    );
    assert.notEqual(r.code, 0, 'h4 joined with a token made before the rotation');
    assert.match(r.stderr, /did not answer/);

    // A SWIM packet sealed with the old key is dropped unopened (auth); the same packet sealed
    // with the new key opens, and is then dropped only for its signature (forged).
    const keyFile = join(h4.home, 'outsider.key');
    writeFileSync(keyFile, privateKeyToProtobuf(await generateKeyPair('Ed25519')));
    const send = async (clusterKey: string) => {
      const r = await cluster.exec('h4', [
        process.execPath,
        FORGE,
        JSON.stringify({
          to: h1.listen,
          clusterKey,
          clusterId: after[0]!.id,
          node: 'node-outsider',
          incarnation: 1,
          addr: h4.listen,
          meta: { name: 'h4' },
          peerKeyFile: keyFile,
        }),
      ]);
      assert.equal(r.code, 0, r.stderr);
    };
    const dropped = async () => (await nodes('h1')).find((n) => n.self)!.dropped!;
    const d0 = await dropped();
    await send(old.key);
    await until(
      'h1 drops the packet sealed with the old key',
      async () => (await dropped()).auth! > d0.auth!,
    );
    await send(after[0]!.key);
    await until(
      'h1 opens the one sealed with the new key',
      async () => (await dropped()).forged! > d0.forged!,
    );
    assert.deepEqual((await nodes('h1')).map((n) => n.name).sort(), MEMBERS);

    // A member restarted after the rotation comes back with the new key.
    const inc = (await nodes('h1')).find((n) => n.name === 'h2')!.incarnation;
    await cluster.kill('h2');
    await cluster.restart('h2');
    await until(
      'h1 sees h2 back',
      async () => {
        const h2 = (await nodes('h1')).find((n) => n.name === 'h2');
        return h2?.state === 'alive' && h2.incarnation > inc;
      },
      90_000,
    );
    assert.equal(config('h2').key, after[0]!.key);
  });
});
