/**
 * Finding the cluster by mDNS on real hosts (network namespaces on one bridge, no default
 * route): h1 makes a cluster; h2 joins with a token that names no address, h3 with one that
 * names only a wrong address; both find h1 by multicast and join it, with no PEER given.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJoinToken, encodeJoinToken } from '../../src/agent/cluster/token.js';
import { SKIP_DOCKER, SKIP_REASON } from '../e2e/harness.js';
import { Cluster } from './harness.js';

const ROOT_NEEDED = process.getuid?.() !== 0;
const skip = SKIP_DOCKER ? SKIP_REASON : ROOT_NEEDED ? ' (skipped: the harness needs root)' : '';

describe(`joining by mDNS on 3 real hosts${skip}`, { skip: skip !== '' }, () => {
  const cluster = new Cluster({ name: 'md', subnet: '10.242.0' });

  before(async () => {
    await cluster.down();
    await cluster.up(3, { join: false });
  });
  after(() => cluster.down());

  const fizz = async (host: string, args: string[]) => {
    const r = await cluster.exec(host, ['fizz', ...args], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, `${host}: fizz ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout.trim();
  };
  const alive = async () =>
    (JSON.parse(await fizz('h1', ['nodes', '--format', 'json'])) as Array<{ name: string; state: string }>)
      .filter((n) => n.state === 'alive')
      .map((n) => n.name)
      .sort();
  const joinNoPeer = (host: string, token: string) =>
    fizz(host, ['join', '--token', token, '--listen', cluster.host(host).listen, '--name', host]);

  it('h2 joins with a token that names no address, found by mDNS', async () => {
    await fizz('h1', ['init', '--listen', cluster.host('h1').listen, '--name', 'h1', '-q']);
    const token = await fizz('h1', ['token', '--no-addresses']);
    assert.deepEqual(decodeJoinToken(token).addresses, []);
    const out = await joinNoPeer('h2', token);
    assert.match(out, /^Joined: node "h2"/);
    assert.deepEqual(await alive(), ['h1', 'h2']);
    const log = readFileSync(join(cluster.host('h1').dir, 'agent.log'), 'utf8');
    assert.match(log, /answering mDNS/);
  });

  it('h3 joins with a token whose only address is wrong', async () => {
    const real = decodeJoinToken(await fizz('h1', ['token', '--ttl', '1h']));
    const token = encodeJoinToken({ ...real, addresses: ['10.242.0.99:7171'] });
    const out = await joinNoPeer('h3', token);
    assert.match(out, /^Joined: node "h3"/);
    assert.deepEqual(await alive(), ['h1', 'h2', 'h3']);
  });
});
