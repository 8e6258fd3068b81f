/**
 * Decoders for what arrives over the local API. Every byte is hostile: a value that does not
 * have the expected shape raises ApiDecodeError, never a TypeError deeper in.
 */
import type { IncomingMessage } from 'node:http';
import type { ProjectSpec } from '../compose/types.js';
import { AgentApiError, ApiDecodeError } from './errors.js';
import {
  type DoneEvent,
  type DownRequest,
  type ErrorBody,
  type ImagesResponse,
  type InfoResponse,
  type InspectResponse,
  type KillRequest,
  type LogEvent,
  type LogNotice,
  type LsResponse,
  type OpEvent,
  PROGRESS_STATUSES,
  type ProgressEvent,
  type PsResponse,
  RESOURCE_KINDS,
  type ScaleRequest,
  type ServicesRequest,
  type TopResponse,
  type UpRequest,
} from './protocol.js';

export type Obj = Record<string, unknown>;

export function obj(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ApiDecodeError(`${what}: not an object`);
  return v as Obj;
}

export function str(o: Obj, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ApiDecodeError(`${what}.${key}: not a string`);
  return v;
}

export function optStr(o: Obj, key: string, what: string): string | undefined {
  return o[key] === undefined ? undefined : str(o, key, what);
}

export function strList(o: Obj, key: string, what: string): string[] {
  const v = o[key];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
    throw new ApiDecodeError(`${what}.${key}: not a list of strings`);
  return v as string[];
}

/** Parses one JSON text; a syntax error becomes ApiDecodeError. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiDecodeError(`${what}: not JSON`, { cause: err });
  }
}

export function decodeOpEvent(v: unknown): OpEvent {
  const o = obj(v, 'event');
  if (o.type === 'done') {
    if (typeof o.ok !== 'boolean') throw new ApiDecodeError('event.ok: not a boolean');
    return { type: 'done', ok: o.ok, errors: strList(o, 'errors', 'event') } satisfies DoneEvent;
  }
  if (o.type === 'output')
    return { type: 'output', service: str(o, 'service', 'event'), text: str(o, 'text', 'event') };
  if (o.type === 'progress') {
    const status = str(o, 'status', 'event');
    if (!(PROGRESS_STATUSES as readonly string[]).includes(status))
      throw new ApiDecodeError(`event.status: unknown '${status}'`);
    const resource = str(o, 'resource', 'event');
    if (!(RESOURCE_KINDS as readonly string[]).includes(resource))
      throw new ApiDecodeError(`event.resource: unknown '${resource}'`);
    const ev: ProgressEvent = {
      type: 'progress',
      resource: resource as ProgressEvent['resource'],
      name: str(o, 'name', 'event'),
      status: status as ProgressEvent['status'],
    };
    const service = optStr(o, 'service', 'event');
    if (service !== undefined) ev.service = service;
    const detail = optStr(o, 'detail', 'event');
    if (detail !== undefined) ev.detail = detail;
    const parent = optStr(o, 'parent', 'event');
    if (parent !== undefined) ev.parent = parent;
    for (const key of ['current', 'total'] as const) {
      const n = o[key];
      if (n === undefined) continue;
      if (typeof n !== 'number' || !Number.isFinite(n) || n < 0)
        throw new ApiDecodeError(`event.${key}: not a count`);
      ev[key] = n;
    }
    return ev;
  }
  throw new ApiDecodeError(`event.type: unknown '${String(o.type)}'`);
}

export function decodeLogEvent(v: unknown): LogEvent {
  const o = obj(v, 'log');
  if (o.type !== 'log') throw new ApiDecodeError(`log.type: unknown '${String(o.type)}'`);
  const stream = str(o, 'stream', 'log');
  if (stream !== 'stdout' && stream !== 'stderr') throw new ApiDecodeError('log.stream: unknown');
  if (typeof o.replica !== 'number' || !Number.isInteger(o.replica))
    throw new ApiDecodeError('log.replica: not an integer');
  const ev: LogEvent = {
    type: 'log',
    service: str(o, 'service', 'log'),
    replica: o.replica,
    container: str(o, 'container', 'log'),
    stream,
    text: str(o, 'text', 'log'),
  };
  if (typeof o.time === 'number') ev.time = o.time;
  return ev;
}

/** A line of the logs stream: a container's line, or a notice (a node that could not be read). */
export function decodeLogLine(v: unknown): LogEvent | LogNotice {
  const o = obj(v, 'log');
  if (o.type === 'notice') return { type: 'notice', text: str(o, 'text', 'log') };
  return decodeLogEvent(o);
}

