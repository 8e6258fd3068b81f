/**
 * Service networking across real hosts (namespaces, an engine and an agent each): `web` on
 * h1 calls `db` by name on other hosts over the WireGuard mesh; names resolve only on shared
 * networks; a published port answers on every host; UDP between containers and through
 * ingress; a name of many replicas over TCP DNS; scaling `db` down, and a rolling update
 * of `db`, drain each replica that goes (no failed request); killing the host of one of two
 * `db` replicas leaves `web` working after errors for at most the failover time.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SKIP_DOCKER, SKIP_REASON } from '../e2e/harness.js';
import { fizzOn, until } from './drive.js';
import { Cluster } from './harness.js';

const ROOT_NEEDED = process.getuid?.() !== 0;
const NO_GCC = (() => {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
})();
const skip = SKIP_DOCKER
  ? SKIP_REASON
  : ROOT_NEEDED
    ? ' (skipped: the harness needs root)'
    : NO_GCC
      ? ' (skipped: gcc builds the UDP echo; scripts/ensure-docker.sh installs it)'
      : '';
const DIR = '/tmp/fizz-mesh-test';
const UDPECHO = `${DIR}/udpecho`;
const SOURCE = fileURLToPath(new URL('../../../test/fixtures/mesh/udpecho.c', import.meta.url));
/** SWIM declares a killed host dead in ~1-2 s (docs/swim.md); the bound tests that with margin. */
const FAILOVER_MS = 6000;
const HTTP_GET = 'printf "GET / HTTP/1.0\\r\\n\\r\\n"';

