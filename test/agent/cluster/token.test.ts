/**
 * Join tokens (FIZZ2) and admission on loopback, with real TCP and the real state: a live
 * token admits and hands over the key; a wrong, expired, revoked or missing token gets no
 * answer and changes nothing; a removed node is refused; forged and truncated input (random
 * and mutated by fast-check) is only ever JoinTokenError / HandshakeError, with no crash and
 * no hang.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ClusterState } from '../../../crdt/index.js';
import { startAdmission } from '../../../src/agent/cluster/admission.js';
import { Admissions } from '../../../src/agent/cluster/admissions.js';
import type { ClusterConfig } from '../../../src/agent/cluster/config.js';
import { decodeJoinToken, encodeJoinToken } from '../../../src/agent/cluster/token.js';
import { silentLogger } from '../../../src/agent/logger.js';

const T0 = 1_700_000_000_000;

function member(
  port: number,
  clock: { t: number },
  live: Array<{ name: string; address: string; state: string }> = [],
) {
  const state = new ClusterState({ nodeId: 'm1', clock: () => clock.t });
  const config: ClusterConfig = {
    version: 1,
    key: Buffer.alloc(32, 7).toString('base64url'),
    address: `127.0.0.1:${port}`,
    name: 'm1',
    seeds: [],
    tie: 'safety',
    labels: {},
  };
  const admissions = new Admissions({
    state,
    clock: () => clock.t,
    logger: silentLogger(),
    members: () => live,
  });
  return { state, config, admissions };
}

/** The state's bytes: a refused join must leave them as they were. */
const bytes = (s: ClusterState) => Buffer.from(s.encodeUpdate()).toString('hex');

