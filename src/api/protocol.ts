/**
 * The local API between the CLI and its agent, version 1: JSON requests, JSON or NDJSON
 * (one JSON object per line) responses over HTTP on a unix socket. Every route is under
 * `/v1`; a change that old clients cannot read gets a new prefix.
 */
import type { ProjectSpec } from '../compose/types.js';
import type { ContainerState, HealthState, PublishedPort } from '../runtime/types.js';

export const API_VERSION = 1;
export const API_PREFIX = '/v1';

export const ROUTES = {
  info: `${API_PREFIX}/info`,
  up: `${API_PREFIX}/up`,
  down: `${API_PREFIX}/down`,
  ps: `${API_PREFIX}/ps`,
  logs: `${API_PREFIX}/logs`,
  start: `${API_PREFIX}/start`,
  stop: `${API_PREFIX}/stop`,
  restart: `${API_PREFIX}/restart`,
  /** `fizz exec`: an HTTP Upgrade to EXEC_UPGRADE, then frames both ways (exec-stream.ts). */
  exec: `${API_PREFIX}/exec`,
  /** `fizz ls`: the projects the agent knows. */
  ls: `${API_PREFIX}/ls`,
  /** `fizz scale web=3`: a scale override in the desired state, then a pass. */
  scale: `${API_PREFIX}/scale`,
  /** `fizz kill`, `fizz pause`, `fizz unpause`: an engine operation on the services' containers. */
  kill: `${API_PREFIX}/kill`,
  pause: `${API_PREFIX}/pause`,
  unpause: `${API_PREFIX}/unpause`,
  /** `fizz top`: the processes of each running container. */
  top: `${API_PREFIX}/top`,
  /** `fizz images`: the image of each container. */
  images: `${API_PREFIX}/images`,
  /** `fizz pull`: pull the services' images (progress per layer). */
  pull: `${API_PREFIX}/pull`,
  /** `fizz build`: build the services' images (the builder's output streamed). */
  build: `${API_PREFIX}/build`,
  /** `fizz image ls`: the images each node of the cluster holds. */
  imageList: `${API_PREFIX}/image/ls`,
  /** `fizz image push`: every other node pulls an image from this one (progress per node). */
  imagePush: `${API_PREFIX}/image/push`,
  /** `fizz inspect SERVICE`: a service's endpoints and where its published ports answer. */
  inspect: `${API_PREFIX}/inspect`,
} as const;

/** What happens to one resource while an operation runs, as docker compose prints it. */
export type ProgressStatus =
  | 'creating'
  | 'created'
  | 'starting'
  | 'started'
  | 'running'
  | 'waiting'
  | 'healthy'
  | 'exited'
  | 'stopping'
  | 'stopped'
  | 'restarting'
  | 'restarted'
  | 'recreating'
  | 'recreated'
  | 'removing'
  | 'removed'
  | 'killing'
  | 'killed'
  | 'pausing'
  | 'paused'
  | 'unpausing'
  | 'unpaused'
  | 'pulling'
  | 'pulled'
  | 'building'
  | 'built'
  | 'skipped'
  | 'warning'
  | 'error';

export const PROGRESS_STATUSES: readonly ProgressStatus[] = [
  'creating',
  'created',
  'starting',
  'started',
  'running',
  'waiting',
  'healthy',
  'exited',
  'stopping',
  'stopped',
  'restarting',
  'restarted',
  'recreating',
  'recreated',
  'removing',
  'removed',
  'killing',
  'killed',
  'pausing',
  'paused',
  'unpausing',
  'unpaused',
  'pulling',
  'pulled',
  'building',
  'built',
  'skipped',
  'warning',
  'error',
];

export type ResourceKind = 'container' | 'network' | 'volume' | 'project' | 'image' | 'layer';

export const RESOURCE_KINDS: readonly ResourceKind[] = [
  'container',
  'network',
  'volume',
  'project',
  'image',
  'layer',
];

export interface ProgressEvent {
  type: 'progress';
  resource: ResourceKind;
  /** Container, network, volume or image name; a layer's short id. */
  name: string;
  service?: string;
  status: ProgressStatus;
  /** Error text when `status` is 'error', else a short note (a layer: the engine's words, `Downloading`). */
  detail?: string;
  /** A layer: the name of the image it belongs to. */
  parent?: string;
  /** A layer being downloaded or extracted: bytes done and in all, when the engine says. */
  current?: number;
  total?: number;
}