export function decodePsResponse(v: unknown): PsResponse {
  const o = obj(v, 'ps');
  if (!Array.isArray(o.containers)) throw new ApiDecodeError('ps.containers: not a list');
  for (const c of o.containers) {
    const e = obj(c, 'ps.containers[]');
    for (const k of ['project', 'service', 'name', 'id', 'image', 'state', 'health'])
      str(e, k, 'ps.containers[]');
    if (typeof e.replica !== 'number') throw new ApiDecodeError('ps.containers[].replica: not a number');
    if (!Array.isArray(e.ports)) throw new ApiDecodeError('ps.containers[].ports: not a list');
  }
  return o as unknown as PsResponse;
}

export function decodeInfo(v: unknown): InfoResponse {
  const o = obj(v, 'info');
  str(o, 'version', 'info');
  str(o, 'nodeId', 'info');
  if (typeof o.apiVersion !== 'number') throw new ApiDecodeError('info.apiVersion: not a number');
  if (!Array.isArray(o.projects)) throw new ApiDecodeError('info.projects: not a list');
  if (
    o.warnings !== undefined &&
    !(Array.isArray(o.warnings) && o.warnings.every((w) => typeof w === 'string'))
  )
    throw new ApiDecodeError('info.warnings: not a list of strings');
  return o as unknown as InfoResponse;
}

export function decodeErrorBody(v: unknown): ErrorBody['error'] | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const e = (v as Obj).error;
  if (typeof e !== 'object' || e === null) return undefined;
  const { name, message } = e as Obj;
  return typeof name === 'string' && typeof message === 'string' ? { name, message } : undefined;
}

/** The error an agent's non-200 answer carries: its JSON error body, else its text. */
export async function refusal(res: IncomingMessage): Promise<AgentApiError> {
  const chunks: Buffer[] = [];
  for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  let err: { name: string; message: string } | undefined;
  try {
    err = decodeErrorBody(JSON.parse(text));
  } catch {
    err = undefined;
  }
  return new AgentApiError(
    res.statusCode ?? 0,
    err?.name ?? 'Error',
    err?.message ?? (text || 'agent error'),
  );
}

/** The project name rule of compose: lowercase letters, digits, dashes and underscores. */
const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

function projectName(o: Obj, what: string): string {
  const p = str(o, 'project', what);
  if (!PROJECT_NAME.test(p)) throw new ApiDecodeError(`${what}.project: not a project name`);
  return p;
}

/** A project spec as a request carries it: the shape the agent relies on, checked. */
export function decodeProjectSpec(v: unknown, what: string): ProjectSpec {
  const spec = obj(v, `${what}.spec`);
  const name = str(spec, 'name', `${what}.spec`);
  if (!PROJECT_NAME.test(name)) throw new ApiDecodeError(`${what}.spec.name: not a project name`);
  for (const key of ['services', 'networks', 'volumes']) obj(spec[key], `${what}.spec.${key}`);
  for (const [svc, s] of Object.entries(spec.services as Obj)) obj(s, `${what}.spec.services.${svc}`);
  return spec as unknown as ProjectSpec;
}

