import { lanConfig, type SwimConfig } from './config.js';
import type { Keyring } from './keyring.js';
import { ManualClock } from './manual-clock.js';
import { SeededRandom } from './random.js';
import type { MetaSigner } from './signer.js';
import { defaultSimOptions, SimNetwork, type SimNetworkOptions } from './sim-network.js';
import { Swim } from './swim.js';

export interface SimClusterOptions {
  nodes: number;
  seed: number;
  /** Applied to each node's LAN preset. */
  config?: Partial<Omit<SwimConfig, 'name'>>;
  network?: Partial<SimNetworkOptions>;
  /** Undefined: plaintext packets (the codec still runs; see docs/swim.md). */
  keyring?: () => Keyring;
  clusterId?: string;
  /** Each node's metadata signer (signer.ts), by name; none: nothing is signed. */
  signer?: (name: string) => MetaSigner;
  /** true: every node starts knowing every other (no join storm); false: all join through n0. */
  bootstrap?: boolean;
}

/**
 * N nodes on a SimNetwork in simulated time, all from one seed: the same options and seed
 * replay the same run, event for event. Node i is named and addressed `n<i>`.
 */
export class SimCluster {
  readonly clock = new ManualClock(0);
  readonly random: SeededRandom;
  readonly net: SimNetwork;
  readonly nodes = new Map<string, Swim>();
  readonly names: string[] = [];
  private readonly opts: SimClusterOptions;
  /** Called for every node created, restarts included (attach event listeners here). */
  onNode: ((swim: Swim) => void) | null = null;

  constructor(opts: SimClusterOptions, onNode?: (swim: Swim) => void) {
    this.opts = opts;
    this.onNode = onNode ?? null;
    this.random = new SeededRandom(opts.seed);
    this.net = new SimNetwork(this.clock, this.random.fork(), { ...defaultSimOptions, ...opts.network });
    for (let i = 0; i < opts.nodes; i++) this.names.push(`n${i}`);
    const peers = this.names.map((name) => ({ name, addr: name }));
    for (const name of this.names) {
      const swim = this.create(name, 0);
      if (opts.bootstrap !== false) swim.bootstrap(peers);
      swim.start({ announce: opts.bootstrap === false });
    }
    if (opts.bootstrap === false)
      for (const name of this.names.slice(1)) this.nodes.get(name)!.joinCb(['n0'], () => {});
  }

  config(name: string): SwimConfig {
    return { ...lanConfig(name), ...this.opts.config, name };
  }

  private create(name: string, incarnation: number): Swim {
    const { transport, clock } = this.net.addNode(name);
    const swim = new Swim({
      config: this.config(name),
      transport,
      clock,
      random: this.random.fork(),
      clusterId: this.opts.clusterId ?? 'sim',
      keyring: this.opts.keyring?.(),
      ...(this.opts.signer ? { signer: this.opts.signer(name) } : {}),
      incarnation,
    });
    this.nodes.set(name, swim);
    this.onNode?.(swim);
    return swim;
  }

  node(name: string): Swim {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** Advances simulated time by `ms`. */
  run(ms: number): void {
    this.clock.advance(ms);
  }

  /** kill -9: the process vanishes without a word. */
  kill(name: string): void {
    this.net.kill(name);
    void this.nodes.get(name)?.stop();
  }

  /** A fresh process under the same name and address, starting at incarnation 0, joining through `seeds`. */
  restart(name: string, seeds: string[], cb: (err: Error | null) => void = () => {}): Swim {
    const swim = this.create(name, 0);
    swim.start();
    swim.joinCb(seeds, (err) => cb(err));
    return swim;
  }

  /** True when every running node other than `name` sees it in one of `states`. */
  allSee(name: string, states: string[]): boolean {
    for (const [n, swim] of this.nodes) {
      if (n === name || swim.stats === undefined || this.isDown(n)) continue;
      if (!states.includes(swim.stateOf(name) ?? 'none')) return false;
    }
    return true;
  }

  private readonly down = new Set<string>();
  isDown(name: string): boolean {
    return this.down.has(name);
  }
  markDown(name: string, down: boolean): void {
    if (down) this.down.add(name);
    else this.down.delete(name);
  }
}
