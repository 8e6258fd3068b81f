/**
 * What a container runtime reports and accepts, as plain data. Shared by the runtime
 * implementations (DockerRuntime, FakeRuntime), the pure reconcile planner and the agent.
 */
import type { ServiceSpec } from '../compose/types.js';
import type { BuildImageOptions, BuildImageRequest, PullImageOptions } from './image-types.js';

/** Labels every container Fizz makes carries; an agent adopts containers by them. */
export const LABELS = {
  project: 'fizz.project',
  service: 'fizz.service',
  /** The replica index, as a decimal string. */
  slot: 'fizz.slot',
  specHash: 'fizz.spec-hash',
  /** The node id of the agent that created it. */
  node: 'fizz.node',
  /** Compose's own labels, so `docker compose ps` users recognise the containers. */
  composeProject: 'com.docker.compose.project',
  composeService: 'com.docker.compose.service',
  composeNumber: 'com.docker.compose.container-number',
  /**
   * A `fizz run` container: serves no slot, so the reconcile loop never touches it (it is
   * removed by `--rm` or `fizz down`).
   */
  oneoff: 'fizz.oneoff',
  composeOneoff: 'com.docker.compose.oneoff',
} as const;

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
export type HealthState = 'none' | 'starting' | 'healthy' | 'unhealthy';

export interface PublishedPort {
  target: number;
  published?: number;
  protocol: string;
  hostIp?: string;
}

/** A container as the runtime observes it. */
export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  /** The id (`sha256:…`) of the image it was made from, when the engine says. */
  imageId?: string;
  labels: Record<string, string>;
  state: ContainerState;
  health: HealthState;
  exitCode?: number;
  /** ms since the epoch */
  createdAt: number;
  /** ms since the epoch, when running */
  startedAt?: number;
  ports: PublishedPort[];
  /** The command line as the engine lists it (`sh -c 'echo hi'`), when it says. */
  command?: string;
  /** The engine's own status text (`Up 5 minutes (healthy)`, `Exited (0) 2 seconds ago`), when it says. */
  status?: string;
  /** How often the engine restarted it under its restart policy (inspect only). */
  restartCount?: number;
  /** Engine network name → IPv4 address, for the networks that gave it one. */
  addresses?: Record<string, string>;
}

/** The identity of one replica: `(project, service, replica index)`. */
export interface SlotRef {
  project: string;
  service: string;
  replica: number;
}

/** How `ensureNetwork` makes a network that is missing. */
export interface NetworkOptions {
  project: string;
  driver?: string;
  labels?: Record<string, string>;
  /** An IPv4 subnet (CIDR) instead of the engine's choice: the mesh's address plan. */
  subnet?: string;
  /** Driver options (`com.docker.network.driver.mtu` …). */
  options?: Record<string, string>;
}

/** Everything needed to create the container of one slot. */
export interface CreateRequest {
  slot: SlotRef;
  /** Container name, e.g. `<project>-<service>-<replica+1>` like docker compose. */
  name: string;
  spec: ServiceSpec;
  /** The hash stored in the `fizz.spec-hash` label. */
  specHash: string;
  /**
   * Engine-level network names to join, with aliases (the service name at least). The first
   * is joined at create, the others right after. `key`, the project-level network key, lets
   * the runtime find the service's `ipv4_address`/`ipv6_address`/`mac_address` for it.
   */
  networks: Array<{ name: string; aliases: string[]; key?: string }>;
  /** Engine-level names of named volumes, by the project-level key used in `spec.volumes[].source`. */
  volumeNames: Record<string, string>;
  /** Extra labels (node id etc.), merged over the service's own. */
  labels: Record<string, string>;
  /**
   * `network_mode: service:x`: the name of x's first container, whose network stack this one
   * joins (x's `container_name` when it has one); default `<project>-x-1`.
   */
  networkContainer?: string;
  /**
   * A `fizz run` container instead of a slot's: labelled `fizz.oneoff` with no slot, stdin
   * closed when the attached client detaches it, removed by the engine on exit with `autoRemove`.
   */
  oneOff?: { autoRemove: boolean };
}

export function slotKey(slot: SlotRef): string {
  return `${slot.project}/${slot.service}/${slot.replica}`;
}

/** A line of container output, demultiplexed. */
export interface LogLine {
  containerId: string;
  stream: 'stdout' | 'stderr';
  /** ms since the epoch, when the engine gave a timestamp */
  time?: number;
  text: string;
}

export interface LogOptions {
  follow?: boolean;
  /** Last N lines only. */
  tail?: number;
  /** ms since the epoch */
  since?: number;
  timestamps?: boolean;
}

/** A change the engine reports about a Fizz container (create, start, die, health_status …). */
export interface RuntimeEvent {
  containerId: string;
  action: string;
  labels: Record<string, string>;
}

/**
 * The container engine as the agent uses it. `DockerRuntime` drives a real Docker Engine;
 * `FakeRuntime` keeps everything in memory for unit tests and simulations. Methods throw
 * the runtime's own error classes (`ImageNotFoundError`, `PortInUseError`,
 * `EngineUnreachableError`, …) so callers can tell failures apart by `name`.
 */
