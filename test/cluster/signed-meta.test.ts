/**
 * Signed member metadata on 3 real hosts: h3 (a member, so it holds the cluster key) sends
 * h1 an alive in h2's name signed with h3's own key, one signed with a fresh key, and a
 * replay of h2's genuinely signed alive at an older incarnation. h1 drops and counts each
 * (forged, forged, stale), and no host's view of h2 changes; a real label change of h2 is
 * then seen everywhere.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { SKIP_DOCKER, SKIP_REASON } from '../e2e/harness.js';
import { fizzOn, until } from './drive.js';
import { Cluster } from './harness.js';

const ROOT_NEEDED = process.getuid?.() !== 0;
const skip = SKIP_DOCKER ? SKIP_REASON : ROOT_NEEDED ? ' (skipped: the harness needs root)' : '';
const DIR = '/tmp/fizz-sk-signed-meta-test';
const FORGE = join(import.meta.dirname, 'forge-alive.js');

interface NodeRow {
  name: string;
  id: string;
  address: string;
  state: string;
  labels: Record<string, string>;
  incarnation: number;
  self: boolean;
  dropped?: Record<string, number>;
}

describe(`signed member metadata on 3 real hosts${skip}`, { skip: skip !== '' }, () => {
  const cluster = new Cluster({ name: 'sk', subnet: '10.247.0' });
  const fizz = fizzOn(cluster, '/');

  before(async () => {
    await cluster.down();
    mkdirSync(DIR, { recursive: true });
    await cluster.up(3);
  });
  after(async () => {
    await cluster.down();
    rmSync(DIR, { recursive: true, force: true });
  });

  const nodes = async (host: string) =>
    JSON.parse(await fizz(host, ['nodes', '--format', 'json'])) as NodeRow[];
  const viewOfH2 = async (host: string) => {
    const n = (await nodes(host)).find((x) => x.name === 'h2')!;
    return { id: n.id, address: n.address, state: n.state, labels: n.labels, incarnation: n.incarnation };
  };
  const dropped = async () => (await nodes('h1')).find((n) => n.self)!.dropped!;

  it('a forged and a replayed alive are refused and counted; the cluster is unchanged', async () => {
    const h1 = cluster.host('h1');
    const h2 = cluster.host('h2');
    const h3 = cluster.host('h3');
    const clusterKey = (JSON.parse(readFileSync(join(h1.home, 'cluster.json'), 'utf8')) as { key: string })
      .key;
    const h2Key = join(h2.home, 'cluster', 'peer.key');
    const h3Key = join(h3.home, 'cluster', 'peer.key');
    const freshKey = join(DIR, 'fresh.key');
    writeFileSync(freshKey, privateKeyToProtobuf(await generateKeyPair('Ed25519')));

    const before = await Promise.all(['h1', 'h2', 'h3'].map(viewOfH2));
    assert.ok(
      before.every((v) => v.state === 'alive' && v.incarnation > 0),
      JSON.stringify(before),
    );
    assert.deepEqual(before[0], before[2]);
    const h2View = before[0]!;
    const counts = await dropped();
    const forge = async (incarnation: number, peerKeyFile: string, labels: Record<string, string>) => {
      const r = await cluster.exec('h3', [
        process.execPath,
        FORGE,
        JSON.stringify({
          to: h1.listen,
          clusterKey,
          node: h2View.id,
          incarnation,
          addr: h2View.address,
          meta: { name: 'h2', version: 'forged', labels },
          peerKeyFile,
        }),
      ]);
      assert.equal(r.code, 0, r.stderr);
    };

    // A member (h3) signs an update in h2's name with its own key; then with a key nobody has.
    await forge(h2View.incarnation + 10, h3Key, { owned: 'h3' });
    await until(
      'h1 counts the alive h3 signed for h2',
      async () => (await dropped()).forged === counts.forged! + 1,
    );
    await forge(h2View.incarnation + 11, freshKey, { owned: 'fresh' });
    await until(
      'h1 counts the alive a fresh key signed',
      async () => (await dropped()).forged === counts.forged! + 2,
    );
    // h2's own key, an older incarnation: a replay of a recording.
    await forge(h2View.incarnation - 1, h2Key, {});
    await until('h1 counts the replayed alive', async () => (await dropped()).stale! >= counts.stale! + 1);

    for (const host of ['h1', 'h2', 'h3'])
      assert.deepEqual(await viewOfH2(host), host === 'h2' ? before[1] : h2View, `${host}'s view of h2`);
    const members = await nodes('h1');
    assert.deepEqual(members.map((m) => `${m.name}:${m.state}`).sort(), ['h1:alive', 'h2:alive', 'h3:alive']);

    // A genuine change of h2's metadata still goes through, signed at its new incarnation.
    await fizz('h2', ['label', 'h2', 'zone=b']);
    for (const host of ['h1', 'h3'])
      await until(`${host} sees h2's new label`, async () => (await viewOfH2(host)).labels.zone === 'b');
    assert.equal((await dropped()).forged, counts.forged! + 2);
  });
});
