/**
 * The CLI's side of `fizz exec` against a hand-written agent on a unix socket: stdin is read
 * at the pace the agent takes it, and a command line too long for the upgrade is named as such.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { runExec } from '../../src/api/exec-client.js';
import { EXEC_UPGRADE, encodeFrame, FRAME } from '../../src/api/exec-stream.js';
import type { ExecRequest } from '../../src/api/protocol.js';

const REQ: ExecRequest = {
  project: 'shop',
  service: 'db',
  index: 1,
  command: ['psql'],
  tty: false,
  detach: false,
  env: [],
};

/** An agent that accepts every exec upgrade and then reads nothing more. */
async function stuckAgent(): Promise<{ socket: string; server: Server; conns: Socket[]; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-exec-client-'));
  const socket = join(dir, 'agent.sock');
  const conns: Socket[] = [];
  const server = createServer((c) => {
    conns.push(c);
    c.on('error', () => {});
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      c.off('data', onData);
      c.pause();
      c.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${EXEC_UPGRADE}\r\n\r\n`);
    };
    c.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return { socket, server, conns, dir };
}

test('stdin is read at the pace the agent takes it, not into memory', async () => {
  const agent = await stuckAgent();
  try {
    const total = 64 << 20;
    let pulled = 0;
    const block = Buffer.alloc(64 << 10, 1);
    const stdin = new Readable({
      read() {
        if (pulled >= total) return void this.push(null);
        pulled += block.length;
        this.push(block);
      },
    });
    const done = runExec(agent.socket, REQ, { stdin, stdout: new PassThrough(), stderr: new PassThrough() });
    done.catch(() => {});
    // Wait until the CLI stops pulling input (all 64 MiB, without backpressure).
    let last = -1;
    let still = 0;
    const deadline = Date.now() + 120_000;
    while (still < 10 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      still = pulled === last && pulled > 0 ? still + 1 : 0;
      last = pulled;
    }
    assert.ok(pulled > 0, 'some input was read');
    assert.ok(pulled < 16 << 20, `${pulled} bytes of stdin read while the agent took none`);
    for (const c of agent.conns) c.destroy();
    await assert.rejects(done, /closed the exec stream/);
  } finally {
    for (const c of agent.conns) c.destroy();
    await new Promise((r) => agent.server.close(r));
    rmSync(agent.dir, { recursive: true, force: true });
  }
});

test('output frames that find a full stream wait for one drain, not one each', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-exec-client-'));
  const path = join(dir, 'agent.sock');
  // An agent that answers the upgrade with 40 stdout frames in one write, then the exit code.
  const server = createServer((c) => {
    c.on('error', () => {});
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      c.off('data', onData);
      const frames = Array.from({ length: 40 }, () => encodeFrame(FRAME.stdout, Buffer.alloc(1024, 120)));
      const exit = Buffer.alloc(4);
      c.write(
        Buffer.concat([
          Buffer.from(
            `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${EXEC_UPGRADE}\r\n\r\n`,
          ),
          ...frames,
          encodeFrame(FRAME.exit, exit),
        ]),
      );
    };
    c.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  try {
    const stdout = new PassThrough({ highWaterMark: 1024 });
    let most = 0;
    const write = stdout.write.bind(stdout);
    stdout.write = ((chunk: Buffer) => {
      const ok = write(chunk);
      queueMicrotask(() => {
        most = Math.max(most, stdout.listenerCount('drain'));
      });
      return ok;
    }) as typeof stdout.write;
    const done = runExec(path, { ...REQ, detach: true }, { stdout, stderr: new PassThrough() });
    stdout.resume(); // a reader, slower than the frames come
    assert.equal(await done, 0);
    assert.ok(most <= 1, `${most} drain listeners at once on the output`);
  } finally {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});
