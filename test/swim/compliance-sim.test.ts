import { setImmediate as tick } from 'node:timers/promises';
import { ManualClock } from '../../swim/manual-clock.js';
import { SeededRandom } from '../../swim/random.js';
import { defaultSimOptions, SimNetwork } from '../../swim/sim-network.js';
import { type Harness, transportCompliance } from './compliance.js';

transportCompliance('SimNetwork', async () => {
  const clock = new ManualClock();
  const random = new SeededRandom(42);
  const net = new SimNetwork(clock, random.fork(), { ...defaultSimOptions, loss: 0.02, reorder: 0.05 });
  let next = 0;
  const h: Harness = {
    async node(address) {
      const { transport, clock: c } = net.addNode(address ?? `sim-${next++}`);
      return { transport, clock: c, random: random.fork() };
    },
    async wait(ms) {
      clock.advance(ms);
      await tick();
    },
    async kill(t) {
      net.kill(t.address);
    },
    async close() {},
  };
  return h;
});
