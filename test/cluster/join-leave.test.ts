/**
 * Rebalancing under load on real hosts: a client requests a published port every 50 ms
 * from the root namespace, to one fixed host and to every host in turn, while (1) a 4th
 * host joins and a replica moves to it make-before-break, and (2) `fizz leave` drains a
 * host and its replica runs elsewhere. Neither loses a request.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { ServiceSpec } from '../../src/compose/types.js';
import { place, placementSlot } from '../../src/placement/index.js';
import { SKIP_DOCKER, SKIP_REASON } from '../e2e/harness.js';
import { fizzOn, until } from './drive.js';
import { Cluster } from './harness.js';
import { get } from './steady-client.js';

const ROOT_NEEDED = process.getuid?.() !== 0;
const skip = SKIP_DOCKER ? SKIP_REASON : ROOT_NEEDED ? ' (skipped: the harness needs root)' : '';
const DIR = '/tmp/fizz-join-leave-test';
const PROJECT = 'jltest';
const PORT = 8080;

interface Row {
  Service: string;
  State: string;
  Node?: string;
  Replica: number;
}

function getPage(address: string, timeoutMs: number): Promise<string> {
  return get(address, PORT, timeoutMs);
}

/** Two loops of one request per 50 ms: one to a fixed address, one to `targets()` in turn. */
class Client {
  ok = 0;
  failures: string[] = [];
  private stopped = false;
  private loops: Promise<void>[] = [];
  private readonly t0 = Date.now();

  constructor(
    private readonly fixed: string,
    private readonly targets: () => string[],
  ) {}

  start(): void {
    this.loops.push(this.loop(() => this.fixed));
    let i = 0;
    this.loops.push(
      this.loop(() => {
        const all = this.targets();
        return all[i++ % all.length]!;
      }),
    );
  }

  async stop(): Promise<{ ok: number; failures: string[] }> {
    this.stopped = true;
    await Promise.all(this.loops);
    return { ok: this.ok, failures: this.failures };
  }

