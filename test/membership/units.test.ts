/** Pure parts of the membership wiring: frames, key derivation, addresses, member views. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  addressOfMultiaddr,
  isPeerId,
  multiaddrOf,
  splitAddress,
  swimKeyFromClusterKey,
} from '../../src/agent/membership/keys.js';
import {
  desiredPeers,
  libp2pAddrOfMember,
  selfMeta,
  toPlacementMember,
} from '../../src/agent/membership/member-view.js';
import { encodeFrame, readFrame } from '../../src/agent/membership/swim-frame.js';
import { pskFromClusterKey } from '../../src/net/keys.js';
import type { Member } from '../../swim/index.js';

async function* chunks(...parts: Uint8Array[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield p;
}

test('frame: a round trip, split at every byte', async () => {
  const payload = new Uint8Array([1, 2, 3, 4, 5, 6, 7]);
  const framed = encodeFrame(payload);
  for (let cut = 0; cut <= framed.length; cut++) {
    const got = await readFrame(chunks(framed.subarray(0, cut), framed.subarray(cut)), 100);
    assert.deepEqual(got, payload, `cut at ${cut}`);
  }
});

test('frame: a length over the cap is refused from the header alone', async () => {
  const header = new Uint8Array([0xff, 0xff, 0xff, 0xff]);
  await assert.rejects(readFrame(chunks(header), 1024), { name: 'SwimFrameError', reason: 'oversize' });
});

test('frame: a stream that ends inside a frame is truncated; an empty one is null', async () => {
  const framed = encodeFrame(new Uint8Array(10));
  await assert.rejects(readFrame(chunks(framed.subarray(0, 9)), 1024), {
    name: 'SwimFrameError',
    reason: 'truncated',
  });
  await assert.rejects(readFrame(chunks(framed.subarray(0, 2)), 1024), { reason: 'truncated' });
  assert.equal(await readFrame(chunks(), 1024), null);
});

test('frame: hostile bytes give a frame, null or a SwimFrameError — nothing else', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 5 }), async (parts) => {
      try {
        const got = await readFrame(chunks(...parts), 32);
        if (got !== null) assert.ok(got.length <= 32);
      } catch (err) {
        assert.equal((err as Error).name, 'SwimFrameError');
      }
    }),
    { numRuns: 500 },
  );
});

test('keys: the SWIM key is HKDF of the cluster key, distinct from the libp2p pnet key', () => {
  const k = 'a-cluster-key-of-some-length';
  const swim = swimKeyFromClusterKey(k);
  assert.equal(swim.length, 32);
  assert.deepEqual(swimKeyFromClusterKey(k), swim, 'deterministic');
  assert.notDeepEqual(swimKeyFromClusterKey(`${k}!`), swim, 'another cluster key, another SWIM key');
  const pnetHex = /\/base16\/\n([0-9a-f]+)/.exec(new TextDecoder().decode(pskFromClusterKey(k)))![1]!;
  assert.notEqual(Buffer.from(swim).toString('hex'), pnetHex);
  assert.notEqual(
    Buffer.from(swim).toString('hex'),
    createHash('sha256').update(k).digest('hex'),
    'not a bare hash of the key',
  );
  assert.throws(() => swimKeyFromClusterKey('short'), { name: 'ClusterKeyError' });
});

test('addresses: host:port ↔ multiaddr', () => {
  assert.deepEqual(splitAddress('127.0.0.1:7946'), { host: '127.0.0.1', port: 7946 });
  assert.deepEqual(splitAddress('[::1]:7946'), { host: '::1', port: 7946 });
  assert.equal(splitAddress('127.0.0.1:99999').port, 0);
  assert.equal(splitAddress('nonsense').port, 0);
  const id = '12D3KooWA4ND86UNZ3jq5SDEUFTZcUiiQLTLQo4mDXznNZr7HBVg';
  assert.equal(multiaddrOf('10.0.0.2:7946', id), `/ip4/10.0.0.2/tcp/7946/p2p/${id}`);
  assert.equal(multiaddrOf('10.0.0.2:7946'), '/ip4/10.0.0.2/tcp/7946');
  assert.equal(multiaddrOf('[::1]:7946'), '/ip6/::1/tcp/7946');
  assert.equal(multiaddrOf('node-1.lan:7946'), '/dns/node-1.lan/tcp/7946');
  assert.equal(multiaddrOf('bad/host:1'), null);
  assert.equal(multiaddrOf('10.0.0.2'), null);
  assert.equal(addressOfMultiaddr(`/ip4/10.0.0.2/tcp/5555/p2p/${id}`), '10.0.0.2:5555');
  assert.ok(isPeerId(id));
  assert.ok(!isPeerId('12D3/../../etc'));
});

const ID_B = '12D3KooWMFNrwZVFaJTWWv2X12KBeEN9P1jN76TZ9ygp8d4EEAyY';
const ID_C = '12D3KooWA4ND86UNZ3jq5SDEUFTZcUiiQLTLQo4mDXznNZr7HBVg';

function member(name: string, state: Member['state'], address: string, peerId?: string): Member {
  return {
    name,
    address,
    incarnation: 1,
    state,
    meta: peerId
      ? selfMeta({ multiaddr: `/ip4/9.9.9.9/tcp/1/p2p/${peerId}`, version: '1', labels: { zone: name } })
      : {},
  };
}

test('member view: libp2p peers are the alive and suspect members but self, at their SWIM address', () => {
  const ms = [
    member('a', 'alive', '127.0.0.1:1000', ID_C),
    member('b', 'alive', '127.0.0.1:1001', ID_B),
    member('c', 'suspect', '127.0.0.1:1002', ID_C),
    member('d', 'dead', '127.0.0.1:1003', ID_B),
    member('e', 'left', '127.0.0.1:1004', ID_B),
    member('f', 'alive', '127.0.0.1:1005'),
    {
      ...member('g', 'alive', '127.0.0.1:1006'),
      meta: { addresses: { libp2p: '/ip4/1.2.3.4/tcp/1/p2p/not-a-peer-id!' } },
    },
  ];
  assert.deepEqual(desiredPeers(ms, 'a'), [
    `/ip4/127.0.0.1/tcp/1001/p2p/${ID_B}`,
    `/ip4/127.0.0.1/tcp/1002/p2p/${ID_C}`,
  ]);
  // The advertised multiaddr only lends its peer id: the address is the one SWIM uses.
  assert.equal(libp2pAddrOfMember(ms[1]!), `/ip4/127.0.0.1/tcp/1001/p2p/${ID_B}`);
  assert.equal(libp2pAddrOfMember(ms[6]!), null, 'hostile metadata is ignored');
});

test('member view: placement members carry status and labels', () => {
  assert.deepEqual(toPlacementMember(member('d', 'dead', '127.0.0.1:1', ID_B)), {
    id: 'd',
    name: 'd',
    status: 'dead',
    labels: { zone: 'd' },
  });
  const weighted = { ...member('w', 'alive', '127.0.0.1:1'), meta: { capacity: { weight: 2 } } };
  assert.equal(toPlacementMember(weighted).capacity, 2);
});
