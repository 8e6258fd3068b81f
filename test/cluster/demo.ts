#!/usr/bin/env node
/**
 * `make cluster-demo`: three hosts, a web service with three replicas, one host killed, the
 * replicas back on the survivors, then everything removed. Prints each step's command and
 * output, as a person would see them. Its own cluster name and subnet, so it leaves a cluster
 * brought up with `npm run cluster` alone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster } from './harness.js';
import { poll } from './sh.js';

// An ephemeral published port ("80" → a free host port per replica): a fixed host port
// allows one replica per node, so three replicas could not all run on two survivors.
const COMPOSE = `name: demo
services:
  web:
    image: fizz/busybox:latest
    command: httpd -f -p 80 -h /www
    init: true
    ports: ["80"]
    deploy:
      replicas: 3
`;

interface PsRow {
  Name: string;
  Node: string;
  State: string;
  Publishers?: Array<{ URL: string; PublishedPort: number }>;
}

const started = Date.now();
const say = (line: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);

async function main(cluster: Cluster): Promise<void> {
  const project = join(cluster.dir, 'project');
  const shell = async (host: string, argv: string[]) => {
    console.log(`\n${host}$ ${argv.join(' ')}`);
    const r = await cluster.exec(host, argv, { cwd: project });
    process.stdout.write(r.stdout + r.stderr);
    if (r.code !== 0) throw new Error(`${argv.join(' ')} on ${host} exited ${r.code}: ${r.stderr}`);
  };
  const running = async (observer: string): Promise<PsRow[]> => {
    const r = await cluster.exec(observer, ['fizz', 'ps', '--format', 'json'], { cwd: project });
    return r.code === 0 ? (JSON.parse(r.stdout) as PsRow[]).filter((x) => x.State === 'running') : [];
  };
  const curlEach = async (rows: PsRow[]) => {
    for (const row of rows) {
      const port = row.Publishers?.[0]?.PublishedPort;
      const url = `http://${cluster.host(row.Node).address}:${port}/`;
      const body = await fetch(url, { signal: AbortSignal.timeout(2000) })
        .then((res) => res.text())
        .catch((err: Error) => `no answer (${err.message})`);
      console.log(`curl ${url}  (${row.Name} on ${row.Node}): ${body.trim()}`);
    }
  };

  await cluster.down();
  try {
    say('bringing up 3 hosts');
    await cluster.up(3);
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'compose.yaml'), COMPOSE);
    console.log(`\n${project}/compose.yaml:\n${COMPOSE}`);
    await shell('h1', ['fizz', 'up', '-d']);
    const before = await poll(async () => {
      const rows = await running('h1');
      return rows.length === 3 ? rows : undefined;
    }, 60_000);
    if (!before) throw new Error('the 3 replicas did not all run within 60 s');
    await shell('h1', ['fizz', 'ps']);
    await curlEach(before);

    // A host other than h1 (where we watch from) that runs a replica.
    const victim = before.map((r) => r.Node).find((n) => n !== 'h1') ?? 'h2';
    console.log('');
    say(`killing ${victim}: its containers, engine and agent, with SIGKILL`);
    const killedAt = Date.now();
    await cluster.kill(victim);
    const after = await poll(async () => {
      const rows = await running('h1');
      return rows.length === 3 && rows.every((r) => r.Node !== victim) ? rows : undefined;
    }, 60_000);
    if (!after) throw new Error(`the replicas did not come back on the survivors within 60 s`);
    say(
      `all 3 replicas run on the survivors, ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`,
    );
    await shell('h1', ['fizz', 'nodes']);
    await shell('h1', ['fizz', 'ps']);
    await curlEach(after);
  } finally {
    console.log('');
    say('tearing down');
    await cluster.down();
  }
}

const cluster = new Cluster({ name: 'demo', subnet: '10.231.60', progress: say });
// Engines and agents run in sessions of their own, so ^C reaches only this process: take
// everything down before leaving.
process.once('SIGINT', () => {
  say('interrupted: tearing down');
  cluster.down().finally(() => process.exit(130));
});

try {
  await main(cluster);
} catch (err) {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
