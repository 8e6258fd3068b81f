/** Decoders of `fizz pull` and `fizz build` requests (see decode.ts: every byte is hostile). */
import { decodeProjectSpec, type Obj, obj, optStr, str, strList } from './decode.js';
import { ApiDecodeError } from './errors.js';
import type { BuildRequest, ImageListResponse, ImagePushRequest, PullRequest } from './protocol.js';

function optBool(o: Obj, key: string, what: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new ApiDecodeError(`${what}.${key}: not a boolean`);
  return v;
}

export function decodePullRequest(v: unknown): PullRequest {
  const o = obj(v, 'pull');
  const req: PullRequest = { spec: decodeProjectSpec(o.spec, 'pull') };
  if (o.services !== undefined) req.services = strList(o, 'services', 'pull');
  if (optBool(o, 'ignorePullFailures', 'pull')) req.ignorePullFailures = true;
  const dockerConfig = optStr(o, 'dockerConfig', 'pull');
  if (dockerConfig !== undefined) req.dockerConfig = dockerConfig;
  return req;
}

export function decodeBuildRequest(v: unknown): BuildRequest {
  const o = obj(v, 'build');
  const req: BuildRequest = { spec: decodeProjectSpec(o.spec, 'build') };
  if (o.services !== undefined) req.services = strList(o, 'services', 'build');
  if (optBool(o, 'noCache', 'build')) req.noCache = true;
  if (optBool(o, 'pull', 'build')) req.pull = true;
  if (o.buildArgs !== undefined) {
    const args: Record<string, string> = {};
    for (const [k, val] of Object.entries(obj(o.buildArgs, 'build.buildArgs'))) {
      if (typeof val !== 'string') throw new ApiDecodeError(`build.buildArgs.${k}: not a string`);
      args[k] = val;
    }
    req.buildArgs = args;
  }
  const dockerConfig = optStr(o, 'dockerConfig', 'build');
  if (dockerConfig !== undefined) req.dockerConfig = dockerConfig;
  return req;
}

export function decodeImagePushRequest(v: unknown): ImagePushRequest {
  const image = str(obj(v, 'image push'), 'image', 'image push');
  if (image.length === 0 || image.length > 512 || /\s/.test(image))
    throw new ApiDecodeError('image push.image: not an image reference');
  return { image };
}

export function decodeImageListResponse(v: unknown): ImageListResponse {
  const o = obj(v, 'image ls');
  if (!Array.isArray(o.images)) throw new ApiDecodeError('image ls.images: not a list');
  for (const i of o.images) {
    const e = obj(i, 'image ls.images[]');
    for (const k of ['node', 'id']) str(e, k, 'image ls.images[]');
    strList(e, 'tags', 'image ls.images[]');
    if (typeof e.layers !== 'number') throw new ApiDecodeError('image ls.images[].layers: not a number');
  }
  return o as unknown as ImageListResponse;
}