export interface Runtime {
  /** Fizz-labelled containers (every project unless one is given), running or not. */
  list(project?: string): Promise<ContainerInfo[]>;
  inspect(id: string): Promise<ContainerInfo | undefined>;
  /** Creates (does not start) the container of a slot; returns its id. */
  create(req: CreateRequest): Promise<string>;
  start(id: string): Promise<void>;
  /** Stops with the container's stop signal, then kills after `graceMs`. */
  stop(id: string, graceMs?: number): Promise<void>;
  restart(id: string, graceMs?: number): Promise<void>;
  remove(id: string, opts?: { force?: boolean; volumes?: boolean }): Promise<void>;
  /** Creates the engine network if missing (idempotent). */
  ensureNetwork(name: string, opts: NetworkOptions): Promise<void>;
  removeNetwork(name: string): Promise<void>;
  ensureVolume(
    name: string,
    opts: { project: string; driver?: string; labels?: Record<string, string> },
  ): Promise<void>;
  removeVolume(name: string): Promise<void>;
  /**
   * Names of the networks and volumes a project made (by label); with `node`, only those
   * that node made (`fizz.node`) or that name no node (made before the label existed).
   */
  projectResources(project: string, node?: string): Promise<{ networks: string[]; volumes: string[] }>;
  hasImage(ref: string): Promise<boolean>;
  /** Demultiplexed output; ends when the container stops if `follow`, else at the end. */
  logs(id: string, opts: LogOptions): AsyncIterable<LogLine>;
  /** Live engine events about Fizz containers until `signal` aborts. */
  events(signal: AbortSignal): AsyncIterable<RuntimeEvent>;
  /** Engine version and API version in use, e.g. for `fizz version`. */
  info(): Promise<{ engineVersion: string; apiVersion: string }>;
  /** Runs a command in a running container (`fizz exec`). */
  exec(id: string, opts: ExecOptions): Promise<ExecSession>;
  /** Sends a signal (`SIGKILL`, `SIGHUP`, `9`…) to a running container (`fizz kill`). */
  kill(id: string, signal: string): Promise<void>;
  /** Freezes / thaws every process of a container (`fizz pause` / `unpause`). */
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
  /** The processes of a running container, as the engine's `top` lists them (`fizz top`). */
  top(id: string): Promise<ProcessTable>;
  /** An image on this machine, or undefined when it is not here (`fizz images`). */
  imageInfo(ref: string): Promise<ImageInfo | undefined>;
  /**
   * Pulls an image from its registry, reporting each layer's progress. Throws
   * `RegistryUnreachableError`, `ImageNotInRegistryError`, `RegistryAuthError` or
   * `PullFailedError` (image-errors.ts).
   */
  pullImage(ref: string, opts?: PullImageOptions): Promise<void>;
  /**
   * Builds an image from a local context and tags it; resolves with its id. Throws
   * `BuildContextError` or `BuildFailedError` (naming the step and the Dockerfile line).
   */
  buildImage(req: BuildImageRequest, opts?: BuildImageOptions): Promise<string>;
}

/** `ps` output of one container: column titles, then one row per process. */
export interface ProcessTable {
  titles: string[];
  processes: string[][];
}

/** What `fizz images` shows of an image. */
export interface ImageInfo {
  /** `sha256:…` */
  id: string;
  /** `repo:tag` names; empty for an untagged image. */
  repoTags: string[];
  /** Bytes. */
  size: number;
  /** When it was last tagged (pulled, built or tagged here), ms since the epoch, if the engine says. */
  lastTagTime?: number;
}

/** A command to run in a running container (`fizz exec`). */
export interface ExecOptions {
  cmd: string[];
  /** Allocate a pseudo-terminal: output is one raw stream (stdout), input is a terminal's. */
  tty: boolean;
  /** Attach stdin, so `write` and `endInput` reach the command. */
  stdin: boolean;
  /** `KEY=VALUE` entries added to the container's environment. */
  env?: string[];
  user?: string;
  workdir?: string;
  /** Start the command and return at once: nothing is attached, the exit code is not awaited. */
  detach?: boolean;
  /** With a TTY: the terminal's size from the start (else the engine's default until `resize`). */
  size?: { rows: number; cols: number };
}

/** A piece of an exec's output, demultiplexed (with a TTY everything is `stdout`). */
export interface ExecChunk {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

/** A running exec: its output, its input, its terminal size and, once the output ends, its exit code. */
export interface ExecSession {
  /** Ends when the command's output ends (it exited, or closed its outputs). */
  output: AsyncIterable<ExecChunk>;
  /** Resolves once the engine took the data (backpressure for large inputs). */
  write(data: Buffer): Promise<void>;
  /** The command reads end of file. */
  endInput(): void;
  resize(rows: number, cols: number): Promise<void>;
  /** The command's exit code; call once the output has ended. */
  exitCode(): Promise<number>;
  /** Cuts the session (the client went away); the command may go on running. */
  close(): void;
}
