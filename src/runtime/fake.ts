/**
 * `Runtime` in memory: for unit tests of the agent and for simulating many nodes in one
 * process. Behaves like the engine where Fizz relies on it (labels, names unique, host
 * ports exclusive, missing images refused, stop/start state) and has hooks to inject
 * failures, set health, make containers exit and write their output.
 */

import { Readable } from 'node:stream';
import {
  ContainerNotFoundError,
  EngineError,
  EngineUnreachableError,
  ImageNotFoundError,
  NameConflictError,
  PortInUseError,
} from './errors.js';
import { FakeImages } from './fake-images.js';
import { serviceImage } from './image-name.js';
import type { BuildImageOptions, BuildImageRequest, PullImageOptions } from './image-types.js';
import { LineQueue } from './lines.js';
import { containerLabels } from './translate.js';
import {
  type ContainerInfo,
  type CreateRequest,
  type ExecChunk,
  type ExecOptions,
  type ExecSession,
  type HealthState,
  type ImageInfo,
  LABELS,
  type LogLine,
  type LogOptions,
  type ProcessTable,
  type PublishedPort,
  type Runtime,
  type RuntimeEvent,
} from './types.js';

export type FakeOperation =
  | 'list'
  | 'inspect'
  | 'create'
  | 'start'
  | 'stop'
  | 'restart'
  | 'remove'
  | 'ensureNetwork'
  | 'removeNetwork'
  | 'ensureVolume'
  | 'removeVolume'
  | 'projectResources'
  | 'hasImage'
  | 'logs'
  | 'events'
  | 'info'
  | 'exec'
  | 'kill'
  | 'pause'
  | 'unpause'
  | 'top'
  | 'imageInfo'
  | 'pullImage'
  | 'buildImage';

export interface FakeRuntimeOptions {
  /** Images present (default: `fizz/busybox:latest`). */
  images?: Iterable<string>;
  /** Clock for creation and start times (default Date.now). */
  now?: () => number;
  /** Prefix of container ids, e.g. the node name in a simulation. */
  idPrefix?: string;
  /** Called when a container starts: lines it writes, and whether it exits at once with a code. */
  onStart?: (
    c: Readonly<FakeContainer>,
  ) => { output?: Array<Pick<LogLine, 'stream' | 'text'>>; exitCode?: number } | undefined;
  /**
   * What `exec` runs: given the container, the options and everything written to stdin
   * (once the input has ended; '' without stdin), the output and the exit code. Default:
   * `fakeExec` (echo, cat, sh -c 'exit N'; anything else exits 127).
   */
  onExec?: (c: Readonly<FakeContainer>, opts: ExecOptions, input: string) => FakeExecResult;
}

export interface FakeExecResult {
  output: Array<{ stream: 'stdout' | 'stderr'; text: string }>;
  exitCode: number;
}

/** A tiny stand-in for a shell: enough for the agent's and the API's tests of `exec`. */
export function fakeExec(_c: Readonly<FakeContainer>, opts: ExecOptions, input: string): FakeExecResult {
  const [cmd, ...args] = opts.cmd;
  if (cmd === 'echo') return { output: [{ stream: 'stdout', text: `${args.join(' ')}\n` }], exitCode: 0 };
  if (cmd === 'cat') return { output: input ? [{ stream: 'stdout', text: input }] : [], exitCode: 0 };
  const exit = cmd === 'sh' && args[0] === '-c' ? /^exit (\d+)$/.exec(args[1] ?? '') : null;
  if (exit) return { output: [], exitCode: Number(exit[1]) };
  return { output: [{ stream: 'stderr', text: `fake: ${cmd}: not found\n` }], exitCode: 127 };
}

/** What the fake keeps per container. */
export interface FakeContainer {
  info: ContainerInfo;
  req: CreateRequest;
  output: LogLine[];
  /** Bumped on each start, so a stop of an older run does not end newer log followers. */
  runs: number;
}

interface Resource {
  project: string;
  driver: string;
  labels: Record<string, string>;
}

type Listener = (ev: RuntimeEvent) => void;

/** The signals the fake knows by name (Linux numbers). */
const FAKE_SIGNALS: Record<string, number> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  KILL: 9,
  USR1: 10,
  USR2: 12,
  TERM: 15,
  WINCH: 28,
};

