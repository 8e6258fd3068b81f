/**
 * `fizz scale`, `kill`, `port`, `images`, `top`, `pause` and `unpause` against the real
 * engine, read back through `docker` itself where it matters.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import {
  containerIds,
  docker,
  inspect,
  type PsJson,
  processGone,
  type Sandbox,
  SKIP_DOCKER,
  SKIP_REASON,
  sandbox,
} from './harness.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '0.0.0.0', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function composeFile(port: number): string {
  return `services:
  web:
    image: fizz/busybox:latest
    command: ["httpd", "-f", "-p", "80"]
    init: true
    ports:
      - "${port}:80"
  worker:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
    restart: always
  once:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
    restart: "no"
`;
}

async function ps(sb: Sandbox, ...args: string[]): Promise<PsJson[]> {
  const r = await sb.fizz(['ps', '-a', '--format', 'json', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout || '[]') as PsJson[];
}

async function fizzOk(sb: Sandbox, args: string[]) {
  const r = await sb.fizz(args);
  assert.equal(r.code, 0, `fizz ${args.join(' ')}: ${r.stderr}`);
  return r;
}

const running = async (sb: Sandbox, service: string) =>
  (await ps(sb, service))
    .filter((c) => c.State === 'running')
    .map((c) => c.Name)
    .sort();

test(`scale: replicas up and down (0 too), refused mistakes, an agent restart, and the next up${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('scale');
  const p = sb.project;
  try {
    sb.compose(composeFile(await freePort()));
    await fizzOk(sb, ['up', '-d']);
    const scaled = await fizzOk(sb, ['scale', 'worker=3']);
    assert.match(scaled.stderr, new RegExp(`Container ${p}-worker-3 {2}Started`));
    assert.match(scaled.stderr, new RegExp(`Container ${p}-worker-1 {2}Running`));
    assert.deepEqual(await running(sb, 'worker'), [`${p}-worker-1`, `${p}-worker-2`, `${p}-worker-3`]);
    const ids = await containerIds(p);
    assert.equal(ids.length, 5);

    // Mistakes change nothing.
    const unknown = await sb.fizz(['scale', 'worker=1', 'nope=2']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no such service: nope/);
    const bad = await sb.fizz(['scale', 'worker=many']);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout + bad.stderr, /scale wants SERVICE=NUM/);
    assert.deepEqual(await containerIds(p), ids);

    // The override is durable: an agent killed and started again keeps three, no twins.
    const pid = sb.agentPid()!;
    process.kill(pid, 'SIGKILL');
    await processGone(pid);
    assert.equal((await running(sb, 'worker')).length, 3);
    assert.notEqual(sb.agentPid(), pid);
    // Passes of the new agent (every 2 s, and one at its start) would have shrunk it by now.
    await new Promise((r) => setTimeout(r, 4000));
    assert.deepEqual(await containerIds(p), ids);

    await fizzOk(sb, ['scale', 'worker=0']);
    assert.deepEqual((await ps(sb, 'worker')).length, 0);
    await fizzOk(sb, ['scale', 'worker=2']);
    assert.equal((await running(sb, 'worker')).length, 2);
    // The next plain `up` goes back to the file's count, as docker compose's does.
    await fizzOk(sb, ['up', '-d']);
    assert.deepEqual(await running(sb, 'worker'), [`${p}-worker-1`]);
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(await running(sb, 'worker'), [`${p}-worker-1`]);
    await fizzOk(sb, ['down']);
    assert.deepEqual(await containerIds(p), []);
  } finally {
    await sb.cleanup();
  }
});

test(`kill, port, images, top, pause and unpause${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('cmds');
  const p = sb.project;
  try {
    const port = await freePort();
    sb.compose(composeFile(port));
    await fizzOk(sb, ['up', '-d']);
    const byName = async () => new Map((await ps(sb)).map((c) => [c.Name, c]));

    // port
    const addr = await fizzOk(sb, ['port', 'web', '80']);
    assert.equal(addr.stdout, `0.0.0.0:${port}\n`);
    const unpublished = await sb.fizz(['port', 'web', '81']);
    assert.equal(unpublished.code, 1);
    assert.match(unpublished.stderr, /no port 81\/tcp published/);
    const noReplica = await sb.fizz(['port', '--index', '2', 'web', '80']);
    assert.equal(noReplica.code, 1);
    assert.match(noReplica.stderr, /has no container with index 2/);
    assert.equal((await sb.fizz(['port', '--protocol', 'udp', 'web', '80'])).code, 1);

    // images: the engine's own id for the image
    const engineId = JSON.parse(await docker('image', 'inspect', 'fizz/busybox:latest'))[0].Id as string;
    const table = await fizzOk(sb, ['images']);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^CONTAINER\s+REPOSITORY\s+TAG\s+IMAGE ID\s+SIZE$/);
    assert.equal(lines.length, 4);
    assert.match(
      lines[1]!,
      new RegExp(`^${p}-once-1\\s+fizz/busybox\\s+latest\\s+${engineId.slice(7, 19)}\\s+[0-9.]+[kM]?B$`),
    );
    assert.equal((await fizzOk(sb, ['images', '-q'])).stdout, `${engineId}\n`);
    const json = JSON.parse((await fizzOk(sb, ['images', '--format', 'json', 'web'])).stdout);
    assert.equal(json.length, 1);
    assert.equal(json[0].ContainerName, `${p}-web-1`);
    assert.equal(json[0].ID, engineId);
    assert.ok(json[0].Size > 0);

    // top
    const top = await fizzOk(sb, ['top', 'worker']);
    const topLines = top.stdout.split('\n');
    assert.equal(topLines[0], `${p}-worker-1`);
    assert.match(topLines[1]!, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
    assert.ok(
      topLines.some((l) => /\ssleep 3600$/.test(l)),
      top.stdout,
    );
    const topAll = await fizzOk(sb, ['top']);
    assert.ok(topAll.stdout.includes(`${p}-web-1\n`) && topAll.stdout.includes(`${p}-once-1\n`));

    // kill: a restart: always container stays exited, as with docker compose kill
    const before = await byName();
    const killed = await fizzOk(sb, ['kill', 'worker', 'once']);
    assert.match(killed.stderr, new RegExp(`Container ${p}-worker-1 {2}Killed`));
    const worker = await inspect(before.get(`${p}-worker-1`)!.ID);
    assert.equal(worker.State.Running, false);
    assert.equal(worker.State.ExitCode, 137);
    // A few passes of the loop (2 s tick, and the `die` events) would have started it.
    await new Promise((r) => setTimeout(r, 5000));
    let now = await byName();
    assert.equal(now.get(`${p}-worker-1`)?.State, 'exited');
    assert.equal(now.get(`${p}-once-1`)?.State, 'exited');
    assert.equal(now.get(`${p}-web-1`)?.State, 'running');
    // A signal the container survives: it keeps running.
    await fizzOk(sb, ['kill', '-s', 'SIGHUP', 'web']);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await byName()).get(`${p}-web-1`)?.State, 'running');
    // start brings the killed worker back (same container); up reruns the one-shot.
    await fizzOk(sb, ['start', 'worker']);
    now = await byName();
    assert.equal(now.get(`${p}-worker-1`)?.State, 'running');
    assert.equal(now.get(`${p}-worker-1`)?.ID, before.get(`${p}-worker-1`)?.ID);
    // worker has no stop_signal: the engine takes any signal as a stop by hand (moby's
    // ExitOnNext), so a SIGHUP that ends it leaves it exited, and the loop holds it too.
    await fizzOk(sb, ['kill', '-s', 'SIGHUP', 'worker']);
    for (let i = 0; i < 100 && (await byName()).get(`${p}-worker-1`)?.State !== 'exited'; i++)
      await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 5000));
    assert.equal((await byName()).get(`${p}-worker-1`)?.State, 'exited', 'worker restarted after SIGHUP');
    await fizzOk(sb, ['start', 'worker']);
    assert.equal((await byName()).get(`${p}-worker-1`)?.State, 'running');
    await fizzOk(sb, ['up', '-d']);
    assert.equal((await byName()).get(`${p}-once-1`)?.State, 'running');

    // pause: the loop leaves it paused; unpause
    await fizzOk(sb, ['pause', 'web']);
    assert.equal((await byName()).get(`${p}-web-1`)?.State, 'paused');
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await byName()).get(`${p}-web-1`)?.State, 'paused');
    await fizzOk(sb, ['unpause']);
    assert.equal((await byName()).get(`${p}-web-1`)?.State, 'running');
    assert.deepEqual(
      [...(await byName()).values()].map((c) => c.ID).sort(),
      [...before.values()].map((c) => c.ID).sort(),
      'a container was recreated',
    );

    await fizzOk(sb, ['down']);
    assert.deepEqual(await containerIds(p), []);
  } finally {
    await sb.cleanup();
  }
});
