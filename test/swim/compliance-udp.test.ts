import { setTimeout as sleep } from 'node:timers/promises';
import { RealClock, systemRandom } from '../../swim/real-clock.js';
import type { Transport } from '../../swim/transport.js';
import { UdpTransport } from '../../swim/udp-transport.js';
import { type Harness, transportCompliance } from './compliance.js';

transportCompliance('UdpTransport', async () => {
  const made: Transport[] = [];
  const clock = new RealClock();
  const h: Harness = {
    async node(address) {
      const port = address ? Number(address.split(':')[1]) : 0;
      const transport = await UdpTransport.create({ host: '127.0.0.1', port });
      made.push(transport);
      return { transport, clock, random: systemRandom() };
    },
    wait: (ms) => sleep(ms),
    async kill(t) {
      await t.close();
    },
    async close() {
      await Promise.all(made.map((t) => t.close()));
    },
  };
  return h;
});
