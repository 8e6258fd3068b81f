/**
 * A Fizz cluster on one machine: N hosts, each a network namespace on a shared bridge with
 * its own Docker Engine and its own agent, and the faults a test needs (kill, restart, cut,
 * loss, heal). Used by node:test tests, benchmarks and `npm run cluster` (cli.ts). Needs root.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentAnswers, agentPid, CHECKOUT, hostEnv, startAgent, writeFizzWrapper } from './agent.js';
import { engineAnswers, enginePid, loadImages, mainEngineReady, saveImages, startEngine } from './engine.js';
import {
  type ClusterConfig,
  type ClusterLayout,
  clusterLayout,
  DEFAULT_CONFIG,
  type HostLayout,
  hostIndex,
  hostLayout,
  MAX_HOSTS,
} from './layout.js';
import { leftovers } from './leftovers.js';
import {
  clusterCommandsAvailable,
  formCluster,
  type NodeView,
  nodesView,
  waitAllAlive,
} from './membership.js';
import { unmountUnder } from './mounts.js';
import * as net from './network.js';
import { killHostProcesses, removeCgroups } from './procs.js';
import { inNetns, must, poll, type Run, run } from './sh.js';
import { type ClusterState, readState, writeState } from './state.js';

export interface ClusterOptions extends Partial<ClusterConfig> {
  /** Images copied from the main engine into every host (default: the offline fizz/busybox). */
  images?: string[];
  /** Progress lines ("h2: engine ready"); silent by default. */
  progress?: (line: string) => void;
  /** Set in every host's agent environment (e.g. FIZZ_METRICS), beside the harness's own. */
  agentEnv?: Record<string, string>;
  /** The MTU of the hosts' links (default the kernel's, 1500): 9000 models a LAN with jumbo frames. */
  mtu?: number;
}

export interface UpOptions {
  /**
   * Form the Fizz cluster (init on h1, join on the others, wait until all are alive). 'auto'
   * (the default) does it when this checkout's CLI has the cluster commands.
   */
  join?: boolean | 'auto';
  /** How long to wait for every host to be an alive member. */
  joinTimeoutMs?: number;
}

export interface HostStatus {
  name: string;
  address: string;
  enginePid?: number;
  engineAnswers: boolean;
  agentPid?: number;
  agentAnswers: boolean;
  /** Faults in force ("cut", "loss 0.1"), "" when none. */
  faults: string;
  /** The host's own view of the membership, when its agent can give one. */
  members?: NodeView[];
}

/** Pure: the faults whose subject is `name`, from rule comments ("h2 cut" → "cut"), deduplicated. */
export function faultsOf(name: string, comments: string[]): string {
  const mine = comments.filter((c) => c.startsWith(`${name} `)).map((c) => c.slice(name.length + 1));
  return [...new Set(mine)].join(', ');
}

export class ClusterExistsError extends Error {
  override name = 'ClusterExistsError';
}

export class UnknownHostError extends Error {
  override name = 'UnknownHostError';
}

export class Cluster {
  readonly layout: ClusterLayout;
  readonly images: string[];
  private readonly progress: (line: string) => void;
  private readonly agentEnv: Record<string, string>;
  private readonly mtu: number | undefined;

  constructor(options: ClusterOptions = {}) {
    const { images, progress, agentEnv, mtu, ...config } = options;
    this.mtu = mtu;
    this.layout = clusterLayout({ ...DEFAULT_CONFIG, ...config });
    this.images = images ?? ['fizz/busybox:latest'];
    this.progress = progress ?? (() => {});
    this.agentEnv = agentEnv ?? {};
  }

  get dir(): string {
    return this.layout.dir;
  }

  state(): ClusterState | undefined {
    return readState(this.layout.stateFile);
  }

  /** The hosts of the cluster that is up, in order. */
  hosts(): HostLayout[] {
    return (this.state()?.hosts ?? []).map((r) => hostLayout(this.layout, hostIndex(r.name)!));
  }

  host(name: string): HostLayout {
    const h = this.hosts().find((x) => x.name === name);
    if (!h) throw new UnknownHostError(`no host '${name}' in cluster ${this.layout.config.name}`);
    return h;
  }

