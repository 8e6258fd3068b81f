/**
 * The mesh's resolver on real sockets (loopback): over UDP a long answer is cut to 512
 * bytes and marked truncated, over TCP the same question gets every record; several
 * questions on one TCP connection, split anywhere, are answered in order; garbage over
 * TCP gets a FORMERR or a closed connection, and the server keeps answering.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../../src/agent/logger.js';
import { TYPE_A, UDP_ANSWER_MAX } from '../../../src/agent/mesh/dns-codec.js';
import { MeshDnsServer } from '../../../src/agent/mesh/dns-server.js';

const MANY = Array.from({ length: 100 }, (_, i) => `100.64.1.${i + 1}`);

function query(name: string, id: number): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const head = Buffer.from([0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  head.writeUInt16BE(id, 0);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(TYPE_A, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([head, ...labels, Buffer.from([0]), tail]);
}

const framed = (msg: Buffer) => Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 255]), msg]);

/** Reads `n` length-prefixed answers from a TCP socket; rejects if it closes first. */
function readAnswers(s: Socket, n: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const out: Buffer[] = [];
    s.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
        if (out.length === n) resolve(out);
      }
    });
    s.on('close', () => reject(new Error(`closed after ${out.length} of ${n} answers`)));
  });
}

describe('the mesh resolver over UDP and TCP', () => {
  const server = new MeshDnsServer(
    (_source, name) => (name === 'web.shop' ? MANY : name === 'db.shop' ? ['100.64.2.7'] : undefined),
    silentLogger(),
    [],
  );
  let port = 0;
  before(async () => {
    port = await server.listen('127.0.0.1', 0);
  });
  after(() => server.close());

  const tcp = () =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
      s.once('error', reject);
    });

  it('UDP: 100 replicas do not fit in 512 bytes: the answer is cut and says TC', async () => {
    const s = createSocket('udp4');
    const reply = await new Promise<Buffer>((resolve) => {
      s.once('message', (m) => resolve(m));
      s.send(query('web.shop', 7), port, '127.0.0.1');
    });
    s.close();
    assert.ok(reply.length <= UDP_ANSWER_MAX);
    assert.equal(reply.readUInt16BE(0), 7);
    assert.equal(reply.readUInt16BE(2) & 0x0200, 0x0200);
    assert.ok(reply.readUInt16BE(6) < 100);
  });

  it('TCP: the same question gets all 100, and two questions split across writes are answered in order', async () => {
    const s = await tcp();
    const answers = readAnswers(s, 2);
    const bytes = Buffer.concat([framed(query('web.shop', 1)), framed(query('db.shop', 2))]);
    // Split inside the first length prefix and inside the second message.
    s.write(bytes.subarray(0, 1));
    s.write(bytes.subarray(1, 40));
    s.write(bytes.subarray(40));
    const [a, b] = await answers;
    s.destroy();
    assert.equal(a!.readUInt16BE(0), 1);
    assert.equal(a!.readUInt16BE(2) & 0x0200, 0, 'no TC over TCP');
    assert.equal(a!.readUInt16BE(6), 100);
    assert.deepEqual([...a!.subarray(a!.length - 4)], [100, 64, 1, 100]);
    assert.equal(b!.readUInt16BE(0), 2);
    assert.equal(b!.readUInt16BE(6), 1);
  });

  it('TCP: garbage gets a FORMERR, and the server still answers the next client', async () => {
    const s = await tcp();
    const answers = readAnswers(s, 1);
    s.write(framed(Buffer.from([0xab, 0xcd, 0x81, 0x00, 9, 9, 9])));
    const [formerr] = await answers;
    s.destroy();
    assert.equal(formerr!.readUInt16BE(0), 0xabcd);
    assert.equal(formerr!.readUInt16BE(2) & 0xf, 1);
    const t = await tcp();
    const next = readAnswers(t, 1);
    t.write(framed(query('db.shop', 3)));
    assert.equal((await next)[0]!.readUInt16BE(6), 1);
    t.destroy();
  });

  it('TCP: a client that floods questions without reading is cut off, not buffered without end', {
    timeout: 10_000,
  }, async () => {
    const s = await tcp();
    const closed = new Promise<void>((resolve) => s.on('close', () => resolve()));
    s.on('data', () => {});
    s.on('error', () => {});
    // 200 questions in one write: over the 64 that may wait for their answers at once.
    s.write(Buffer.concat(Array.from({ length: 200 }, (_, i) => framed(query('web.shop', i)))));
    await closed;
  });
});
