/**
 * Service networking across real hosts, the parts compose users see per container: the
 * client's source address as a replica sees it through ingress (kept on the replica's own
 * node, the ingress node's mesh address from another node), `fizz ps` and `fizz inspect`
 * saying where a published port answers, and container_name, hostname, links and
 * `network_mode: service:x` across hosts (test/fixtures/mesh/compose-names.yaml).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { InspectResponse } from '../../src/api/protocol.js';
import { SKIP_DOCKER, SKIP_REASON } from '../e2e/harness.js';
import { fizzOn, until } from './drive.js';
import { Cluster } from './harness.js';

const skip = SKIP_DOCKER ? SKIP_REASON : process.getuid?.() !== 0 ? ' (skipped: the harness needs root)' : '';
const DIR = '/tmp/fizz-mesh-compose-test';
const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/mesh/compose-names.yaml', import.meta.url));
const SUBNET = '10.248.0';
const addr = (h: string) => `${SUBNET}.${10 + Number(h.slice(1))}`;

describe(`compose names and client addresses across 3 real hosts${skip}`, { skip: skip !== '' }, () => {
  const cluster = new Cluster({ name: 'nb', subnet: SUBNET });
  const fizz = fizzOn(cluster, DIR);
  const inspect = async (service: string) =>
    JSON.parse(await fizz('h1', ['inspect', service, '--format', 'json'])) as InspectResponse;
  const inContainer = (host: string, name: string, script: string) =>
    cluster.exec(host, ['docker', 'exec', name, 'sh', '-c', script], { timeoutMs: 15_000 });
  /** GET /cgi-bin/ip of the echo service through `to`'s published port, from `from`'s namespace. */
  const clientAddress = async (from: string, to: string) =>
    (
      await cluster.exec(from, [
        'sh',
        '-c',
        `printf "GET /cgi-bin/ip HTTP/1.0\\r\\n\\r\\n" | busybox nc -w 3 ${addr(to)} 8090 | tail -1`,
      ])
    ).stdout
      .trim()
      // busybox httpd listens on IPv6: an IPv4 client is [::ffff:a.b.c.d].
      .replace(/^\[::ffff:(.*)\]$/, '$1');

  before(async () => {
    await cluster.down();
    mkdirSync(DIR, { recursive: true });
    copyFileSync(FIXTURE, `${DIR}/compose.yaml`);
    await cluster.up(3);
    await fizz('h1', ['up', '-d']);
    await until(
      'every replica running',
      async () => {
        const rows = JSON.parse(await fizz('h1', ['ps', '--format', 'json'])) as Array<{ State: string }>;
        return rows.length === 4 && rows.every((r) => r.State === 'running');
      },
      60_000,
    );
  });
  after(() => cluster.down());

  it('fizz ps and fizz inspect say a published port answers on every node, and where replicas run', async () => {
    const rows = JSON.parse(await fizz('h1', ['ps', '--format', 'json'])) as Array<Record<string, unknown>>;
    const echo = rows.find((r) => r.Service === 'echo')!;
    assert.equal(echo.Ports, '*:8090->80/tcp');
    const [pub] = echo.Publishers as Array<{ Nodes: Array<{ Node: string; Address: string }> }>;
    assert.deepEqual(pub?.Nodes, [
      { Node: 'h1', Address: addr('h1') },
      { Node: 'h2', Address: addr('h2') },
      { Node: 'h3', Address: addr('h3') },
    ]);
    assert.match(await fizz('h3', ['ps']), /\*:8090->80\/tcp/);
    const r = await inspect('echo');
    assert.equal(r.endpoints.length, 1);
    const [e] = r.endpoints;
    assert.equal(e?.node, 'h2');
    assert.equal(e?.ready, true);
    assert.match(e?.meshAddress ?? '', /^100\.\d+\.\d+\.1$/);
    assert.match(Object.values(e?.addresses ?? {})[0] ?? '', /^100\./);
    assert.deepEqual(r.ports, [
      {
        target: 80,
        published: 8090,
        protocol: 'tcp',
        everywhere: true,
        answersOn: pub?.Nodes.map((n) => ({ node: n.Node, address: n.Address })),
      },
    ]);
    assert.match(
      await fizz('h1', ['inspect', 'echo']),
      /echo-1 +h2 +100\.\S+ +100\.\S+ \(meshnames_default\) +running +none +yes/,
    );
  });

  it("the replica sees the client's address through its own node's port, the ingress node's mesh address through another's", async () => {
    await until('the echo answers on h2', async () => (await clientAddress('h1', 'h2')) !== '');
    assert.equal(await clientAddress('h1', 'h2'), addr('h1'), 'h1 → h2, where the replica runs: kept');
    assert.equal(await clientAddress('h3', 'h2'), addr('h3'), 'h3 → h2: kept');
    const h1Mesh = (await inspect('web')).endpoints[0]?.meshAddress;
    assert.ok(h1Mesh, "h1's mesh address (web runs there)");
    assert.equal(
      await clientAddress('h3', 'h1'),
      h1Mesh,
      'h3 → h1 (no replica there) → tunnel → h2: the ingress node',
    );
  });

  it('container_name and links resolve across hosts; hostname holds on the remote replica', async () => {
    assert.equal(
      (await cluster.exec('h3', ['docker', 'exec', 'the-db', 'hostname'])).stdout.trim(),
      'db-host',
    );
    for (const name of ['the-db', 'database', 'db']) {
      await until(`web on h1 reaches ${name} on h3`, async () => {
        const r = await inContainer('h1', 'meshnames-web-1', `wget -qO- http://${name}/ 2>&1`);
        return r.stdout.trim() === 'db-page';
      });
    }
    const notLinked = await inContainer('h2', 'meshnames-echo-1', 'nslookup database 2>&1');
    assert.doesNotMatch(
      notLinked.stdout,
      /Address: 100\./,
      'database is an alias only for web, which declares the link',
    );
  });

  it('network_mode: service:db runs side on db’s node, in db’s network stack', async () => {
    const side = JSON.parse(await fizz('h1', ['ps', '--format', 'json'])) as Array<Record<string, unknown>>;
    assert.equal(side.find((r) => r.Service === 'side')?.Node, 'h3');
    const r = await inContainer('h3', 'meshnames-side-1', 'wget -qO- http://127.0.0.1/');
    assert.equal(r.stdout.trim(), 'db-page', `side reaches db on localhost: ${r.stderr}`);
  });

  it('scaling the service with container_name is refused with the reason (fizz scale, up --scale)', async () => {
    const r = await cluster.exec('h2', ['fizz', 'scale', 'db=2'], { cwd: DIR, timeoutMs: 30_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /container_name "the-db".*2 replicas/);
    const up = await cluster.exec('h3', ['fizz', 'up', '-d', '--scale', 'db=3'], {
      cwd: DIR,
      timeoutMs: 30_000,
    });
    assert.notEqual(up.code, 0);
    assert.match(up.stderr + up.stdout, /container_name "the-db".*3 replicas/);
    const rows = JSON.parse(await fizz('h1', ['ps', '--format', 'json'])) as Array<{ Service: string }>;
    assert.equal(rows.filter((x) => x.Service === 'db').length, 1, 'still one db');
  });
});
