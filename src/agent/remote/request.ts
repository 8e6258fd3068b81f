/**
 * What one node may ask another over `/fizz/api/1`: the operations that act on or read
 * the containers a node runs, `label`, which only the node itself can do, and `image-pull`
 * (`fizz image push`: the node pulls the image from the one that asks, over /fizz/image/1). The body of
 * each is decoded with the local API's own decoders, so a request is checked the same way
 * whichever door it came in by.
 */
import type { HeldImage, NodeStatus } from '../../../crdt/index.js';
import type { LabelRequest } from '../../api/cluster-api.js';
import { decodeLabelRequest } from '../../api/cluster-api.js';
import { decodeKillRequest, decodeServicesRequest, obj, strList } from '../../api/decode.js';
import { decodeExecRequest } from '../../api/exec-stream.js';
import type { ExecRequest, KillRequest, ServicesRequest } from '../../api/protocol.js';
import type { LogsQuery } from '../../api/server.js';
import { heldOf } from '../p2p-images/held.js';
import { RemoteRequestError } from './errors.js';

export interface ProjectQuery {
  project: string;
  services: string[];
}

export type RemoteRequest =
  | { op: 'logs'; body: LogsQuery }
  | { op: 'start' | 'stop' | 'restart' | 'pause' | 'unpause'; body: ServicesRequest }
  | { op: 'kill'; body: KillRequest }
  | { op: 'top' | 'images'; body: ProjectQuery }
  | { op: 'exec'; body: ExecRequest }
  | { op: 'label'; body: LabelRequest }
  | { op: 'image-pull'; body: ImagePullAsk };

/** `fizz image push` on another node: pull this image from node `from`, which holds it. */
export interface ImagePullAsk {
  image: string;
  from: string;
  held: HeldImage;
}

function imagePullAsk(v: unknown): ImagePullAsk {
  const o = obj(v, 'image-pull');
  const [held] = heldOf({ held: [o.held] } as NodeStatus);
  if (typeof o.image !== 'string' || o.image.length > 512 || typeof o.from !== 'string' || !held)
    throw new RemoteRequestError('image-pull: not { image, from, held }');
  return { image: o.image, from: o.from, held };
}

export type RemoteOp = RemoteRequest['op'];

const PROJECT = /^[a-z0-9][a-z0-9_-]*$/;

function projectQuery(v: unknown, what: string): ProjectQuery {
  const o = obj(v, what);
  if (typeof o.project !== 'string' || !PROJECT.test(o.project))
    throw new RemoteRequestError(`${what}.project: not a project name`);
  return { project: o.project, services: strList(o, 'services', what) };
}

function logsQuery(v: unknown): LogsQuery {
  const o = obj(v, 'logs');
  const q: LogsQuery = { ...projectQuery(v, 'logs'), follow: o.follow === true };
  if (o.follow !== undefined && typeof o.follow !== 'boolean')
    throw new RemoteRequestError('logs.follow: not a boolean');
  if (o.tail !== undefined) {
    if (typeof o.tail !== 'number' || !Number.isSafeInteger(o.tail) || o.tail < 0)
      throw new RemoteRequestError('logs.tail: not a count');
    q.tail = o.tail;
  }
  return q;
}

/** The request in a `request` frame's JSON; anything else is a RemoteRequestError. */
export function decodeRemoteRequest(v: unknown): RemoteRequest {
  try {
    const o = obj(v, 'request');
    const body = o.body;
    switch (o.op) {
      case 'logs':
        return { op: 'logs', body: logsQuery(body) };
      case 'start':
      case 'stop':
      case 'restart':
      case 'pause':
      case 'unpause':
        return { op: o.op, body: decodeServicesRequest(body) };
      case 'kill':
        return { op: 'kill', body: decodeKillRequest(body) };
      case 'top':
      case 'images':
        return { op: o.op, body: projectQuery(body, o.op) };
      case 'exec':
        return { op: 'exec', body: decodeExecRequest(Buffer.from(JSON.stringify(body ?? null), 'utf8')) };
      case 'label':
        return { op: 'label', body: decodeLabelRequest(body) };
      case 'image-pull':
        return { op: 'image-pull', body: imagePullAsk(body) };
      default:
        throw new RemoteRequestError(`unknown operation ${JSON.stringify(o.op)?.slice(0, 40)}`);
    }
  } catch (err) {
    if (err instanceof RemoteRequestError) throw err;
    throw new RemoteRequestError((err as Error).message, { cause: err });
  }
}