export function decodeUpRequest(v: unknown): UpRequest {
  const o = obj(v, 'up');
  const req: UpRequest = { spec: decodeProjectSpec(o.spec, 'up') };
  if (o.configFiles !== undefined) req.configFiles = strList(o, 'configFiles', 'up');
  if (o.wait !== undefined) {
    if (typeof o.wait !== 'boolean') throw new ApiDecodeError('up.wait: not a boolean');
    req.wait = o.wait;
  }
  if (o.waitTimeoutMs !== undefined) {
    if (typeof o.waitTimeoutMs !== 'number' || o.waitTimeoutMs <= 0)
      throw new ApiDecodeError('up.waitTimeoutMs: not a positive number');
    req.waitTimeoutMs = o.waitTimeoutMs;
  }
  if (o.services !== undefined) req.services = strList(o, 'services', 'up');
  for (const key of ['noDeps', 'forceRecreate', 'noRecreate', 'build', 'noBuild', 'noStart'] as const) {
    if (o[key] === undefined) continue;
    if (typeof o[key] !== 'boolean') throw new ApiDecodeError(`up.${key}: not a boolean`);
    req[key] = o[key];
  }
  const timeout = optTimeout(o, 'up');
  if (timeout !== undefined) req.timeout = timeout;
  if (o.scale !== undefined) {
    const scale: Record<string, number> = {};
    for (const [svc, n] of Object.entries(obj(o.scale, 'up.scale'))) {
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_UP_SCALE)
        throw new ApiDecodeError(`up.scale.${svc}: not a whole number from 0 to ${MAX_UP_SCALE}`);
      scale[svc] = n;
    }
    req.scale = scale;
  }
  const pull = optStr(o, 'pull', 'up');
  if (pull !== undefined) {
    if (pull !== 'always' && pull !== 'missing' && pull !== 'never')
      throw new ApiDecodeError('up.pull: not always, missing or never');
    req.pull = pull;
  }
  const dockerConfig = optStr(o, 'dockerConfig', 'up');
  if (dockerConfig !== undefined) req.dockerConfig = dockerConfig;
  return req;
}

/** The most replicas `up --scale` asks of one service: as many as a `fizz scale` override may hold (crdt MAX_SCALE). */
export const MAX_UP_SCALE = 10_000;

/** An optional `timeout`: a whole number of seconds. */
function optTimeout(o: Obj, what: string): number | undefined {
  const t = o.timeout;
  if (t === undefined) return undefined;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 0)
    throw new ApiDecodeError(`${what}.timeout: not a whole number of seconds`);
  return t;
}

export function decodeDownRequest(v: unknown): DownRequest {
  const o = obj(v, 'down');
  const req: DownRequest = { project: projectName(o, 'down') };
  if (o.volumes !== undefined) {
    if (typeof o.volumes !== 'boolean') throw new ApiDecodeError('down.volumes: not a boolean');
    req.volumes = o.volumes;
  }
  const timeout = optTimeout(o, 'down');
  if (timeout !== undefined) req.timeout = timeout;
  return req;
}

export function decodeServicesRequest(v: unknown): ServicesRequest {
  const o = obj(v, 'request');
  const req: ServicesRequest = {
    project: projectName(o, 'request'),
    services: strList(o, 'services', 'request'),
  };
  const timeout = optTimeout(o, 'request');
  if (timeout !== undefined) req.timeout = timeout;
  return req;
}

export function decodeLsResponse(v: unknown): LsResponse {
  const o = obj(v, 'ls');
  if (!Array.isArray(o.projects)) throw new ApiDecodeError('ls.projects: not a list');
  for (const p of o.projects) {
    const e = obj(p, 'ls.projects[]');
    str(e, 'name', 'ls.projects[]');
    strList(e, 'configFiles', 'ls.projects[]');
    const states = obj(e.states, 'ls.projects[].states');
    if (!Object.values(states).every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0))
      throw new ApiDecodeError('ls.projects[].states: not counts');
  }
  return o as unknown as LsResponse;
}

export function decodeScaleRequest(v: unknown): ScaleRequest {
  const o = obj(v, 'scale');
  const scale: Record<string, number> = {};
  const entries = Object.entries(obj(o.scale, 'scale.scale'));
  if (entries.length === 0) throw new ApiDecodeError('scale.scale: no service');
  for (const [svc, n] of entries) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_UP_SCALE)
      throw new ApiDecodeError(`scale.scale.${svc}: not a whole number from 0 to ${MAX_UP_SCALE}`);
    scale[svc] = n;
  }
  return { project: projectName(o, 'scale'), scale };
}