/** A line of a build's output, as the builder prints it (`Step 2/5 : RUN make`). */
export interface OutputEvent {
  type: 'output';
  service: string;
  text: string;
}

/** What an operation reports while it runs. */
export type OpProgress = ProgressEvent | OutputEvent;

/** The last line of every operation's stream. */
export interface DoneEvent {
  type: 'done';
  ok: boolean;
  /** One line per failure, already naming the service (and image or port). */
  errors: string[];
}

export type OpEvent = ProgressEvent | OutputEvent | DoneEvent;

/** `up --pull`: overrides every service's pull_policy for this up. */
export type PullFlag = 'always' | 'missing' | 'never';

export interface UpRequest {
  spec: ProjectSpec;
  /** The compose files it was loaded from (absolute paths), for `fizz ls`. */
  configFiles?: string[];
  /** Wait until every service runs and is healthy (or exited 0 when one-shot). */
  wait?: boolean;
  waitTimeoutMs?: number;
  /** `fizz up web db`: only these services and their dependencies (absent or empty: every service). */
  services?: string[];
  /** `--no-deps`: the named services without their dependencies. */
  noDeps?: boolean;
  /** `--force-recreate`: recreate the containers even if their spec is unchanged. */
  forceRecreate?: boolean;
  /** `--no-recreate`: keep the containers of services already up, even if their spec changed. */
  noRecreate?: boolean;
  /** `-t N`: seconds to wait for containers being recreated or removed to stop (default: each service's stop_grace_period). */
  timeout?: number;
  /** `--scale web=3`: replicas by service, overriding deploy.replicas and scale. */
  scale?: Record<string, number>;
  /** `--pull always|missing|never`: overrides every service's pull_policy. */
  pull?: PullFlag;
  /** `--build`: build the images of services with a build section before starting them. */
  build?: boolean;
  /** `--no-build`: build nothing, even an image that is missing. */
  noBuild?: boolean;
  /** `fizz create`: make the containers of services not yet up without starting them. */
  noStart?: boolean;
  /** The caller's docker CLI config directory (DOCKER_CONFIG, else ~/.docker): its registry credentials. */
  dockerConfig?: string;
}

/** `fizz pull [service…]`. */
export interface PullRequest {
  spec: ProjectSpec;
  /** Empty or absent: every service. */
  services?: string[];
  /** `--ignore-pull-failures`: a failed pull is a warning, not an error. */
  ignorePullFailures?: boolean;
  dockerConfig?: string;
}

/** `fizz build [service…]`. */
export interface BuildRequest {
  spec: ProjectSpec;
  /** Empty or absent: every service with a build section. */
  services?: string[];
  /** `--no-cache`. */
  noCache?: boolean;
  /** `--pull`: always try to pull a newer base image. */
  pull?: boolean;
  /** `--build-arg K=V`: over the file's build args. */
  buildArgs?: Record<string, string>;
  dockerConfig?: string;
}

export interface DownRequest {
  project: string;
  /** Remove named volumes too (`fizz down -v`). */
  volumes?: boolean;
  /** `fizz down -t N`: seconds to wait for each container to stop before killing it. */
  timeout?: number;
}

export interface ServicesRequest {
  project: string;
  /** Empty: every service of the project. */
  services: string[];
  /** `fizz stop|restart -t N`: seconds to wait for the stop before killing (default: each service's stop_grace_period). */
  timeout?: number;
}

export interface PsEntry {
  project: string;
  service: string;
  replica: number;
  name: string;
  id: string;
  image: string;
  state: ContainerState;
  health: HealthState;
  exitCode?: number;
  ports: PsPort[];
  createdAt: number;
  startedAt?: number;
  /** The command line, as the engine lists it. */
  command?: string;
  /** The engine's status text: `Up 5 minutes (healthy)`, `Exited (0) 2 seconds ago`. */
  status?: string;
  /** The name of the node that runs it. */
  node?: string;
  /**
   * Restarts of the replica: the engine's (its restart policy) plus Fizz's own (unhealthy
   * restarts, recreations after a removal by hand) since the node's agent started. Only
   * for replicas of the node that answers; undefined for other nodes'.
   */
  restarts?: number;
}

/** A node where a published port answers: its name (or `local` outside a cluster) and host address. */
export interface PortAnswer {
  node: string;
  address: string;
}

/** A container's port; `answersOn` when the mesh's ingress answers it on every live node. */
export interface PsPort extends PublishedPort {
  answersOn?: PortAnswer[];
}