  private async loop(target: () => string): Promise<void> {
    while (!this.stopped) {
      const address = target();
      const sent = Date.now();
      try {
        const body = await getPage(address, 3000);
        if (!body.startsWith('web-')) throw new Error(`body ${JSON.stringify(body)}`);
        this.ok++;
      } catch (err) {
        this.failures.push(`+${sent - this.t0} ms ${address}: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * A node id for the joining host that placement gives at least one web slot, by the
 * placement code the agents run (whether a join moves anything depends on the ids: with 3
 * one-per-node replicas a random 4th id takes none a quarter of the time).
 */
function idTakingASlot(ids: string[]): { id: string; slots: number[] } {
  const spec = {
    ports: [{ mode: 'ingress', target: 80, published: String(PORT), protocol: 'tcp' }],
  } as unknown as ServiceSpec;
  const slots = [0, 1, 2].map((replica) =>
    placementSlot({ project: PROJECT, service: 'web', replica }, spec),
  );
  const member = (id: string) => ({ id, name: id, status: 'alive' as const, labels: {}, capacity: 1 });
  for (let k = 0; k < 1000; k++) {
    const id = `node-jl4-${k}`;
    const { assignment } = place(slots, [...ids, id].map(member));
    const taken = [...assignment].filter(([, node]) => node === id).map(([key]) => Number(key.split('/')[2]));
    if (taken.length > 0) return { id, slots: taken };
  }
  throw new Error('no node id takes a slot');
}

describe(`joining and leaving under load on real hosts${skip}`, { skip: skip !== '' }, () => {
  const cluster = new Cluster({ name: 'jl', subnet: '10.243.0' });
  const addr = (h: string) => cluster.host(h).address;

  before(async () => {
    await cluster.down();
    mkdirSync(DIR, { recursive: true });
    writeFileSync(
      `${DIR}/compose.yaml`,
      [
        `name: ${PROJECT}`,
        'services:',
        '  web:',
        '    image: fizz/busybox:latest',
        '    command: ["sh", "-c", "echo web-$$HOSTNAME > /www/index.html; exec httpd -f -p 80 -h /www"]',
        '    init: true',
        `    ports: ["${PORT}:80"]`,
        '    deploy:',
        '      replicas: 3',
        '',
      ].join('\n'),
    );
    await cluster.up(3);
    await fizz('h1', ['up', '-d']);
    await wait('3 web replicas running, one per host', async () => {
      const running = (await rows('h1')).filter((r) => r.State === 'running');
      return running.length === 3 && new Set(running.map((r) => r.Node)).size === 3;
    });
    // Every host's ingress answers before the client starts.
    for (const h of ['h1', 'h2', 'h3']) await wait(`${h}:${PORT} answers`, () => answers(h));
  });
  after(() => cluster.down());

  const fizz = fizzOn(cluster, DIR, 180_000);
  const rows = async (host: string): Promise<Row[]> =>
    JSON.parse(await fizz(host, ['ps', '--format', 'json']));
  const wait = (what: string, ok: () => Promise<boolean>, ms = 60_000) => until(what, ok, ms);
  const answers = async (h: string) =>
    getPage(addr(h), 2000).then(
      (b) => b.startsWith('web-'),
      () => false,
    );
  /** Host name → web replica numbers it runs, from each host's own engine. */
  const placement = async () => {
    const out = new Map<string, number[]>();
    for (const h of cluster.hosts()) {
      const r = await cluster.exec(h.name, [
        'docker',
        'ps',
        '--filter',
        `label=fizz.project=${PROJECT}`,
        '--format',
        '{{.Label "fizz.slot"}}',
      ]);
      out.set(h.name, r.stdout.trim().split('\n').filter(Boolean).map(Number).sort());
    }
    return out;
  };
  /** Waits until the placement has held still for `quietMs` (a join settles in steps). */
  const settled = async (quietMs = 12_000, ms = 90_000) => {
    const deadline = Date.now() + ms;
    let last = await placement();
    let since = Date.now();
    while (Date.now() - since < quietMs) {
      if (Date.now() > deadline) assert.fail(`placement still moving after ${ms} ms: ${show(last)}`);
      await new Promise((r) => setTimeout(r, 500));
      const now = await placement();
      if (show(now) !== show(last)) {
        last = now;
        since = Date.now();
      }
    }
    return last;
  };
  const show = (m: Map<string, number[]>) => [...m].map(([h, s]) => `${h}:[${s.join(',')}]`).join(' ');

  it('a 4th host joins, a replica moves to it make-before-break, and no request fails', async () => {
    const before = await placement();
    const listed = JSON.parse(await fizz('h1', ['nodes', '--format', 'json'])) as Array<{ id: string }>;
    const { id, slots } = idTakingASlot(listed.map((n) => n.id));
    let targets = ['h1', 'h2', 'h3'].map(addr);
    const client = new Client(addr('h1'), () => targets);
    client.start();
    await new Promise((r) => setTimeout(r, 1000));
    const h4 = await cluster.add({ nodeId: id });
    // A load balancer adds a host once it answers.
    await wait(`${h4}:${PORT} answers`, () => answers(h4));
    targets = [...targets, addr(h4)];
    let now = before;
    await wait(`web replica ${slots.join(', ')} runs on ${h4}, 3 in all, one per host`, async () => {
      now = await placement();
      const all = [...now.values()].flat();
      const here = (now.get(h4) ?? []).join(',');
      return here === slots.sort().join(',') && all.length === 3 && new Set(all).size === 3;
    }).catch((err) => assert.fail(`${(err as Error).message}: before ${show(before)}, now ${show(now)}`));
    // A join settles in steps (the stable view): requests go on until nothing moves.
    now = await settled();
    const { ok, failures } = await client.stop();
    assert.ok(ok > 100, `the client ran: ${ok} answers`);
    assert.deepEqual(
      failures,
      [],
      `${failures.length} of ${ok + failures.length} failed (${show(before)} → ${show(now)})`,
    );
  });

  it('`fizz leave` drains a host: its replica runs elsewhere, and no request fails, also when the departed member is reaped', async () => {
    const before = await placement();
    // A host with a replica, not the client's fixed target.
    const leaving = ['h2', 'h3', 'h4'].find((h) => (before.get(h)?.length ?? 0) > 0)!;
    let targets = cluster
      .hosts()
      .map((h) => h.name)
      .map(addr);
    const client = new Client(addr('h1'), () => targets);
    client.start();
    await new Promise((r) => setTimeout(r, 1000));
    // A load balancer in front takes the leaving host out of rotation first.
    targets = targets.filter((a) => a !== addr(leaving));
    await fizz(leaving, ['leave']);
    let now = before;
    await wait('3 web replicas, none on the host that left', async () => {
      now = await placement();
      const all = [...now.values()].flat();
      return (now.get(leaving)?.length ?? 0) === 0 && all.length === 3 && new Set(all).size === 3;
    }).catch((err) => assert.fail(`${(err as Error).message}: before ${show(before)}, now ${show(now)}`));
    // Once the departed member is reaped, placement runs over the three alone, which may swap
    // replicas between them (one-per-node ports: break-before-make per node, drained first).
    await wait(
      `${leaving} reaped from h1's member list`,
      async () => !(await fizz('h1', ['nodes', '--format', 'json'])).includes(`"${leaving}"`),
      120_000,
    );
    now = await settled();
    const { ok, failures } = await client.stop();
    assert.ok(ok > 100, `the client ran: ${ok} answers`);
    assert.deepEqual(
      failures,
      [],
      `${leaving} left: ${failures.length} of ${ok + failures.length} failed (${show(before)} → ${show(now)})`,
    );
  });
});