  /** The environment of a command run on the host. */
  env(name: string): NodeJS.ProcessEnv {
    return hostEnv(this.layout, this.host(name));
  }

  /** Brings up hosts h1…hN in parallel, then forms the Fizz cluster (see UpOptions.join). */
  async up(n: number, options: UpOptions = {}): Promise<void> {
    if (process.getuid?.() !== 0)
      throw new Error('the cluster harness needs root (namespaces, dockerd, iptables)');
    if (!Number.isInteger(n) || n < 1 || n > MAX_HOSTS)
      throw new RangeError(`host count ${n}: expected 1-${MAX_HOSTS}`);
    if (this.state())
      throw new ClusterExistsError(
        `cluster ${this.layout.config.name} is up already (${this.dir}); run down first`,
      );
    // Leftovers of a run that crashed before it wrote its state.
    await this.down();
    const hosts = Array.from({ length: n }, (_, i) => hostLayout(this.layout, i + 1));
    writeState(this.layout.stateFile, {
      version: 1,
      config: this.layout.config,
      hosts: hosts.map((h) => ({ name: h.name })),
      createdAt: new Date().toISOString(),
    });
    if (!(await mainEngineReady(this.images))) {
      this.progress('main engine or images missing: running scripts/ensure-docker.sh');
      await must(['bash', join(CHECKOUT, 'scripts', 'ensure-docker.sh')], { timeoutMs: 600_000 });
    }
    writeFizzWrapper(this.layout);
    await Promise.all([net.createBridge(this.layout), saveImages(this.images, this.layout.imagesTar)]);
    this.progress(`bridge ${this.layout.bridge} ${this.layout.bridgeAddress}/24; images saved`);
    await Promise.all(hosts.map((h) => this.bootHost(h)));
    rmSync(this.layout.imagesTar, { force: true });
    await this.formIfWanted(hosts, options);
  }

  /**
   * Boots one more host (the next index) into the running cluster and joins it with the
   * token `up` kept; resolves once the first host sees it alive. Returns its name.
   */
  async add(options: { joinTimeoutMs?: number; nodeId?: string } = {}): Promise<string> {
    const state = this.state();
    if (!state) throw new Error(`cluster ${this.layout.config.name} is not up`);
    const index = Math.max(...state.hosts.map((r) => hostIndex(r.name) ?? 0)) + 1;
    if (index > MAX_HOSTS) throw new RangeError(`host count ${index}: expected 1-${MAX_HOSTS}`);
    const h = hostLayout(this.layout, index);
    writeState(this.layout.stateFile, { ...state, hosts: [...state.hosts, { name: h.name }] });
    await saveImages(this.images, this.layout.imagesTar);
    await this.bootHost(h, options.nodeId);
    rmSync(this.layout.imagesTar, { force: true });
    const first = this.hosts()[0]!;
    if (state.token) {
      const argv = [
        'fizz',
        'join',
        first.listen,
        '--token',
        state.token,
        '--listen',
        h.listen,
        '--name',
        h.name,
      ];
      const r = await this.exec(h.name, argv, { timeoutMs: 60_000 });
      if (r.code !== 0) throw new Error(`${h.name}: fizz join exited ${r.code}: ${r.stderr}${r.stdout}`);
      const exec = (x: HostLayout, a: string[], timeoutMs?: number) => this.exec(x.name, a, { timeoutMs });
      const seen = await waitAllAlive(first, [h.name], exec, options.joinTimeoutMs);
      // The new host sees every alive member, and each of them sees it (see formIfWanted).
      const alive = seen.filter((n) => n.state === 'alive').map((n) => n.name);
      await Promise.all(
        alive.map((name) =>
          waitAllAlive(this.host(name), name === h.name ? alive : [h.name], exec, options.joinTimeoutMs),
        ),
      );
      this.progress(`${h.name}: joined ${first.listen}`);
    }
    return h.name;
  }