export class FakeRuntime implements Runtime {
  readonly images: Set<string>;
  /** Image ids, a fake registry to pull from, recorded builds (fake-images.ts). */
  readonly registry: FakeImages;
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Map<string, Resource>();
  readonly volumes = new Map<string, Resource>();
  /** Host ports held by something outside Fizz ("tcp/8080"). */
  readonly foreignPorts = new Set<string>();
  /** Every call, in order, as `op arg`: lets tests assert what was done. */
  readonly calls: string[] = [];
  private readonly now: () => number;
  private readonly idPrefix: string;
  private readonly onStart: FakeRuntimeOptions['onStart'];
  private readonly onExec: NonNullable<FakeRuntimeOptions['onExec']>;
  private readonly failures = new Map<
    FakeOperation,
    Array<{ error: Error; when: (arg: string) => boolean }>
  >();
  private readonly listeners = new Set<Listener>();
  private readonly followers = new Map<string, Set<LineQueue>>();
  private reachable = true;
  private seq = 0;

  constructor(opts: FakeRuntimeOptions = {}) {
    this.images = new Set(opts.images ?? ['fizz/busybox:latest']);
    this.now = opts.now ?? Date.now;
    this.registry = new FakeImages(this.images, this.now);
    this.idPrefix = opts.idPrefix ?? 'fake';
    this.onStart = opts.onStart;
    this.onExec = opts.onExec ?? fakeExec;
  }

  // ---- hooks -------------------------------------------------------------------------

  /** Makes every call fail with EngineUnreachableError while `false`. */
  setReachable(reachable: boolean): void {
    this.reachable = reachable;
  }

  /**
   * The next call of `op` whose argument `when` accepts (default: any) throws `error`.
   * Several queued failures fire in order.
   */
  failNext(op: FakeOperation, error: Error, when: (arg: string) => boolean = () => true): void {
    const list = this.failures.get(op) ?? [];
    list.push({ error, when });
    this.failures.set(op, list);
  }

  setHealth(id: string, health: HealthState): void {
    const c = this.must(id);
    c.info.health = health;
    this.emit(c, `health_status: ${health}`);
  }

  /** The container's process ends with `code` (a crash, or a one-shot job finishing). */
  exit(id: string, code: number): void {
    const c = this.must(id);
    if (c.info.state !== 'running') return;
    this.halt(c, code);
    this.emit(c, 'die');
  }

  /** The container writes a line. */
  write(id: string, stream: 'stdout' | 'stderr', text: string): void {
    const c = this.must(id);
    const line: LogLine = { containerId: c.info.id, stream, time: this.now(), text };
    c.output.push(line);
    for (const q of this.followers.get(c.info.id) ?? []) q.write(stream, `${text}\n`);
  }

  // ---- Runtime -----------------------------------------------------------------------

  private enter(op: FakeOperation, arg = ''): void {
    this.calls.push(arg ? `${op} ${arg}` : op);
    if (!this.reachable) throw new EngineUnreachableError('fake://engine');
    const list = this.failures.get(op);
    const i = list?.findIndex((f) => f.when(arg)) ?? -1;
    if (i >= 0) throw list!.splice(i, 1)[0]!.error;
  }

  private find(idOrName: string): FakeContainer | undefined {
    const direct = this.containers.get(idOrName);
    if (direct) return direct;
    for (const c of this.containers.values()) if (c.info.name === idOrName) return c;
    if (idOrName.length >= 6)
      for (const c of this.containers.values()) if (c.info.id.startsWith(idOrName)) return c;
    return undefined;
  }

  private must(id: string): FakeContainer {
    const c = this.find(id);
    if (!c) throw new ContainerNotFoundError(id);
    return c;
  }

  private emit(c: FakeContainer, action: string): void {
    const ev: RuntimeEvent = {
      containerId: c.info.id,
      action,
      labels: { ...c.info.labels, name: c.info.name },
    };
    for (const l of this.listeners) l(ev);
  }

  private copy(c: FakeContainer): ContainerInfo {
    return structuredClone(c.info);
  }