describe(`service networking across 3 real hosts${skip}`, { skip: skip !== '' }, () => {
  const cluster = new Cluster({ name: 'na', subnet: '10.236.0' });
  const addr = (h: string) => `10.236.0.${10 + Number(h.slice(1))}`;

  before(async () => {
    await cluster.down();
    mkdirSync(DIR, { recursive: true });
    execFileSync('gcc', ['-static', '-O2', '-o', UDPECHO, SOURCE]);
    writeFileSync(
      `${DIR}/compose.yaml`,
      [
        'name: meshtest',
        'services:',
        '  db:',
        '    image: fizz/busybox:latest',
        '    command: ["sh", "-c", "echo db-$$HOSTNAME > /www/index.html; exec httpd -f -p 80 -h /www"]',
        '    init: true',
        '    networks: [back]',
        '    deploy:',
        '      replicas: 2',
        '      placement: { constraints: ["node.hostname!=h1"] }',
        '  web:',
        '    image: fizz/busybox:latest',
        '    command: ["sh", "-c", "echo web-$$HOSTNAME > /www/index.html; exec httpd -f -p 80 -h /www"]',
        '    init: true',
        '    networks: [front, back]',
        '    ports: ["8080:80"]',
        '    deploy:',
        '      placement: { constraints: ["node.hostname==h1"] }',
        '  outsider:',
        '    image: fizz/busybox:latest',
        '    command: ["sleep", "100000"]',
        '    init: true',
        '    networks: [front]',
        '    deploy:',
        '      placement: { constraints: ["node.hostname==h2"] }',
        '  udp:',
        '    image: fizz/busybox:latest',
        '    command: ["sleep", "100000"]',
        '    init: true',
        '    networks: [back]',
        '    ports: ["9999:9999/udp"]',
        '    deploy:',
        '      placement: { constraints: ["node.hostname==h2"] }',
        '  many:',
        '    image: fizz/busybox:latest',
        '    command: ["sleep", "100000"]',
        '    init: true',
        '    networks: [back]',
        '    deploy:',
        '      replicas: 0',
        '      placement: { constraints: ["node.hostname==h2"] }',
        'networks:',
        '  front: {}',
        '  back: {}',
        '',
      ].join('\n'),
    );
    await cluster.up(3);
    await fizz('h1', ['up', '-d']);
    await until('every replica running', async () => {
      const rows = JSON.parse(await fizz('h1', ['ps', '--format', 'json'])) as Array<{ State: string }>;
      return rows.length === 5 && rows.every((r) => r.State === 'running');
    });
  });
  after(() => cluster.down());

  const fizz = fizzOn(cluster, DIR);
  const inContainer = (host: string, name: string, script: string, timeoutMs = 15_000) =>
    cluster.exec(host, ['docker', 'exec', name, 'sh', '-c', script], { timeoutMs });
  /** `n` requests from web on h1 to db, one every 100 ms: a line `x<body>` each. */
  const callDb = async (n: number) =>
    (
      await inContainer(
        'h1',
        'meshtest-web-1',
        `i=0; while [ $i -lt ${n} ]; do r=$(${HTTP_GET} | nc -w 1 db 80 | tail -1); echo "x$r"; usleep 100000; i=$((i+1)); done`,
        60_000,
      )
    ).stdout
      .trim()
      .split('\n');
  const dbHostnames = async () => {
    const names: string[] = [];
    for (const h of ['h2', 'h3']) {
      const r = await cluster.exec(h, ['docker', 'ps', '-q', '--filter', 'label=fizz.service=db']);
      names.push(...r.stdout.trim().split('\n').filter(Boolean));
    }
    return names;
  };

  it('web on h1 calls db by name on the other hosts, and both replicas answer', async () => {
    const dbs = await dbHostnames();
    assert.equal(dbs.length, 2, 'one db replica on each of h2 and h3');
    const seen = new Set<string>();
    await until('both db replicas answered web', async () => {
      const r = await inContainer('h1', 'meshtest-web-1', `${HTTP_GET} | nc -w 3 db 80 | tail -1`);
      const body = r.stdout.trim();
      if (body.startsWith('db-')) seen.add(body.slice(3));
      return seen.size === 2;
    });
    assert.deepEqual([...seen].sort(), dbs.map((id) => id.slice(0, 12)).sort());
    // The answer crossed the tunnel: db's address is in another node's mesh block.
    const ns = await inContainer('h1', 'meshtest-web-1', 'nslookup db');
    assert.match(ns.stdout, /Address: 100\.\d+\.\d+\.\d+/);
    // h1's own interface (wg show all would list every host's: the control sockets are shared).
    const link = (await cluster.exec('h1', ['ip', '-o', 'link'])).stdout.match(
      /\d+: (fz[0-9a-f]{10})[:@]/,
    )?.[1];
    assert.ok(link, 'h1 has a mesh interface');
    const wg = await cluster.exec('h1', ['wg', 'show', link, 'latest-handshakes']);
    const shaken = wg.stdout
      .trim()
      .split('\n')
      .filter((l) => /\t[1-9]\d*$/.test(l));
    assert.equal(shaken.length, 2, `h1 has shaken hands with h2 and h3: ${wg.stdout}`);
  });

  it('names resolve and packets pass only between services that share a network, as in compose', async () => {
    const front = await inContainer('h2', 'meshtest-outsider-1', `${HTTP_GET} | nc -w 3 web 80 | tail -1`);
    assert.match(front.stdout, /^web-/, `outsider reaches web on the shared network: ${front.stderr}`);
    const name = await inContainer('h2', 'meshtest-outsider-1', 'nslookup db 2>&1', 30_000);
    assert.doesNotMatch(name.stdout, /Address: 100\./, 'db is not on the outsider network');
    const ip = (await inContainer('h1', 'meshtest-web-1', 'nslookup db')).stdout.match(
      /Address: (100\.\d+\.\d+\.\d+)/,
    )?.[1];
    assert.ok(ip);
    const direct = await inContainer('h2', 'meshtest-outsider-1', `${HTTP_GET} | nc -w 2 ${ip} 80`);
    assert.equal(direct.stdout, '', 'db by address from another network gets nothing');
  });

  it('a published port answers on every host, also where no replica runs', async () => {
    for (const from of ['h1', 'h2', 'h3'])
      for (const to of ['h1', 'h2', 'h3']) {
        const r = await cluster.exec(from, [
          'sh',
          '-c',
          `${HTTP_GET} | busybox nc -w 3 ${addr(to)} 8080 | tail -1`,
        ]);
        assert.match(r.stdout, /^web-/, `${from} → ${to}:8080: ${r.stderr}`);
      }
  });

  it('UDP works between containers on different hosts and through a published port', async () => {
    for (const [h, c] of [
      ['h2', 'meshtest-udp-1'],
      ['h1', 'meshtest-web-1'],
    ] as const)
      assert.equal((await cluster.exec(h, ['docker', 'cp', UDPECHO, `${c}:/bin/udpecho`])).code, 0);
    assert.equal(
      (await cluster.exec('h2', ['docker', 'exec', '-d', 'meshtest-udp-1', 'udpecho', 'serve', '9999'])).code,
      0,
    );
    const ip = (await inContainer('h1', 'meshtest-web-1', 'nslookup udp')).stdout.match(
      /Address: (100\.\d+\.\d+\.\d+)/,
    )?.[1];
    assert.ok(ip, 'udp resolves from web');
    await until('a datagram from web on h1 to udp on h2 comes back', async () => {
      const r = await inContainer('h1', 'meshtest-web-1', `udpecho ask ${ip} 9999 hello`);
      return r.stdout.trim() === 'echo:hello';
    });
    for (const h of ['h1', 'h3']) {
      const r = await cluster.exec(h, [UDPECHO, 'ask', addr(h), '9999', `via-${h}`]);
      assert.equal(r.stdout.trim(), `echo:via-${h}`, `${h}:9999/udp: ${r.stderr}`);
    }
  });

  it('a name of more replicas than a UDP answer holds: over UDP 512 bytes marked truncated, over TCP every one', async () => {
    // `many` as a DNS question over TCP (2-byte length first), in printf's octal escapes.
    const name = 'many';
    const q = Buffer.concat([
      Buffer.from([0x42, 0x42, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, name.length]),
      Buffer.from(name),
      Buffer.from([0, 0, 1, 0, 1]),
    ]);
    const framed = Buffer.concat([Buffer.from([0, q.length]), q]);
    const octal = [...framed].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
    const replicas = 34;
    const tcpBytes = 2 + q.length + replicas * 16;
    await fizz('h1', ['scale', `many=${replicas}`]);
    // The engine's resolver in web (127.0.0.11) asks the node's over TCP as web asked it.
    await until(
      `${replicas} replicas of many in one answer over TCP`,
      async () => {
        const r = await inContainer(
          'h1',
          'meshtest-web-1',
          `printf '${octal}' | nc -w 3 127.0.0.11 53 | wc -c`,
        );
        return Number(r.stdout.trim()) === tcpBytes;
      },
      120_000,
    );
    const udp = await inContainer('h1', 'meshtest-web-1', 'nslookup many 2>&1');
    assert.equal(udp.stdout.match(/Address: 100\./g)?.length, Math.floor((512 - q.length) / 16), udp.stdout);
    await fizz('h1', ['scale', 'many=0']);
  });

  it('db scaled from 2 to 1 while web calls it: the replica that goes drains first, so no request fails', async () => {
    // One request every 100 ms from inside web, for 10 s; db scaled down 2 s in.
    const loop = callDb(100);
    await new Promise((r) => setTimeout(r, 2000));
    // On the host of the replica that goes (db-2), `scale` says it drains, and returns once it is gone.
    let leaving = '';
    for (const h of ['h2', 'h3']) {
      const r = await cluster.exec(h, ['docker', 'ps', '-q', '--filter', 'name=meshtest-db-2']);
      if (r.stdout.trim()) leaving = h;
    }
    assert.ok(leaving, 'db-2 runs on h2 or h3');
    const scaled = await cluster.exec(leaving, ['fizz', 'scale', 'db=1'], { cwd: DIR, timeoutMs: 60_000 });
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.match(scaled.stderr, /meshtest-db-2\s+Removing \(draining\)/);
    assert.match(scaled.stderr, /meshtest-db-2\s+Removed/);
    assert.equal((await dbHostnames()).length, 1, 'one db replica left when scale returns');
    const lines = await loop;
    assert.ok(lines.length >= 80, `the loop ran: ${lines.length} lines`);
    const failed = lines.filter((l) => !l.startsWith('xdb-'));
    assert.equal(failed.length, 0, `${failed.length} of ${lines.length} requests failed`);
    await fizz('h1', ['scale', 'db=2']);
    await until(
      'db back to one replica on each of h2 and h3',
      async () => (await dbHostnames()).length === 2,
    );
  });

  it('a rolling update of db (stop-first, one at a time) while web calls it: each replica drains before it is replaced, no request fails', async () => {
    const file = `${DIR}/compose.yaml`;
    const before = readFileSync(file, 'utf8');
    const changed = before.replace('"echo db-', () => '"echo v2 > /v2; echo db-');
    assert.notEqual(changed, before);
    writeFileSync(file, changed);
    const loop = callDb(120);
    await new Promise((r) => setTimeout(r, 1000));
    await fizz('h1', ['up', '-d']);
    const lines = await loop;
    assert.ok(lines.length >= 100, `the loop ran: ${lines.length} lines`);
    const failed = lines.filter((l) => !l.startsWith('xdb-'));
    assert.equal(failed.length, 0, `${failed.length} of ${lines.length} requests failed`);
    for (const h of ['h2', 'h3']) {
      const r = await cluster.exec(h, [
        'sh',
        '-c',
        'docker exec $(docker ps -q --filter label=fizz.service=db) cat /v2',
      ]);
      assert.equal(r.stdout.trim(), 'v2', `db on ${h} runs the new spec`);
    }
  });

  it('killing the host of one db replica of two leaves web working, with errors only within the failover time', async () => {
    // One request every 200 ms from inside web, for 15 s: uptime and the answer per line.
    const loop = inContainer(
      'h1',
      'meshtest-web-1',
      `i=0; while [ $i -lt 75 ]; do r=$(${HTTP_GET} | nc -w 1 db 80 | tail -1); echo "$(cut -d' ' -f1 /proc/uptime) $r"; usleep 200000; i=$((i+1)); done`,
      60_000,
    );
    await new Promise((r) => setTimeout(r, 2000));
    await cluster.kill('h3');
    const lines = (await loop).stdout
      .trim()
      .split('\n')
      .map((l) => {
        const [t, body] = l.split(' ');
        return { t: Number(t) * 1000, ok: (body ?? '').startsWith('db-') };
      });
    assert.ok(lines.length >= 50, `the loop ran: ${lines.length} lines`);
    const failed = lines.filter((l) => !l.ok);
    if (failed.length > 0) {
      const span = failed.at(-1)!.t - failed[0]!.t;
      assert.ok(span <= FAILOVER_MS, `errors spread over ${span} ms (${failed.length} of ${lines.length})`);
    }
    assert.ok(
      lines.slice(-15).every((l) => l.ok),
      'the last 3 s all answered',
    );
  });
});
