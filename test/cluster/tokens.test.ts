/**
 * Admission on real hosts: h1 and h2 form a cluster; h3 holds no, a wrong, an expired and a
 * revoked token in turn and is refused each time, with the members' view and h3's home
 * unchanged; `fizz node rm h2` moves h2's replicas to h1, and h2 cannot come back even with a
 * fresh token.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeJoinToken } from '../../src/agent/cluster/token.js';
import { SKIP_DOCKER, SKIP_REASON } from '../e2e/harness.js';
import { Cluster } from './harness.js';

const ROOT_NEEDED = process.getuid?.() !== 0;
const skip = SKIP_DOCKER ? SKIP_REASON : ROOT_NEEDED ? ' (skipped: the harness needs root)' : '';
const DIR = '/tmp/fizz-sa-tokens-test';

describe(`join tokens on 3 real hosts${skip}`, { skip: skip !== '' }, () => {
  const cluster = new Cluster({ name: 'sa', subnet: '10.235.0' });

  before(async () => {
    await cluster.down();
    mkdirSync(DIR, { recursive: true });
    writeFileSync(
      `${DIR}/compose.yaml`,
      'name: tktest\nservices:\n  w:\n    image: fizz/busybox:latest\n    command: ["sleep", "100000"]\n    init: true\n    deploy: { replicas: 2 }\n',
    );
    await cluster.up(3, { join: false });
  });
  after(async () => {
    await cluster.down();
    rmSync(DIR, { recursive: true, force: true });
  });

  const fizz = async (host: string, args: string[], input?: string) => {
    const r = await cluster.exec(host, ['fizz', ...args], {
      cwd: DIR,
      timeoutMs: 120_000,
      ...(input ? { input } : {}),
    });
    assert.equal(r.code, 0, `${host}: fizz ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout.trim();
  };
  const alive = async () =>
    (JSON.parse(await fizz('h1', ['nodes', '--format', 'json'])) as Array<{ name: string; state: string }>)
      .filter((n) => n.state === 'alive')
      .map((n) => n.name)
      .sort();
  const until = async (what: string, ok: () => Promise<boolean>, ms = 60_000) => {
    const deadline = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  it('h3 with no, a wrong, an expired or a revoked token is refused and nothing changes', async () => {
    const h1 = cluster.host('h1');
    const first = await fizz('h1', ['init', '--listen', h1.listen, '--name', 'h1', '-q']);
    await fizz('h2', [
      'join',
      h1.listen,
      '--token',
      first,
      '--listen',
      cluster.host('h2').listen,
      '--name',
      'h2',
    ]);
    assert.deepEqual(await alive(), ['h1', 'h2']);
    const expired = await fizz('h1', ['token', '--ttl', '1s']);
    const revoked = await fizz('h1', ['token', '--ttl', '1h']);
    assert.equal(await fizz('h1', ['token', 'revoke', revoked]), '1 token revoked');
    await new Promise((r) => setTimeout(r, 1500));
    const wrong = encodeJoinToken({
      secret: new Uint8Array(32).fill(3),
      fingerprint: new Uint8Array(8),
      addresses: [h1.listen],
    });
    const h3 = cluster.host('h3');
    const noToken = await cluster.exec('h3', ['fizz', 'join', h1.listen]);
    assert.notEqual(noToken.code, 0);
    for (const t of [wrong, expired, revoked, 'FIZZ2-AAAA']) {
      const r = await cluster.exec(
        'h3',
        ['fizz', 'join', h1.listen, '--token', t, '--listen', h3.listen, '--name', 'h3'],
        { timeoutMs: 60_000 },
      );
      assert.notEqual(r.code, 0, `joined with ${t.slice(0, 12)}…`);
      assert.match(r.stderr, /did not answer|damaged/);
      assert.equal(existsSync(join(h3.home, 'cluster.json')), false, 'h3 wrote a cluster config');
    }
    assert.deepEqual(await alive(), ['h1', 'h2']);
  });

  it('a removed node loses its replicas and cannot rejoin, even with a fresh token', async () => {
    await fizz('h1', ['up', '-d']);
    const placed = async () =>
      (JSON.parse(await fizz('h1', ['ps', '--format', 'json'])) as Array<{ State: string; Node?: string }>)
        .filter((r) => r.State === 'running')
        .map((r) => r.Node)
        .sort();
    await until('one replica per host', async () => JSON.stringify(await placed()) === '["h1","h2"]');
    assert.match(await fizz('h1', ['node', 'rm', 'h2']), /^removed h2 \(node-/);
    await until('both replicas on h1', async () => JSON.stringify(await placed()) === '["h1","h1"]');
    await fizz('h2', ['leave']);
    const fresh = await fizz('h1', ['token']);
    const h2 = cluster.host('h2');
    const r = await cluster.exec(
      'h2',
      ['fizz', 'join', cluster.host('h1').listen, '--token', fresh, '--listen', h2.listen, '--name', 'h2'],
      { timeoutMs: 60_000 },
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /refused this node: node node-\S+ was removed/);
    assert.equal(existsSync(join(h2.home, 'cluster.json')), false);
  });
});