  /** `nodeId`: the agent's node id (FIZZ_HOME/node-id) instead of a random one. */
  private async bootHost(h: HostLayout, nodeId?: string): Promise<void> {
    await net.createHostNetwork(this.layout, h);
    if (this.mtu !== undefined) await net.setLinkMtu(this.layout, h, this.mtu);
    this.progress(`${h.name}: namespace ${h.netns}, ${h.address}`);
    const engine = await startEngine(h);
    this.progress(`${h.name}: engine ready (pid ${engine})`);
    await loadImages(h, this.layout.imagesTar);
    this.progress(`${h.name}: images loaded`);
    if (nodeId !== undefined) {
      mkdirSync(h.home, { recursive: true, mode: 0o700 });
      writeFileSync(join(h.home, 'node-id'), `${nodeId}\n`, { mode: 0o600 });
    }
    const agent = await startAgent(this.layout, h, this.agentEnv);
    this.progress(`${h.name}: agent ready (pid ${agent})`);
  }

  private async formIfWanted(hosts: HostLayout[], options: UpOptions): Promise<void> {
    const exec = (h: HostLayout, argv: string[], timeoutMs?: number) =>
      this.exec(h.name, argv, { timeoutMs });
    let join = options.join ?? 'auto';
    if (join === 'auto') {
      join = await clusterCommandsAvailable(hosts[0]!, exec);
      if (!join) this.progress('this checkout has no `fizz init` yet: hosts left as independent machines');
    }
    if (!join) return;
    const token = await formCluster(hosts, exec, this.progress);
    const state = this.state()!;
    writeState(this.layout.stateFile, { ...state, token });
    // Every host, not only the first: a host that does not see another yet places the
    // other's slots on the ones it knows, and a test's first step would see that as a
    // duplicate replica (a `scale` right after `up` put 2 on h3 that way).
    const names = hosts.map((h) => h.name);
    await Promise.all(hosts.map((h) => waitAllAlive(h, names, exec, options.joinTimeoutMs)));
    this.progress(`all ${hosts.length} hosts are alive members, as every host sees it`);
  }

  /** Runs argv on the host (its namespace and environment), output captured. */
  exec(
    name: string,
    argv: string[],
    opts: { timeoutMs?: number; input?: string; cwd?: string } = {},
  ): Promise<Run> {
    const h = this.host(name);
    return run(inNetns(h.netnsPath, argv), { ...opts, env: hostEnv(this.layout, h) });
  }

