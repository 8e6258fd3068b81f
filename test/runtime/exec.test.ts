/**
 * `exec` on the real engine (what the shared compliance suite cannot ask of the fake: a real
 * shell, separate streams, a TTY, user and working directory, detach, large output), and
 * the pure demultiplexer of the engine's framed stream.
 * Set FIZZ_SKIP_DOCKER=1 to skip the engine tests; their names say so.
 */
import assert from 'node:assert/strict';
import { PassThrough, type Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import type Docker from 'dockerode';
import { DockerFrameDecoder, dockerFrame } from '../../src/runtime/demux.js';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { dockerExec } from '../../src/runtime/docker-exec.js';
import type { ExecChunk } from '../../src/runtime/types.js';
import { cleanup, drain, request, uniqueProject } from './compliance.js';

const SKIP = process.env.FIZZ_SKIP_DOCKER === '1' ? 'FIZZ_SKIP_DOCKER=1' : undefined;

test('the demultiplexer reassembles frames split at every byte and keeps the streams apart', () => {
  const wire = Buffer.concat([
    dockerFrame('stdout', Buffer.from('out\n')),
    dockerFrame('stderr', Buffer.from('err\n')),
    dockerFrame('stdout', Buffer.alloc(0)),
    dockerFrame('stdout', Buffer.from('x'.repeat(70_000))),
  ]);
  for (const step of [1, 3, 8, 9, 4096, wire.length]) {
    const d = new DockerFrameDecoder();
    const got: ExecChunk[] = [];
    for (let at = 0; at < wire.length; at += step) got.push(...d.push(wire.subarray(at, at + step)));
    const joined = (s: 'stdout' | 'stderr') =>
      Buffer.concat(got.filter((c) => c.stream === s).map((c) => c.data)).toString();
    assert.equal(joined('stdout'), `out\n${'x'.repeat(70_000)}`, `step ${step}`);
    assert.equal(joined('stderr'), 'err\n', `step ${step}`);
    assert.equal(d.leftover, 0);
  }
  const d = new DockerFrameDecoder();
  assert.deepEqual(d.push(dockerFrame('stdout', Buffer.from('abc')).subarray(0, 9)), []);
  assert.equal(d.leftover, 9);
});

test('the engine connection failing while the TTY is resized ends the output with the error', async () => {
  // A stand-in for dockerode: the hijacked socket errors during the resize right after the start.
  const socket = new PassThrough();
  const exec = {
    start: async () => socket,
    resize: async () => {
      socket.destroy(new Error('engine connection reset'));
      await new Promise((r) => setImmediate(r));
    },
  };
  const docker = { getContainer: () => ({ exec: async () => exec }) } as unknown as Docker;
  const s = await dockerExec(docker, (fn) => fn(), 'c1', {
    cmd: ['sh'],
    tty: true,
    stdin: true,
    size: { rows: 24, cols: 80 },
  });
  await assert.rejects(
    (async () => {
      for await (const _ of s.output);
    })(),
    /engine connection reset/,
  );
});

describe(SKIP ? `exec on the real engine (skipped: ${SKIP})` : 'exec on the real engine', {
  skip: SKIP ?? false,
}, () => {
  const rt = SKIP ? undefined! : new DockerRuntime();
  const projects: string[] = [];
  after(async () => {
    if (!SKIP) for (const p of projects) await cleanup(rt, p);
  });
  async function running(): Promise<string> {
    const p = uniqueProject();
    projects.push(p);
    const id = await rt.create(request(p, 'web', 0));
    await rt.start(id);
    return id;
  }

  test('stdout and stderr come back apart, with the exit code', async () => {
    const id = await running();
    const r = await drain(
      await rt.exec(id, { cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], tty: false, stdin: false }),
    );
    assert.deepEqual(r, { stdout: 'out\n', stderr: 'err\n', code: 3 });
  });

  test('environment, user and working directory reach the command', async () => {
    const id = await running();
    const r = await drain(
      await rt.exec(id, {
        cmd: ['sh', '-c', 'echo "$A $B"; id -u; pwd'],
        tty: false,
        stdin: false,
        env: ['A=1', 'B=two words'],
        user: '65534',
        workdir: '/tmp',
      }),
    );
    assert.deepEqual(r, { stdout: '1 two words\n65534\n/tmp\n', stderr: '', code: 0 });
  });

  test('a large output and a large input arrive whole', async () => {
    const id = await running();
    const input = Buffer.from(`${'0123456789abcdef'.repeat(64)}\n`.repeat(1024)); // 1 MiB + 1 KiB
    const s = await rt.exec(id, {
      cmd: ['sh', '-c', 'cat; cat >&2 </dev/null; echo end >&2'],
      tty: false,
      stdin: true,
    });
    await s.write(input);
    s.endInput();
    const r = await drain(s);
    assert.equal(r.stdout.length, input.length);
    assert.equal(r.stdout, input.toString());
    assert.equal(r.stderr, 'end\n');
    assert.equal(r.code, 0);
  });

  test('a consumer that does not read: the output held for it stays bounded (the engine is paused)', async () => {
    const id = await running();
    const total = 64 << 20;
    const s = await rt.exec(id, {
      cmd: ['head', '-c', String(total), '/dev/zero'],
      tty: false,
      stdin: false,
    });
    const output = s.output as Readable;
    // Nothing reads: wait until the buffer stops growing (all 64 MiB, without backpressure).
    let last = -1;
    let still = 0;
    const deadline = Date.now() + 120_000;
    while (still < 10 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      const n = output.readableLength;
      still = n === last && n > 0 ? still + 1 : 0;
      last = n;
    }
    // What is buffered now, counted in bytes (read() hands out only what is already held).
    let held = 0;
    for (let c = output.read() as ExecChunk | null; c !== null; c = output.read() as ExecChunk | null)
      held += c.data.length;
    assert.ok(held > 0, 'some output arrived');
    assert.ok(held < 4 << 20, `${held} bytes held for a consumer that does not read`);
    // Reading on: everything arrives, the command ends normally.
    let rest = 0;
    for await (const c of output) rest += (c as ExecChunk).data.length;
    assert.equal(held + rest, total);
    assert.equal(await s.exitCode(), 0);
  });

  test('with a TTY: one stream, a terminal, resizable', async () => {
    const id = await running();
    const s = await rt.exec(id, {
      cmd: ['sh', '-c', 'read line; tty; stty size; echo "got $line"; exit 4'],
      tty: true,
      stdin: true,
    });
    await s.resize(33, 111);
    s.write(Buffer.from('hello\n'));
    const r = await drain(s);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /\/dev\/pts\/\d+/);
    assert.match(r.stdout, /33 111/);
    assert.match(r.stdout, /got hello/);
    assert.equal(r.code, 4);
  });

  test('detached: returns at once with nothing attached; the command runs', async () => {
    const id = await running();
    const s = await rt.exec(id, {
      cmd: ['sh', '-c', 'echo ran > /tmp/detached'],
      tty: false,
      stdin: false,
      detach: true,
    });
    assert.deepEqual(await drain(s), { stdout: '', stderr: '', code: 0 });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await drain(await rt.exec(id, { cmd: ['cat', '/tmp/detached'], tty: false, stdin: false }));
      if (r.stdout === 'ran\n') break;
      if (Date.now() > deadline) assert.fail(`the detached command did not run: ${JSON.stringify(r)}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  });

  test('a command that is not there: the engine’s exit code 126/127, not a hang', async () => {
    const id = await running();
    const r = await drain(await rt.exec(id, { cmd: ['/no/such/binary'], tty: false, stdin: false }));
    assert.ok(r.code === 126 || r.code === 127, JSON.stringify(r));
  });
});