/** A signal name or number as `docker kill -s` takes it: `SIGKILL`, `KILL`, `9`, `SIGRTMIN+3`. */
const SIGNAL = /^(?:SIG)?[A-Z][A-Z0-9]*(?:[+-][0-9]{1,2})?$|^[0-9]{1,2}$/;

export function decodeKillRequest(v: unknown): KillRequest {
  const o = obj(v, 'kill');
  const req: KillRequest = { project: projectName(o, 'kill'), services: strList(o, 'services', 'kill') };
  const signal = optStr(o, 'signal', 'kill');
  if (signal !== undefined) {
    if (!SIGNAL.test(signal))
      throw new ApiDecodeError(`kill.signal: not a signal: ${JSON.stringify(signal)}`);
    req.signal = signal;
  }
  return req;
}

function isRow(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

export function decodeTopResponse(v: unknown): TopResponse {
  const o = obj(v, 'top');
  if (!Array.isArray(o.containers)) throw new ApiDecodeError('top.containers: not a list');
  for (const c of o.containers) {
    const e = obj(c, 'top.containers[]');
    str(e, 'name', 'top.containers[]');
    str(e, 'service', 'top.containers[]');
    if (typeof e.replica !== 'number') throw new ApiDecodeError('top.containers[].replica: not a number');
    if (!isRow(e.titles)) throw new ApiDecodeError('top.containers[].titles: not a list of strings');
    if (!Array.isArray(e.processes) || !e.processes.every(isRow))
      throw new ApiDecodeError('top.containers[].processes: not rows of strings');
    optStr(e, 'node', 'top.containers[]');
  }
  if (o.errors !== undefined) strList(o, 'errors', 'top');
  return o as unknown as TopResponse;
}

export function decodeImagesResponse(v: unknown): ImagesResponse {
  const o = obj(v, 'images');
  if (!Array.isArray(o.images)) throw new ApiDecodeError('images.images: not a list');
  for (const i of o.images) {
    const e = obj(i, 'images.images[]');
    for (const k of ['container', 'service', 'image', 'id']) str(e, k, 'images.images[]');
    for (const k of ['replica', 'size'])
      if (typeof e[k] !== 'number') throw new ApiDecodeError(`images.images[].${k}: not a number`);
    optStr(e, 'node', 'images.images[]');
  }
  if (o.errors !== undefined) strList(o, 'errors', 'images');
  return o as unknown as ImagesResponse;
}

export function decodeInspectResponse(v: unknown): InspectResponse {
  const o = obj(v, 'inspect');
  str(o, 'project', 'inspect');
  str(o, 'service', 'inspect');
  if (!Array.isArray(o.endpoints)) throw new ApiDecodeError('inspect.endpoints: not a list');
  for (const x of o.endpoints) {
    const e = obj(x, 'inspect.endpoints[]');
    for (const k of ['node', 'state', 'health']) str(e, k, 'inspect.endpoints[]');
    optStr(e, 'meshAddress', 'inspect.endpoints[]');
    if (typeof e.replica !== 'number') throw new ApiDecodeError('inspect.endpoints[].replica: not a number');
    if (typeof e.ready !== 'boolean') throw new ApiDecodeError('inspect.endpoints[].ready: not a boolean');
    const a = obj(e.addresses, 'inspect.endpoints[].addresses');
    if (!Object.values(a).every((ip) => typeof ip === 'string'))
      throw new ApiDecodeError('inspect.endpoints[].addresses: not strings');
  }
  if (!Array.isArray(o.ports)) throw new ApiDecodeError('inspect.ports: not a list');
  for (const x of o.ports) {
    const p = obj(x, 'inspect.ports[]');
    for (const k of ['target', 'published'])
      if (typeof p[k] !== 'number') throw new ApiDecodeError(`inspect.ports[].${k}: not a number`);
    str(p, 'protocol', 'inspect.ports[]');
    if (!Array.isArray(p.answersOn)) throw new ApiDecodeError('inspect.ports[].answersOn: not a list');
    for (const a of p.answersOn) {
      const n = obj(a, 'inspect.ports[].answersOn[]');
      str(n, 'node', 'inspect.ports[].answersOn[]');
      str(n, 'address', 'inspect.ports[].answersOn[]');
    }
  }
  return o as unknown as InspectResponse;
}