  /** Runs argv on the host with this process's stdin/stdout/stderr; resolves with its exit code. */
  execInteractive(name: string, argv: string[], cwd?: string): Promise<number> {
    const h = this.host(name);
    const full = inNetns(h.netnsPath, argv);
    return new Promise((resolve) => {
      const child = spawn(full[0]!, full.slice(1), { cwd, env: hostEnv(this.layout, h), stdio: 'inherit' });
      child.on('error', () => resolve(127));
      child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
  }

  /** SIGKILLs everything of the host at once: containers, shims, containerd, dockerd, agent. */
  async kill(name: string): Promise<number> {
    const h = this.host(name);
    const killed = await killHostProcesses(h);
    this.mark(name, true);
    this.progress(`${name}: killed ${killed} processes`);
    return killed;
  }

  /** Starts a killed host's engine and agent again on the same disks (whichever is not running). */
  async restart(name: string): Promise<void> {
    const h = this.host(name);
    if (!enginePid(h) || !(await engineAnswers(h.engineSocket))) {
      const pid = await startEngine(h);
      this.progress(`${name}: engine ready (pid ${pid})`);
    }
    if (!agentPid(h) || !(await agentAnswers(h))) {
      const pid = await startAgent(this.layout, h, this.agentEnv);
      this.progress(`${name}: agent ready (pid ${pid})`);
    }
    this.mark(name, false);
  }

  private mark(name: string, killed: boolean): void {
    const state = this.state();
    if (!state) return;
    const hosts = state.hosts.map((r) => (r.name === name ? { ...r, killed } : r));
    writeState(this.layout.stateFile, { ...state, hosts });
  }

  /**
   * Cuts the host off from everyone, or only from the named peers: both directions, dropped
   * where the packets arrive (the host drops what comes from them, they drop what comes from it).
   */
  async cut(name: string, peers: string[] = []): Promise<void> {
    const x = this.host(name);
    const others = peers.length
      ? peers.map((p) => this.host(p))
      : this.hosts().filter((h) => h.name !== name);
    const fault = `${name} cut${peers.length ? ` from ${peers.join(' ')}` : ''}`;
    if (peers.length === 0) await net.drop(x, [], fault);
    else for (const p of others) await net.drop(x, ['-s', p.address], fault);
    await Promise.all(others.map((y) => net.drop(y, ['-s', x.address], fault)));
    this.progress(`${name}: cut off from ${peers.length ? peers.join(', ') : 'everyone'}`);
  }

  /** Drops each packet to or from the host with probability p (0 < p ≤ 1). */
  async loss(name: string, p: number): Promise<void> {
    const x = this.host(name);
    const match = net.lossMatch(p);
    const fault = `${name} loss ${p}`;
    await net.drop(x, match, fault);
    await Promise.all(
      this.hosts()
        .filter((y) => y.name !== name)
        .map((y) => net.drop(y, ['-s', x.address, ...match], fault)),
    );
    this.progress(`${name}: losing ${p * 100}% of its packets each way`);
  }

  /** Removes every cut and loss. */
  async heal(): Promise<void> {
    await Promise.all(this.hosts().map((h) => net.heal(h)));
    this.progress('healed: no cuts, no loss');
  }

  async status(options: { members?: boolean } = {}): Promise<HostStatus[]> {
    const exec = (h: HostLayout, argv: string[], timeoutMs?: number) =>
      this.exec(h.name, argv, { timeoutMs });
    const hosts = this.hosts();
    const faults = (await Promise.all(hosts.map((h) => net.faultComments(h)))).flat();
    return Promise.all(
      hosts.map(async (h): Promise<HostStatus> => {
        const engine = enginePid(h);
        const agent = agentPid(h);
        const agentOk = agent !== undefined && (await agentAnswers(h));
        return {
          name: h.name,
          address: h.address,
          enginePid: engine,
          engineAnswers: engine !== undefined && (await engineAnswers(h.engineSocket)),
          agentPid: agent,
          agentAnswers: agentOk,
          faults: faultsOf(h.name, faults),
          members: options.members !== false && agentOk ? await nodesView(h, exec) : undefined,
        };
      }),
    );
  }

  /**
   * Removes everything the cluster made: processes, mounts, namespaces, veths, cgroups, the
   * bridge and its iptables rule, the state directory. Finds them by name as well as from the
   * state file, so it also cleans up after a crash; doing nothing when there is nothing.
   */
  async down(): Promise<void> {
    const names = new Set<string>(this.safeState()?.hosts.map((h) => h.name) ?? []);
    for (const ns of await net.netnsWithPrefix(this.layout.hostPrefix))
      names.add(ns.slice(this.layout.hostPrefix.length));
    if (existsSync(this.dir)) for (const e of readdirSync(this.dir)) names.add(e);
    const hosts = [...names].flatMap((n) => {
      const i = hostIndex(n);
      return i === undefined ? [] : [hostLayout(this.layout, i)];
    });
    await Promise.all(
      hosts.map(async (h) => {
        await killHostProcesses(h);
        await unmountUnder(h.dir);
        await net.removeHostNetwork(h);
        await removeCgroups(h.cgroupParent);
      }),
    );
    for (const link of await net.linksWithPrefix(this.layout.hostPrefix)) await net.removeLink(link);
    await net.removeBridge(this.layout);
    await unmountUnder(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
    // The kernel tears a deleted namespace (and the veth pair in it) down asynchronously.
    let left: string[] = [];
    const clean = await poll(async () => {
      left = await leftovers(this.layout);
      return left.length === 0 ? true : undefined;
    }, 10_000);
    if (!clean) throw new Error(`down left behind:\n  ${left.join('\n  ')}`);
    if (hosts.length)
      this.progress(`removed ${hosts.map((h) => h.name).join(', ')} and ${this.layout.bridge}`);
  }

  /** A state file that cannot be read must not stop `down`. */
  private safeState(): ClusterState | undefined {
    try {
      return this.state();
    } catch {
      return undefined;
    }
  }
}