describe('join tokens and admission', () => {
  it('a token round-trips; anything else is JoinTokenError, never another error', () => {
    const t = {
      secret: new Uint8Array(32).fill(1),
      fingerprint: new Uint8Array(8).fill(2),
      addresses: ['10.0.0.1:7171', '[fd00::2]:7000'],
    };
    const text = encodeJoinToken(t);
    assert.match(text, /^FIZZ2-[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeJoinToken(` ${text}\n`), t);
    assert.throws(() => decodeJoinToken('FIZZ1-eyJhIjpbXX0'), /older Fizz/);
    const prop = fc.property(
      fc.oneof(
        fc.string(),
        fc.uint8Array({ maxLength: 300 }).map((b) => `FIZZ2-${Buffer.from(b).toString('base64url')}`),
        fc
          .tuple(fc.nat(text.length), fc.string({ maxLength: 4 }))
          .map(([i, s]) => text.slice(0, i) + s + text.slice(i + s.length + 1)),
      ),
      (s) => {
        try {
          decodeJoinToken(s);
        } catch (err) {
          assert.equal((err as Error).name, 'JoinTokenError');
        }
      },
    );
    fc.assert(prop, { numRuns: 2000 });
  });

  it('a live token admits; wrong, expired, revoked and missing ones get no answer; a removed node is refused', async () => {
    const clock = { t: T0 };
    const port = 17_000 + (process.pid % 2000);
    const m = member(port, clock);
    await m.admissions.listen(m.config, () => m.config);
    const joiner = new Admissions({
      state: new ClusterState({ nodeId: 'j', clock: () => clock.t }),
      clock: () => clock.t,
      logger: silentLogger(),
      members: () => [],
    });
    const key = Buffer.alloc(32, 5).toString('base64url');
    const me = { node: 'node-j', name: 'j', key };
    try {
      const { token } = m.admissions.issue(m.config, 3600_000);
      const beforeKeyless = bytes(m.state);
      await assert.rejects(
        joiner.join(token, undefined, { node: 'node-j', name: 'j' }),
        /refused this node: the joiner sent no node key/,
      );
      assert.equal(bytes(m.state), beforeKeyless);
      const ok = await joiner.join(token, undefined, me);
      assert.equal(ok.welcome.key, m.config.key);
      assert.equal(ok.welcome.tie, 'safety');
      // The joiner's key is bound to its node id in the state and handed back in the welcome.
      assert.equal(ok.welcome.keys?.['node-j'], key);
      assert.equal(Buffer.from(m.admissions.keys.get('node-j') ?? []).toString('base64url'), key);

      const before = bytes(m.state);
      const wrong = encodeJoinToken({ ...decodeJoinToken(token), secret: new Uint8Array(32).fill(9) });
      await assert.rejects(joiner.join(wrong, undefined, me), /did not answer/);
      await assert.rejects(joiner.join('', undefined, me), { name: 'JoinTokenError' });
      clock.t += 3600_000;
      await assert.rejects(joiner.join(token, undefined, me), /did not answer/);
      const { token: t2 } = m.admissions.issue(m.config, 3600_000);
      const after2 = bytes(m.state);
      assert.equal(m.admissions.revoke(t2), 1);
      await assert.rejects(joiner.join(t2, undefined, me), /did not answer/);
      assert.notEqual(before, after2); // issuing writes; refusals below write nothing
      const afterRevoke = bytes(m.state);
      const { token: t3 } = m.admissions.issue(m.config, 3600_000);
      m.admissions.book.deny('node-j');
      const afterDeny = bytes(m.state);
      await assert.rejects(joiner.join(t3, undefined, me), /refused this node: node node-j was removed/);
      assert.equal(bytes(m.state), afterDeny);
      assert.notEqual(afterRevoke, afterDeny);
      // Another cluster's member that knows the token cannot pass as this one: the key's fingerprint differs.
      const other = member(port + 1, clock);
      other.config.key = Buffer.alloc(32, 8).toString('base64url');
      await other.admissions.listen(other.config, () => other.config);
      try {
        const t4 = m.admissions.issue(m.config).token;
        other.state.applyUpdate(m.state.encodeUpdate(), 'test');
        await assert.rejects(
          joiner.join(t4, `127.0.0.1:${port + 1}`, { node: 'node-k', name: 'k', key }),
          /not the one the token names/,
        );
      } finally {
        await other.admissions.close();
      }
    } finally {
      await m.admissions.close();
    }
  });

  it("a joiner claiming a live member's node id with another key is refused; the same key is re-admitted", async () => {
    const clock = { t: T0 };
    const port = 21_300 + (process.pid % 2000);
    const {
      state,
      config,
      admissions: m,
    } = member(port, clock, [{ name: 'node-x', address: '127.0.0.1:1', state: 'alive' }]);
    const owner = Buffer.alloc(32, 1);
    m.keys.register('node-x', owner);
    await m.listen(config, () => config);
    const joiner = new Admissions({
      state: new ClusterState({ nodeId: 'j', clock: () => clock.t }),
      clock: () => clock.t,
      logger: silentLogger(),
      members: () => [],
    });
    try {
      const { token } = m.issue(config, 3600_000);
      const before = bytes(state);
      await assert.rejects(
        joiner.join(token, undefined, {
          node: 'node-x',
          name: 'x',
          key: Buffer.alloc(32, 2).toString('base64url'),
        }),
        /refused this node: node id node-x belongs to a live member with another key/,
      );
      assert.equal(bytes(state), before);
      assert.deepEqual(Buffer.from(m.keys.get('node-x')!), owner);
      const ok = await joiner.join(token, undefined, {
        node: 'node-x',
        name: 'x',
        key: owner.toString('base64url'),
      });
      assert.equal(ok.welcome.keys?.['node-x'], owner.toString('base64url'));
    } finally {
      await m.close();
    }
  });

  it('forged and truncated bytes to the admission port: no answer, no crash, no hang', async () => {
    const clock = { t: T0 };
    const port = 19_100 + (process.pid % 2000);
    const m = member(port, clock);
    m.admissions.issue(m.config);
    const server = await startAdmission({
      host: '127.0.0.1',
      port,
      token: (id) => m.admissions.book.valid(id),
      refuse: () => undefined,
      welcome: () => ({ key: m.config.key, tie: 'safety', seeds: [] }),
      logger: silentLogger(),
    });
    const send = (b: Uint8Array) =>
      new Promise<number>((resolve) => {
        const s = connect({ host: '127.0.0.1', port }, () => s.end(b));
        let got = 0;
        s.on('data', (d) => {
          got += d.length;
        });
        s.on('error', () => {});
        s.on('close', () => resolve(got));
        s.setTimeout(6000, () => s.destroy());
      });
    try {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.boolean(), async (body, framed) => {
          const len = Buffer.alloc(4);
          len.writeUInt32BE(body.length);
          const got = await send(framed ? Buffer.concat([len, body]) : body);
          assert.equal(got, 0, 'the server answered forged input');
        }),
        { numRuns: 150 },
      );
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
