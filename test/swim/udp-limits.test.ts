import assert from 'node:assert/strict';
import { createConnection, type Socket } from 'node:net';
import { test } from 'node:test';
import { MAX_INBOUND_STREAMS, UdpTransport } from '../../swim/udp-transport.js';

test('the stream port holds at most MAX_INBOUND_STREAMS unauthenticated connections; extra ones are closed', async (t) => {
  const transport = await UdpTransport.create({ host: '127.0.0.1', port: 0 });
  transport.listen({ packet: () => {}, stream: () => null });
  const port = Number(transport.address.split(':')[1]);
  const socks: Socket[] = [];
  t.after(async () => {
    for (const s of socks) s.destroy();
    await transport.close();
  });
  const extra = 8;
  let closed = 0;
  const enoughClosed = new Promise<void>((resolve) => {
    for (let i = 0; i < MAX_INBOUND_STREAMS + extra; i++) {
      const s = createConnection({ host: '127.0.0.1', port });
      s.on('error', () => {});
      s.on('connect', () => s.write(Buffer.from([0, 0x10, 0, 0]))); // claims a 1 MiB frame, sends none
      s.on('close', () => {
        if (++closed === extra) resolve();
      });
      socks.push(s);
    }
  });
  await enoughClosed;
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.equal(closed, extra, 'only the connections over the cap were closed');
  // The first MAX_INBOUND_STREAMS are still being served (they would only go at the idle timeout).
  assert.equal(socks.filter((s) => !s.destroyed).length, MAX_INBOUND_STREAMS);
});
