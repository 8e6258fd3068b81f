/**
 * Where everything of a test cluster lives: names of namespaces, links and cgroups, addresses,
 * and paths. Pure: every other part of the harness (and `down` after a crash, with no state
 * file) derives the same names from the cluster's name and a host's index, so nothing it
 * made can be forgotten.
 */
import { join } from 'node:path';

export interface ClusterConfig {
  /** Short name, [a-z][a-z0-9]{0,4}: it goes into interface names, which the kernel caps at 15 bytes. */
  name: string;
  /** The first three octets of the bridge's /24, e.g. "10.231.0". */
  subnet: string;
  /** Parent of every cluster's state directory, e.g. /run/fizz-cluster. */
  root: string;
}

export const DEFAULT_CONFIG: ClusterConfig = { name: 'fz', subnet: '10.231.0', root: '/run/fizz-cluster' };

/** Fizz's default cluster port (UDP for SWIM, TCP for libp2p). */
export const CLUSTER_PORT = 7171;
/** The most hosts one cluster can have: addresses .11 … .110 of the /24. */
export const MAX_HOSTS = 100;

export interface ClusterLayout {
  config: ClusterConfig;
  dir: string;
  stateFile: string;
  /** Holds the `fizz` wrapper that `exec` puts first on PATH. */
  binDir: string;
  imagesTar: string;
  bridge: string;
  bridgeAddress: string;
  /** Every link and namespace of this cluster's hosts starts with this. */
  hostPrefix: string;
  /** The root namespace's rule that lets bridged traffic past the main engine's FORWARD DROP. */
  forwardRule: string[];
}

export interface HostLayout {
  name: string;
  index: number;
  address: string;
  /** `address:7171`, what `fizz init/join --listen` get. */
  listen: string;
  netns: string;
  netnsPath: string;
  /** The root-namespace end of the host's veth pair; the other end is `eth0` in the namespace. */
  veth: string;
  dir: string;
  engineSocket: string;
  dataRoot: string;
  execRoot: string;
  enginePidfile: string;
  engineConfig: string;
  engineLog: string;
  /** The host engine's default bridge: distinct per host and away from the main engine's 172.17/16. */
  bip: string;
  /** Containers of this host's engine go under this cgroup, so a kill can find every one. */
  cgroupParent: string;
  home: string;
  agentLog: string;
}

export class ClusterConfigError extends Error {
  override name = 'ClusterConfigError';
}

export function validateConfig(config: ClusterConfig): void {
  if (!/^[a-z][a-z0-9]{0,4}$/.test(config.name))
    throw new ClusterConfigError(
      `cluster name '${config.name}': expected 1-5 of [a-z0-9], starting with a letter`,
    );
  const octets = config.subnet.split('.');
  if (octets.length !== 3 || octets.some((o) => !/^\d{1,3}$/.test(o) || Number(o) > 255))
    throw new ClusterConfigError(
      `subnet '${config.subnet}': expected the first three octets of a /24, e.g. 10.231.0`,
    );
  if (!config.root.startsWith('/'))
    throw new ClusterConfigError(`state root '${config.root}' is not absolute`);
}

export function clusterLayout(config: ClusterConfig): ClusterLayout {
  validateConfig(config);
  const dir = join(config.root, config.name);
  const bridge = `fzc-${config.name}`;
  return {
    config,
    dir,
    stateFile: join(dir, 'state.json'),
    binDir: join(dir, 'bin'),
    imagesTar: join(dir, 'images.tar'),
    bridge,
    bridgeAddress: `${config.subnet}.1`,
    hostPrefix: `${bridge}-`,
    forwardRule: ['FORWARD', '-i', bridge, '-o', bridge, '-j', 'ACCEPT'],
  };
}

export function hostName(index: number): string {
  return `h${index}`;
}

/** The index of a host name ("h3" → 3), or undefined when it is not one. */
export function hostIndex(name: string): number | undefined {
  const m = /^h([1-9]\d*)$/.exec(name);
  if (!m) return undefined;
  const i = Number(m[1]);
  return i <= MAX_HOSTS ? i : undefined;
}

export function hostLayout(cluster: ClusterLayout, index: number): HostLayout {
  if (!Number.isInteger(index) || index < 1 || index > MAX_HOSTS)
    throw new ClusterConfigError(`host index ${index}: expected 1-${MAX_HOSTS}`);
  const name = hostName(index);
  const dir = join(cluster.dir, name);
  const address = `${cluster.config.subnet}.${10 + index}`;
  const netns = `${cluster.hostPrefix}${name}`;
  return {
    name,
    index,
    address,
    listen: `${address}:${CLUSTER_PORT}`,
    netns,
    netnsPath: `/var/run/netns/${netns}`,
    veth: netns,
    dir,
    engineSocket: join(dir, 'docker.sock'),
    dataRoot: join(dir, 'data'),
    execRoot: join(dir, 'exec'),
    enginePidfile: join(dir, 'docker.pid'),
    engineConfig: join(dir, 'daemon.json'),
    engineLog: join(dir, 'dockerd.log'),
    bip: `172.31.${index}.1/24`,
    cgroupParent: `/${netns}`,
    home: join(dir, 'home'),
    agentLog: join(dir, 'agent.log'),
  };
}
