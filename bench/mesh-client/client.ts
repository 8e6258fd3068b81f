/**
 * The client side of the `mesh` benchmark, run inside a host's network namespace:
 *   node client.js latency HOST PORT N      N round trips of 64 bytes on one connection
 *   node client.js throughput HOST PORT MB  MB sent through an echo and read back
 *   node client.js probe HOST PORT N MS     N short connections, one every MS ms
 * Prints one JSON line.
 */
import { connect } from 'node:net';

const [mode, host, portText, nText, msText] = process.argv.slice(2);
const port = Number(portText);
const n = Number(nText);

function open(): Promise<import('node:net').Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: host!, port, noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
}

async function latency(): Promise<void> {
  const s = await open();
  const msg = Buffer.alloc(64, 7);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      let got = 0;
      const onData = (d: Buffer) => {
        got += d.length;
        if (got >= msg.length) {
          s.off('data', onData);
          resolve();
        }
      };
      s.on('data', onData);
      s.write(msg);
    });
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  s.destroy();
  process.stdout.write(`${JSON.stringify({ samples })}\n`);
}

async function throughput(): Promise<void> {
  const s = await open();
  const total = n * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 1);
  const t0 = process.hrtime.bigint();
  let received = 0;
  const done = new Promise<void>((resolve) =>
    s.on('data', (d: Buffer) => {
      received += d.length;
      if (received >= total) resolve();
    }),
  );
  for (let sent = 0; sent < total; sent += chunk.length) {
    if (!s.write(chunk)) await new Promise((r) => s.once('drain', r));
  }
  await done;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  s.destroy();
  process.stdout.write(`${JSON.stringify({ bytes: total, seconds })}\n`);
}

async function probe(): Promise<void> {
  const every = Number(msText);
  const results: Array<{ t: number; ok: boolean }> = [];
  for (let i = 0; i < n; i++) {
    const t = Date.now();
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: host!, port }, () => s.write(Buffer.alloc(8, 1)));
      const timer = setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 1000);
      s.once('data', () => {
        clearTimeout(timer);
        s.destroy();
        resolve(true);
      });
      s.once('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    results.push({ t, ok });
    const wait = t + every - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  process.stdout.write(`${JSON.stringify({ results })}\n`);
}

await ({ latency, throughput, probe } as Record<string, () => Promise<void>>)[mode!]!();
