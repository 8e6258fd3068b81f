/**
 * Finding a cluster by mDNS: the service name comes from the fingerprint alone; a member's
 * answer parses back to its address; random and mutated packets never throw and never yield
 * anything but `ipv4:port`; the answer rate is bounded; a token with no address joins through
 * what discovery finds; and a responder and a query meet over real multicast on loopback.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encode, type Packet } from 'dns-packet';
import fc from 'fast-check';
import { ClusterState } from '../../../crdt/index.js';
import { Admissions, clusterFingerprint } from '../../../src/agent/cluster/admissions.js';
import type { ClusterConfig } from '../../../src/agent/cluster/config.js';
import {
  AnswerLimit,
  asksFor,
  decodeMdns,
  mdnsAddresses,
  mdnsAnswers,
  mdnsService,
} from '../../../src/agent/cluster/mdns.js';
import { MdnsResponder, mdnsDiscover } from '../../../src/agent/cluster/mdns-socket.js';
import { decodeJoinToken } from '../../../src/agent/cluster/token.js';
import { silentLogger } from '../../../src/agent/logger.js';

const FP = Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67]);
const SERVICE = mdnsService(FP);
const SELF = { id: 'node-1234', address: '10.1.2.3:7171' };
const response = (p: Partial<Packet>): Buffer => encode({ type: 'response', ...p } as Packet);
const ADDRESS = /^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/;

describe('mDNS discovery', () => {
  it('the service name is the first 16 hex of the fingerprint and nothing else', () => {
    assert.equal(SERVICE, '_fizz-deadbeef01234567._udp.local');
    const key = Buffer.alloc(32, 7).toString('base64url');
    const name = mdnsService(clusterFingerprint(key));
    assert.match(name, /^_fizz-[0-9a-f]{16}\._udp\.local$/);
    assert.equal(name.includes(key), false);
    assert.notEqual(name, mdnsService(clusterFingerprint(Buffer.alloc(32, 8).toString('base64url'))));
  });

  it("a member's answer parses back to its address; queries for other names are not answered", () => {
    const answer = response({ answers: mdnsAnswers(SERVICE, SELF) });
    assert.deepEqual(mdnsAddresses(decodeMdns(answer), SERVICE), ['10.1.2.3:7171']);
    assert.deepEqual(mdnsAddresses(decodeMdns(answer), mdnsService(new Uint8Array(8))), []);
    // SRV and A alone (no TXT) are enough; names are case-insensitive.
    const [, srv, , a] = mdnsAnswers(SERVICE.toUpperCase(), SELF);
    assert.deepEqual(mdnsAddresses(decodeMdns(response({ answers: [srv!, a!] })), SERVICE), [
      '10.1.2.3:7171',
    ]);
    const ask = (name: string, type: 'PTR' | 'A') =>
      decodeMdns(encode({ type: 'query', questions: [{ name, type }] }));
    assert.equal(asksFor(ask(SERVICE, 'PTR'), SERVICE), true);
    assert.equal(asksFor(ask(SERVICE, 'A'), SERVICE), false);
    assert.equal(asksFor(ask('_other._udp.local', 'PTR'), SERVICE), false);
    assert.equal(asksFor(decodeMdns(answer), SERVICE), false);
    // A TXT that is not an IPv4 address and port is dropped.
    const bad = response({
      answers: [
        { name: `x.${SERVICE}`, type: 'TXT', data: ['a=evil.example:1', 'a=1.2.3.4:0', 'a=1.2.3.4:99'] },
      ],
    });
    assert.deepEqual(mdnsAddresses(decodeMdns(bad), SERVICE), ['1.2.3.4:99']);
  });

  it('random, mutated and odd-shaped packets never throw and yield only ipv4:port', () => {
    const good = response({ answers: mdnsAnswers(SERVICE, SELF) });
    const packets = fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
      fc
        .array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 })
        .map((edits) => {
          const b = Buffer.from(good);
          for (const [i, v] of edits) b[i] = v;
          return b;
        }),
      fc.nat(good.length).map((n) => good.subarray(0, n)),
    );
    fc.assert(
      fc.property(packets, (bytes) => {
        const p = decodeMdns(bytes);
        asksFor(p, SERVICE);
        for (const a of mdnsAddresses(p, SERVICE)) assert.match(a, ADDRESS);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.anything(), (v) => {
        asksFor(v, SERVICE);
        for (const a of mdnsAddresses(v, SERVICE)) assert.match(a, ADDRESS);
      }),
      { numRuns: 1000 },
    );
  });

  it('answers are rate-limited: a burst of 5, then 5 a second', () => {
    const l = new AnswerLimit(5, 1000);
    const burst = Array.from({ length: 8 }, () => l.allow(1000));
    assert.deepEqual(burst, [true, true, true, true, true, false, false, false]);
    assert.equal(l.allow(1100), false);
    assert.equal(l.allow(1200), true);
    assert.equal(l.allow(1000), false); // a clock that steps back earns nothing
    assert.equal([0, 1, 2, 3, 4, 5].filter(() => l.allow(3000)).length, 5);
  });

  it('a token with no address joins through the address discovery finds', async () => {
    const port = 19_000 + (process.pid % 2000);
    const state = new ClusterState({ nodeId: 'm1', clock: () => Date.now() });
    const config: ClusterConfig = {
      version: 1,
      key: Buffer.alloc(32, 7).toString('base64url'),
      address: `127.0.0.1:${port}`,
      name: 'm1',
      seeds: [],
      tie: 'safety',
      labels: {},
    };
    const member = new Admissions({ state, clock: Date.now, logger: silentLogger(), members: () => [] });
    await member.listen(config, () => config);
    const asked: string[] = [];
    const joiner = (found: string[]) =>
      new Admissions({
        state: new ClusterState({ nodeId: 'j', clock: () => Date.now() }),
        clock: Date.now,
        logger: silentLogger(),
        members: () => [],
        discover: async (fp) => {
          asked.push(mdnsService(fp));
          return found;
        },
      });
    try {
      const { token } = member.issue(config, 3600_000, false);
      assert.deepEqual(decodeJoinToken(token).addresses, []);
      const me = { node: 'node-j', name: 'j', key: Buffer.alloc(32, 5).toString('base64url') };
      const ok = await joiner([config.address]).join(token, undefined, me);
      assert.equal(ok.seed, config.address);
      assert.equal(ok.welcome.key, config.key);
      assert.deepEqual(asked, [mdnsService(clusterFingerprint(config.key))]);
      await assert.rejects(joiner([]).join(token, undefined, me), /no member answered on mDNS \(_fizz-/);
    } finally {
      await member.close();
    }
  });

  it('a responder and a query meet over multicast on loopback; junk is counted, not fatal', async (t) => {
    const port = 25_000 + (process.pid % 5000);
    const o = { host: '127.0.0.1', port, group: '239.255.71.71' };
    let r: MdnsResponder;
    try {
      r = await MdnsResponder.start({ ...o, service: SERVICE, self: SELF, logger: silentLogger() });
    } catch (err) {
      t.skip(`no multicast on loopback here: ${(err as Error).message}`);
      return;
    }
    try {
      const { createSocket } = await import('node:dgram');
      const junk = createSocket('udp4');
      await new Promise<void>((res) => junk.send(Buffer.from([1, 2, 3]), port, '127.0.0.1', () => res()));
      junk.close();
      const found = await mdnsDiscover({ ...o, service: SERVICE, timeoutMs: 3000 });
      assert.deepEqual(found, [SELF.address]);
      assert.ok(r.stats.answered >= 1);
      assert.equal(r.stats.malformed, 1);
    } finally {
      await r.stop();
    }
  });
});