/** One replica of a service, wherever it runs (`fizz inspect`). */
export interface InspectEndpoint {
  /** The node's name (`local` outside a cluster). */
  node: string;
  replica: number;
  /** The node's address on the mesh (its WireGuard interface), in a cluster. */
  meshAddress?: string;
  /** Engine network name → the container's IPv4 address there. */
  addresses: Record<string, string>;
  state: string;
  health: string;
  /** Takes new connections (running, not unhealthy or starting, on a live node). */
  ready: boolean;
}

export interface InspectPort {
  target: number;
  published: number;
  protocol: string;
  /** On every live node (the mesh's ingress), not only where a replica runs. */
  everywhere: boolean;
  answersOn: PortAnswer[];
}

export interface InspectResponse {
  project: string;
  service: string;
  endpoints: InspectEndpoint[];
  ports: InspectPort[];
}

export interface PsResponse {
  containers: PsEntry[];
  /** Replicas no node can run now, with the reason (placement's). */
  pending?: Array<{ service: string; replica: number; reason: string }>;
}

export interface LogEvent {
  type: 'log';
  service: string;
  replica: number;
  container: string;
  stream: 'stdout' | 'stderr';
  time?: number;
  text: string;
}

/** A line of `fizz logs` that is not a container's: a node whose containers could not be read. */
export interface LogNotice {
  type: 'notice';
  text: string;
}

export interface InfoResponse {
  version: string;
  apiVersion: number;
  nodeId: string;
  pid: number;
  home: string;
  engine?: { engineVersion: string; apiVersion: string };
  engineError?: string;
  projects: string[];
  /** What the user must hear on every command (a damaged state, containers kept because of it). */
  warnings?: string[];
}

export interface ErrorBody {
  error: { name: string; message: string };
}

/** `fizz exec`: what to run, and where (the replica's container must be running). */
export interface ExecRequest {
  project: string;
  service: string;
  /** The replica, 1-based as in `docker compose exec --index`. */
  index: number;
  command: string[];
  tty: boolean;
  /** Start it and return at once (`-d`): no output, exit code 0. */
  detach: boolean;
  /** `KEY=VALUE` entries. */
  env: string[];
  user?: string;
  workdir?: string;
  /** With a TTY: the terminal's size when the command starts. */
  size?: { rows: number; cols: number };
}

/** One project as `fizz ls` shows it. */
export interface LsEntry {
  name: string;
  /** Containers per state, in the engine's words: `{ running: 2, exited: 1 }`. */
  states: Record<string, number>;
  /** The compose files of the last `fizz up` through this agent (absolute paths), if known. */
  configFiles: string[];
}

export interface LsResponse {
  projects: LsEntry[];
}

/** `fizz scale web=3 db=0`: replicas by service, kept in the desired state. */
export interface ScaleRequest {
  project: string;
  scale: Record<string, number>;
}

/** `fizz kill [-s SIGNAL] [service…]`. */
export interface KillRequest {
  project: string;
  /** Empty: every service of the project. */
  services: string[];
  /** `SIGKILL` (the default), `SIGHUP`, `9`, `HUP`… as the engine takes it. */
  signal?: string;
}

/** One container's processes, as `fizz top` prints them. */
export interface TopEntry {
  name: string;
  /** The node that runs it (in a cluster). */
  node?: string;
  service: string;
  replica: number;
  titles: string[];
  processes: string[][];
}

export interface TopResponse {
  containers: TopEntry[];
  /** Nodes that could not answer, one line each (in a cluster). */
  errors?: string[];
}

/** The image of one container, as `fizz images` prints it. */
export interface ImageEntry {
  container: string;
  /** The node that runs it (in a cluster). */
  node?: string;
  service: string;
  replica: number;
  /** The image reference the container was made from. */
  image: string;
  /** `sha256:…`; empty when the image is no longer on this machine. */
  id: string;
  /** Bytes (0 when unknown). */
  size: number;
}

export interface ImagesResponse {
  images: ImageEntry[];
  /** Nodes that could not answer, one line each (in a cluster). */
  errors?: string[];
}

/** One image one node holds, as `fizz image ls` prints it. */
export interface HeldImageEntry {
  node: string;
  id: string;
  tags: string[];
  layers: number;
}

export interface ImageListResponse {
  images: HeldImageEntry[];
}

/** `fizz image push <image>`. */
export interface ImagePushRequest {
  image: string;
}