  async list(project?: string): Promise<ContainerInfo[]> {
    this.enter('list', project);
    return [...this.containers.values()]
      .filter((c) => c.info.labels['fizz.project'] !== undefined)
      .filter((c) => project === undefined || c.info.labels['fizz.project'] === project)
      .map((c) => this.copy(c));
  }

  async inspect(id: string): Promise<ContainerInfo | undefined> {
    this.enter('inspect', id);
    const c = this.find(id);
    return c ? this.copy(c) : undefined;
  }

  async create(req: CreateRequest): Promise<string> {
    this.enter('create', req.name);
    const image = serviceImage(req.slot.project, req.slot.service, req.spec);
    if (!this.images.has(image)) throw new ImageNotFoundError(image);
    if (this.find(req.name)?.info.name === req.name) throw new NameConflictError(req.name);
    for (const n of req.networks)
      if (!this.networks.has(n.name)) throw new EngineError(404, `network ${n.name} not found`);
    for (const v of req.spec.volumes ?? []) {
      if (v.type !== 'volume' || !v.source) continue;
      const name = req.volumeNames[v.source] ?? v.source;
      if (!this.volumes.has(name)) this.volumes.set(name, { project: '', driver: 'local', labels: {} });
    }
    this.seq++;
    const id = `${this.idPrefix}${this.seq.toString(16).padStart(12, '0')}`;
    const ports: PublishedPort[] = (req.spec.ports ?? []).map((p) => ({
      target: p.target,
      protocol: p.protocol || 'tcp',
      ...(p.published ? { published: Number.parseInt(p.published, 10) } : {}),
      ...(p.host_ip ? { hostIp: p.host_ip } : {}),
    }));
    const c: FakeContainer = {
      info: {
        id,
        name: req.name,
        image,
        imageId: this.registry.idOf(image),
        labels: containerLabels(req),
        state: 'created',
        health: 'none',
        createdAt: this.now(),
        ports,
      },
      req: structuredClone(req),
      output: [],
      runs: 0,
    };
    this.containers.set(id, c);
    this.emit(c, 'create');
    return id;
  }

  private portsInUse(except: string): Set<string> {
    const used = new Set(this.foreignPorts);
    for (const c of this.containers.values()) {
      if (c.info.id === except || (c.info.state !== 'running' && c.info.state !== 'paused')) continue;
      for (const p of c.info.ports) if (p.published !== undefined) used.add(`${p.protocol}/${p.published}`);
    }
    return used;
  }

  async start(id: string): Promise<void> {
    this.enter('start', id);
    const c = this.must(id);
    if (c.info.state === 'running') return;
    const used = this.portsInUse(c.info.id);
    for (const p of c.info.ports) {
      if (p.published !== undefined && used.has(`${p.protocol}/${p.published}`))
        throw new PortInUseError(p.published, c.info.name);
    }
    c.runs++;
    c.info.state = 'running';
    c.info.startedAt = this.now();
    c.info.health = c.req.spec.healthcheck && !c.req.spec.healthcheck.disable ? 'starting' : 'none';
    delete c.info.exitCode;
    this.emit(c, 'start');
    const behaviour = this.onStart?.(c);
    for (const line of behaviour?.output ?? []) this.write(c.info.id, line.stream, line.text);
    if (behaviour?.exitCode !== undefined) this.exit(c.info.id, behaviour.exitCode);
  }

  private halt(c: FakeContainer, code: number): void {
    c.info.state = 'exited';
    c.info.exitCode = code;
    c.info.health = 'none';
    delete c.info.startedAt;
    for (const q of this.followers.get(c.info.id) ?? []) q.end();
    this.followers.delete(c.info.id);
  }

  async stop(id: string, _graceMs?: number): Promise<void> {
    this.enter('stop', id);
    const c = this.must(id);
    if (c.info.state !== 'running' && c.info.state !== 'paused' && c.info.state !== 'restarting') return;
    this.halt(c, 143);
    this.emit(c, 'die');
    this.emit(c, 'stop');
  }

