/**
 * Key rotation without a network: the new key sealed to each member and no one else, the
 * pure phase step, the SWIM keyring at every phase (each pair of members always shares a
 * key the sender seals with and the receiver opens), and the whole rotation run over two
 * replicated states that a member's acknowledgements travel through.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { ClusterState } from '../../../crdt/index.js';
import type { ClusterConfig } from '../../../src/agent/cluster/config.js';
import {
  clusterIdOf,
  KeyRotation,
  keyStep,
  PHASES,
  syncKeyring,
} from '../../../src/agent/cluster/key-rotation.js';
import { openKey, sealKey } from '../../../src/agent/cluster/key-seal.js';
import { silentLogger } from '../../../src/agent/logger.js';
import { swimKeyFromClusterKey } from '../../../src/agent/membership/keys.js';
import { Keyring } from '../../../swim/index.js';

const secret = (n: number) => new Uint8Array(32).fill(n);
const pub = (n: number) => ed25519.getPublicKey(secret(n));
const OLD = Buffer.alloc(32, 1).toString('base64url');
const NEW = Buffer.alloc(32, 2).toString('base64url');
const config = (key: string): ClusterConfig => ({
  version: 1,
  key,
  address: '10.0.0.1:7171',
  name: 'a',
  seeds: [],
  tie: 'availability',
  labels: {},
});
const swim = (k: string) => swimKeyFromClusterKey(Buffer.from(k, 'base64url'));

describe('key rotation', () => {
  it('the new key opens only for the members it was sealed to', () => {
    const key = new Uint8Array(32).fill(9);
    const s = sealKey(
      key,
      new Map([
        ['a', pub(1)],
        ['b', pub(2)],
      ]),
      'r1',
    );
    assert.deepEqual(openKey(s, 'a', secret(1), 'r1'), key);
    assert.deepEqual(openKey(s, 'b', secret(2), 'r1'), key);
    assert.throws(() => openKey(s, 'c', secret(3), 'r1'), { name: 'KeySealError' }); // not sealed to c
    assert.throws(() => openKey(s, 'a', secret(2), 'r1'), { name: 'KeySealError' }); // b's key, a's entry
    assert.throws(() => openKey(s, 'a', secret(1), 'r2'), { name: 'KeySealError' }); // another rotation
    const cut = { ...s, sealed: { a: s.sealed.a!.slice(0, 20) } };
    assert.throws(() => openKey(cut, 'a', secret(1), 'r1'), { name: 'KeySealError' });
  });

  it('each phase keeps every pair of members talking; the old key is gone at the end', () => {
    const id = clusterIdOf(config(OLD));
    // Two members, one a phase ahead of the other at every moment: what a rotation allows.
    let ahead = config(OLD);
    let behind = config(OLD);
    const ringA = new Keyring([swim(OLD)]);
    const ringB = new Keyring([swim(OLD)]);
    const aad = new Uint8Array(0);
    const talk = () => {
      const m = new Uint8Array([1, 2, 3]);
      assert.deepEqual([...ringB.decrypt(ringA.encrypt(m, aad), aad)], [...m]);
      assert.deepEqual([...ringA.decrypt(ringB.encrypt(m, aad), aad)], [...m]);
    };
    for (const phase of PHASES) {
      const next = keyStep(ahead, phase, NEW);
      syncKeyring(ringA, ahead, next);
      ahead = next;
      talk();
      const nextB = keyStep(behind, phase, NEW);
      syncKeyring(ringB, behind, nextB);
      behind = nextB;
      talk();
      assert.equal(ahead.id, id, 'the cluster id stays');
    }
    assert.deepEqual([ahead.key, ahead.accept], [NEW, []]);
    assert.equal(ringA.size, 1);
    const old = new Keyring([swim(OLD)]);
    assert.throws(() => ringA.decrypt(old.encrypt(new Uint8Array([1]), aad), aad), { name: 'SwimAuthError' });
  });

  it('a rotation run over two replicated states: both members end on the new key', async () => {
    let t = 1_000;
    const states = {
      a: new ClusterState({ nodeId: 'a', clock: () => t }),
      b: new ClusterState({ nodeId: 'b', clock: () => t }),
    };
    const sync = () => {
      states.b.applyUpdate(states.a.encodeUpdate(), 'a');
      states.a.applyUpdate(states.b.encodeUpdate(), 'b');
    };
    const rotation = (node: 'a' | 'b') =>
      new KeyRotation({
        state: states[node],
        nodeId: node,
        logger: silentLogger(),
        clock: () => t,
        live: () => ['a', 'b'],
        keys: () =>
          new Map([
            ['a', pub(1)],
            ['b', pub(2)],
          ]),
        revokeTokens: () => {},
        phaseTimeoutMs: 5_000,
      });
    const a = rotation('a');
    const b = rotation('b');
    const cfg = { a: config(OLD), b: config(OLD) };
    const tick = (node: 'a' | 'b', r: KeyRotation) => {
      const s = r.step(cfg[node], secret(node === 'a' ? 1 : 2));
      if (!s) return;
      cfg[node] = s.next;
      s.ack();
    };
    /** The waits of a rotation run from a: time passes, b steps, the states meet. */
    let waits = 0;
    const cooperate = async () => {
      t += 100;
      sync();
      tick('b', b);
      sync();
      waits++;
    };
    const result = await a.rotate(() => tick('a', a), cooperate);
    assert.equal(result.members, 2);
    assert.equal(cfg.a.key, cfg.b.key);
    assert.notEqual(cfg.a.key, OLD);
    assert.deepEqual([cfg.a.accept, cfg.b.accept], [[], []]);
    assert.ok(waits >= 3, `${waits} waits for three phases`);
    assert.equal(a.record()?.phase, 'done');
    // A member that stops acknowledging makes the rotation fail with a clear error, not hang.
    const stuck = await a
      .rotate(
        () => tick('a', a),
        async () => {
          t += 1_000;
        },
      )
      .then(
        () => 'resolved',
        (err: Error) => `${err.name}: ${err.message}`,
      );
    assert.match(stuck, /^KeyRotationError: key rotation \w+: b did not acknowledge "distribute" in time/);
    // Another member may not start one while it is recent; the member that ran it may retry,
    // and the retry brings both onto a newer key.
    sync();
    await assert.rejects(
      b.rotate(
        () => tick('b', b),
        async () => {},
      ),
      /a key rotation is under way \(run by a\)/,
    );
    const first = cfg.a.key;
    const again = await a.rotate(() => tick('a', a), cooperate);
    assert.equal(again.members, 2);
    assert.equal(cfg.a.key, cfg.b.key);
    assert.notEqual(cfg.a.key, first);
    assert.deepEqual([cfg.a.accept, cfg.b.accept], [[], []]);
  });
});
