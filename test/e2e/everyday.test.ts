/**
 * `fizz create`, `cp`, `stats`, `events`, `wait`, `attach`, `rm` and `version --format json`
 * against the real engine, read back through `docker` itself.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BIN,
  containerIds,
  docker,
  eventually,
  inspect,
  type PsJson,
  type Sandbox,
  SKIP_DOCKER,
  SKIP_REASON,
  sandbox,
  spawnFizz,
} from './harness.js';

const COMPOSE = `services:
  web:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
    volumes: ["/scratch"]
  job:
    image: fizz/busybox:latest
    command: ["sh", "-c", "exit 5"]
    restart: "no"
  talk:
    image: fizz/busybox:latest
    command: ["sh", "-c", "read x; echo got $$x; exit 7"]
    stdin_open: true
    restart: "no"
`;

async function ok(sb: Sandbox, args: string[], input?: string) {
  const r = await sb.fizz(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `fizz ${args.join(' ')}: ${r.stderr}`);
  return r;
}

async function ps(sb: Sandbox): Promise<PsJson[]> {
  return JSON.parse((await ok(sb, ['ps', '-a', '--format', 'json'])).stdout || '[]') as PsJson[];
}

test(`create, cp both ways, stats, events, wait, attach, rm, version --format json${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('everyday');
  try {
    sb.compose(COMPOSE);
    // create: every container made, none started.
    await ok(sb, ['create']);
    const created = await ps(sb);
    assert.deepEqual(created.map((c) => `${c.Service}:${c.State}`).sort(), [
      'job:created',
      'talk:created',
      'web:created',
    ]);
    await ok(sb, ['start', 'web']);
    // --format with a Go template, as scripts written for docker compose use it.
    const tpl = await ok(sb, ['ps', '--format', '{{.Service}} {{.State}}']);
    assert.equal(tpl.stdout, 'web running\n');
    const table = await ok(sb, ['ps', '-a', '--format', 'table {{.Service}}\\t{{.State}}']);
    assert.match(table.stdout, /^SERVICE\s+STATE\njob\s+created\n/);

    // events: the restart of web among the project's events, as JSON lines.
    const events = spawnFizz(sb, ['events', '--json', 'web']);
    const version = JSON.parse((await ok(sb, ['version', '--format', 'json'])).stdout);
    assert.equal(typeof version.agent?.pid, 'number', 'an agent runs');
    assert.equal(typeof version.engine?.version, 'string');
    await eventually(
      async () => {
        await ok(sb, ['restart', '-t', '1', 'web']);
        return events.out().includes('"action":"start"') ? true : undefined;
      },
      30_000,
      'a start event',
    );
    events.child.kill('SIGINT');
    assert.equal(await events.exited, 0, events.err());
    const lines = events
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(lines.every((e) => e.service === 'web' && e.project === sb.project));
    assert.ok(lines.some((e) => e.type === 'container' && e.action === 'die'));

    // cp into the container (a file into a directory, a directory under a new name) and back out.
    writeFileSync(join(sb.dir, 'note.txt'), 'a note\n');
    mkdirSync(join(sb.dir, 'conf', 'sub'), { recursive: true });
    writeFileSync(join(sb.dir, 'conf', 'sub', 'x.ini'), 'x=1\n');
    await ok(sb, ['cp', './note.txt', 'web:/tmp']);
    await ok(sb, ['cp', 'conf', 'web:/etc/app']);
    const webId = (await ps(sb)).find((c) => c.Service === 'web')!.ID;
    assert.equal(await docker('exec', webId, 'cat', '/tmp/note.txt', '/etc/app/sub/x.ini'), 'a note\nx=1\n');
    await ok(sb, ['cp', 'web:/etc/app', './back']);
    assert.equal(readFileSync(join(sb.dir, 'back', 'sub', 'x.ini'), 'utf8'), 'x=1\n');
    await ok(sb, ['cp', 'web:/tmp/note.txt', '.']);
    assert.equal(readFileSync(join(sb.dir, 'note.txt'), 'utf8'), 'a note\n');
    const missing = await sb.fizz(['cp', 'web:/nope', '.']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: .*nope/m);

    // stats: one sample, docker's fields.
    const stats = (await ok(sb, ['stats', '--no-stream', '--format', 'json'])).stdout.trim().split('\n');
    assert.equal(stats.length, 1, 'only web runs');
    const row = JSON.parse(stats[0]!);
    assert.equal(row.Name, `${sb.project}-web-1`);
    assert.match(row.MemUsage, /^[\d.]+\w?i?B \/ [\d.]+\w?i?B$/);
    assert.match(row.CPUPerc, /^\d+\.\d\d%$/);

    // wait: the job's exit code; attach: stdin in, the reply and the exit code out.
    await ok(sb, ['start', 'job']);
    assert.equal((await ok(sb, ['wait', 'job'])).stdout, '5\n');
    await ok(sb, ['start', 'talk']);
    // stdin stays open: at its end the engine ends the attachment of a container not created
    // with stdin_once (as `docker attach` does), and the reply could be cut off.
    const attach = spawn(process.execPath, [...process.execArgv, BIN, 'attach', 'talk'], {
      cwd: sb.dir,
      env: sb.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    attach.stdout.on('data', (d) => {
      out += d;
    });
    attach.stderr.on('data', (d) => {
      err += d;
    });
    const code = new Promise<number | null>((r) => attach.on('close', r));
    attach.stdin.write('hello\n');
    assert.equal(await code, 7, err);
    assert.equal(out, 'got hello\n');

    // rm: refused without -f off a terminal; the stopped ones go; -s -v takes web and its anonymous volume.
    const asked = await sb.fizz(['rm']);
    assert.equal(asked.code, 1);
    assert.match(asked.stderr, /add -f/);
    const anon = (await inspect(webId)) as unknown as { Mounts: Array<{ Name: string }> };
    const volume = anon.Mounts[0]!.Name;
    await ok(sb, ['rm', '-f']);
    assert.deepEqual(
      (await ps(sb)).map((c) => c.Service),
      ['web'],
      'job and talk (exited) removed, web (running) kept',
    );
    await ok(sb, ['rm', '-f', '-s', '-v', 'web']);
    assert.deepEqual(await containerIds(sb.project), []);
    assert.equal((await docker('volume', 'ls', '-q', '--filter', `name=${volume}`)).trim(), '');
    // The removal is in the desired state: the next up makes them again.
    await ok(sb, ['up', '-d', 'web']);
    assert.equal((await ps(sb)).filter((c) => c.Service === 'web' && c.State === 'running').length, 1);
  } finally {
    await sb.cleanup();
  }
});
