/**
 * A SWIM node in its own process on loopback, for udp-processes.test.ts.
 *   node udp-node.js NAME PORT [SEEDS,comma,separated]
 * Prints one JSON line per event ({"ready": address} first); SIGTERM leaves gracefully.
 */
import { lanConfig } from '../../swim/config.js';
import { Keyring } from '../../swim/keyring.js';
import { RealClock, systemRandom } from '../../swim/real-clock.js';
import { Swim } from '../../swim/swim.js';
import { UdpTransport } from '../../swim/udp-transport.js';

const [name = 'node', port = '0', seeds = ''] = process.argv.slice(2);
const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

const transport = await UdpTransport.create({ host: '127.0.0.1', port: Number(port) });
const swim = new Swim({
  config: { ...lanConfig(name), joinRetryDelay: 300 },
  transport,
  clock: new RealClock(),
  random: systemRandom(),
  clusterId: 'proc-test',
  keyring: new Keyring([Buffer.alloc(32, 3)]),
  meta: { version: '1', labels: { pid: String(process.pid) } },
});
for (const ev of ['join', 'update', 'suspect', 'alive', 'dead', 'leave'] as const)
  swim.on(ev, (m) => out({ ev, name: m.name, incarnation: m.incarnation }));
swim.start();
out({ ready: swim.address });
if (seeds) {
  try {
    await swim.join(seeds.split(','));
    out({ joined: true, incarnation: swim.incarnation });
  } catch (err) {
    out({ error: (err as Error).name, message: (err as Error).message });
    process.exit(2);
  }
}
process.on('SIGTERM', () => {
  void swim.leave().then(() => {
    out({ left: true });
    process.exit(0);
  });
});
// Keep reporting our own incarnation (it rises when we refute or rejoin).
setInterval(() => out({ self: swim.incarnation, live: swim.numLive }), 500);