  async kill(id: string, signal: string): Promise<void> {
    this.enter('kill', `${id} ${signal}`);
    const c = this.must(id);
    if (c.info.state !== 'running') throw new EngineError(409, `container ${c.info.name} is not running`);
    const num = FAKE_SIGNALS[signal.replace(/^SIG/i, '').toUpperCase()] ?? Number(signal);
    if (!Number.isInteger(num) || num <= 0) throw new EngineError(500, `invalid signal: ${signal}`);
    this.emit(c, 'kill');
    // SIGHUP, SIGUSR1…: the fake's processes ignore them; the others end the container.
    if (num === 1 || num === 10 || num === 12 || num === 28) return;
    this.halt(c, 128 + num);
    this.emit(c, 'die');
  }

  async pause(id: string): Promise<void> {
    this.enter('pause', id);
    const c = this.must(id);
    if (c.info.state !== 'running') throw new EngineError(409, `container ${c.info.name} is not running`);
    c.info.state = 'paused';
    this.emit(c, 'pause');
  }

  async unpause(id: string): Promise<void> {
    this.enter('unpause', id);
    const c = this.must(id);
    if (c.info.state !== 'paused') throw new EngineError(409, `container ${c.info.name} is not paused`);
    c.info.state = 'running';
    this.emit(c, 'unpause');
  }

  async top(id: string): Promise<ProcessTable> {
    this.enter('top', id);
    const c = this.must(id);
    if (c.info.state !== 'running' && c.info.state !== 'paused')
      throw new EngineError(409, `container ${c.info.name} is not running`);
    const cmd = [...(c.req.spec.entrypoint ?? []), ...(c.req.spec.command ?? [])].join(' ') || 'sh';
    return {
      titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
      processes: [['root', String(1000 + c.runs), '1', '0', '12:00', '?', '00:00:00', cmd]],
    };
  }

  async imageInfo(ref: string): Promise<ImageInfo | undefined> {
    this.enter('imageInfo', ref);
    return this.registry.info(ref);
  }

  async pullImage(ref: string, opts?: PullImageOptions): Promise<void> {
    this.enter('pullImage', ref);
    return this.registry.pull(ref, opts);
  }

  async buildImage(req: BuildImageRequest, opts?: BuildImageOptions): Promise<string> {
    this.enter('buildImage', req.tags[0] ?? '');
    return this.registry.build(req, opts);
  }

  async restart(id: string, graceMs?: number): Promise<void> {
    this.enter('restart', id);
    await this.stop(id, graceMs);
    await this.start(id);
    this.emit(this.must(id), 'restart');
  }

  async remove(id: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    this.enter('remove', id);
    const c = this.must(id);
    if (c.info.state === 'running' && !opts.force)
      throw new EngineError(409, `cannot remove running container ${c.info.name}: stop it or use force`);
    if (c.info.state === 'running') this.halt(c, 137);
    this.containers.delete(c.info.id);
    this.emit(c, 'destroy');
  }

  async ensureNetwork(
    name: string,
    opts: { project: string; driver?: string; labels?: Record<string, string> },
  ): Promise<void> {
    this.enter('ensureNetwork', name);
    if (!this.networks.has(name))
      this.networks.set(name, {
        project: opts.project,
        driver: opts.driver ?? 'bridge',
        labels: { ...opts.labels },
      });
  }

  async removeNetwork(name: string): Promise<void> {
    this.enter('removeNetwork', name);
    for (const c of this.containers.values())
      if (c.info.state === 'running' && c.req.networks.some((n) => n.name === name))
        throw new EngineError(403, `error while removing network: network ${name} has active endpoints`);
    this.networks.delete(name);
  }

  async ensureVolume(
    name: string,
    opts: { project: string; driver?: string; labels?: Record<string, string> },
  ): Promise<void> {
    this.enter('ensureVolume', name);
    if (!this.volumes.has(name))
      this.volumes.set(name, {
        project: opts.project,
        driver: opts.driver ?? 'local',
        labels: { ...opts.labels },
      });
  }

  async removeVolume(name: string): Promise<void> {
    this.enter('removeVolume', name);
    for (const c of this.containers.values())
      if (
        c.req.spec.volumes?.some(
          (v) => v.type === 'volume' && v.source && (c.req.volumeNames[v.source] ?? v.source) === name,
        )
      )
        throw new EngineError(409, `remove ${name}: volume is in use`);
    this.volumes.delete(name);
  }

