/**
 * Image references as the docker CLI reads them (distribution/reference's normalization):
 * `busybox` is `docker.io/library/busybox:latest`; a first component with a `.` or a `:`,
 * or `localhost`, is a registry host. Pure.
 */

/** Docker Hub's host, and the key the docker CLI stores its credentials under. */
export const DOCKER_HUB = 'docker.io';
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

export interface ImageRef {
  /** The registry host (and port): `docker.io`, `127.0.0.1:5000`, `ghcr.io`. */
  registry: string;
  /** The repository path in that registry: `library/busybox`, `team/app`. */
  path: string;
  tag?: string;
  /** `sha256:…` */
  digest?: string;
}

function isRegistryHost(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost';
}

export function parseImageRef(ref: string): ImageRef {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  let registry = DOCKER_HUB;
  let path = rest;
  if (slash >= 0 && isRegistryHost(first)) {
    registry = first === 'index.docker.io' ? DOCKER_HUB : first;
    path = rest.slice(slash + 1);
  }
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  const out: ImageRef = { registry, path };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

/**
 * What `POST /images/create` wants: the name as written without its tag, and the tag (or
 * digest); a reference with neither is `latest`, as `docker pull` does.
 */
export function pullParams(ref: string): { fromImage: string; tag: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { fromImage: ref.slice(0, at), tag: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { fromImage: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { fromImage: ref, tag: 'latest' };
}

/** The key a registry's credentials are kept under in ~/.docker/config.json. */
export function authKey(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_AUTH_KEY : registry;
}

/** The command that logs in to a registry: `docker login 127.0.0.1:5000` (`docker login` for Docker Hub). */
export function loginCommand(registry: string): string {
  return registry === DOCKER_HUB ? 'docker login' : `docker login ${registry}`;
}

/** Whether a tag-less or `:latest` reference (docker compose pulls those even when present). */
export function isLatest(ref: string): boolean {
  const r = parseImageRef(ref);
  return r.digest === undefined && (r.tag === undefined || r.tag === 'latest');
}