  async projectResources(project: string, node?: string): Promise<{ networks: string[]; volumes: string[] }> {
    this.enter('projectResources', project);
    const mine = (r: Resource) => node === undefined || (r.labels[LABELS.node] ?? node) === node;
    const of = (m: Map<string, Resource>) =>
      [...m]
        .filter(([, r]) => r.project === project && mine(r))
        .map(([n]) => n)
        .sort();
    return { networks: of(this.networks), volumes: of(this.volumes) };
  }

  async hasImage(ref: string): Promise<boolean> {
    this.enter('hasImage', ref);
    return this.images.has(ref);
  }

  logs(id: string, opts: LogOptions): AsyncIterable<LogLine> {
    try {
      return this.openLogs(id, opts);
    } catch (err) {
      // Like the engine: the failure arrives when the lines are read.
      return (async function* () {
        yield* [];
        throw err;
      })();
    }
  }

  private openLogs(id: string, opts: LogOptions): AsyncIterable<LogLine> {
    this.enter('logs', id);
    const c = this.must(id);
    let lines = c.output.filter((l) => opts.since === undefined || (l.time ?? 0) >= opts.since);
    if (opts.tail !== undefined) lines = opts.tail > 0 ? lines.slice(-opts.tail) : [];
    const follow = opts.follow && c.info.state === 'running';
    const set = this.followers.get(c.info.id) ?? new Set<LineQueue>();
    const queue: LineQueue = new LineQueue(c.info.id, false, () => set.delete(queue));
    for (const l of lines) queue.write(l.stream, `${l.text}\n`);
    if (follow) {
      set.add(queue);
      this.followers.set(c.info.id, set);
    } else queue.end();
    if (!opts.timestamps) return queue;
    const times = lines.map((l) => l.time);
    return withTimes(queue, times, this.now);
  }

  async *events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    this.enter('events');
    const pending: RuntimeEvent[] = [];
    let wake: (() => void) | undefined;
    const listener: Listener = (ev) => {
      pending.push(ev);
      wake?.();
    };
    const onAbort = () => wake?.();
    this.listeners.add(listener);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted) {
        while (pending.length > 0) yield pending.shift()!;
        if (signal.aborted) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      this.listeners.delete(listener);
      signal.removeEventListener('abort', onAbort);
    }
  }

  async info(): Promise<{ engineVersion: string; apiVersion: string }> {
    this.enter('info');
    return { engineVersion: 'fake', apiVersion: '1.41' };
  }

  async exec(id: string, opts: ExecOptions): Promise<ExecSession> {
    this.enter('exec', id);
    const c = this.must(id);
    if (c.info.state !== 'running') throw new EngineError(409, `container ${id} is not running`);
    const output = new Readable({ objectMode: true, read() {} });
    const input: Buffer[] = [];
    let code: number | undefined;
    let ended = false;
    const run = () => {
      if (ended) return;
      ended = true;
      const result = this.onExec(c, opts, Buffer.concat(input).toString('utf8'));
      code = result.exitCode;
      if (!opts.detach)
        for (const o of result.output)
          output.push({
            stream: opts.tty ? 'stdout' : o.stream,
            data: Buffer.from(o.text),
          } satisfies ExecChunk);
      output.push(null);
    };
    // Without stdin the command runs at once; with it, once the input has ended.
    if (!opts.stdin || opts.detach) run();
    return {
      output,
      write: async (data) => {
        if (!ended) input.push(data);
      },
      endInput: run,
      resize: async () => {},
      exitCode: async () => (opts.detach ? 0 : (code ?? -1)),
      close: () => {
        ended = true;
        if (!output.readableEnded) output.push(null);
      },
    };
  }
}

/** Adds the recorded times to replayed lines, and the clock's time to live ones. */
async function* withTimes(
  src: AsyncIterable<LogLine>,
  times: Array<number | undefined>,
  now: () => number,
): AsyncIterable<LogLine> {
  let i = 0;
  for await (const l of src) {
    const t = i < times.length ? times[i] : now();
    i++;
    yield t === undefined ? l : { ...l, time: t };
  }
}
