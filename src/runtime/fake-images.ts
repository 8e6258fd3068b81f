/**
 * The images side of `FakeRuntime`: what is on the machine (ids, last tag times), a fake
 * registry to pull from (with hosts that are down and hosts that want a login), and builds
 * recorded as they are asked. Fails the way the real engine does, with the same error classes.
 */
import { createHash } from 'node:crypto';
import { remoteContextReason } from './build-context.js';
import {
  BuildContextError,
  ImageNotInRegistryError,
  RegistryAuthError,
  RegistryUnreachableError,
} from './image-errors.js';
import { parseImageRef } from './image-ref.js';
import type { BuildImageOptions, BuildImageRequest, PullImageOptions } from './image-types.js';
import type { ImageInfo } from './types.js';

function sha(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

export class FakeImages {
  /** What the fake registries hold: reference → image id. */
  readonly remote = new Map<string, string>();
  /** Registry hosts that do not answer. */
  readonly unreachable = new Set<string>();
  /** Registry hosts that want credentials: host → `user:password`. */
  readonly logins = new Map<string, string>();
  /** Every build asked, in order. */
  readonly builds: BuildImageRequest[] = [];
  /** Every pull asked, in order. */
  readonly pulls: string[] = [];
  /** Decides whether a build fails, and how (default: it succeeds). */
  failBuild: ((req: BuildImageRequest) => Error | undefined) | undefined;
  private readonly ids = new Map<string, string>();
  private readonly tagged = new Map<string, number>();
  private seq = 0;

  constructor(
    /** The references on this machine (FakeRuntime's `images`). */
    private readonly present: Set<string>,
    private readonly now: () => number,
  ) {}

  /** The id of a local image: set by a pull or build, else derived from its name. */
  idOf(ref: string): string {
    return this.ids.get(ref) ?? sha(ref);
  }

  /** Puts an image on the machine with this id (a `docker tag` or `load` behind the agent's back). */
  setLocal(ref: string, id: string, taggedAt?: number): void {
    this.present.add(ref);
    this.ids.set(ref, id);
    this.tagged.set(ref, taggedAt ?? this.now());
  }

  info(ref: string): ImageInfo | undefined {
    if (!this.present.has(ref)) return undefined;
    const info: ImageInfo = { id: this.idOf(ref), repoTags: [ref], size: 1000 + ref.length };
    const t = this.tagged.get(ref);
    if (t !== undefined) info.lastTagTime = t;
    return info;
  }

  async pull(ref: string, opts: PullImageOptions = {}): Promise<void> {
    this.pulls.push(ref);
    const registry = parseImageRef(ref).registry;
    if (this.unreachable.has(registry))
      throw new RegistryUnreachableError(ref, registry, 'connection refused');
    const login = this.logins.get(registry);
    if (login !== undefined) {
      const a = opts.auth;
      if (!a || `${a.username}:${a.password}` !== login)
        throw new RegistryAuthError(
          ref,
          registry,
          a ? opts.authSource : undefined,
          opts.configFile ?? 'config.json',
        );
    }
    const id = this.remote.get(ref);
    if (id === undefined) throw new ImageNotInRegistryError(ref, registry, 'manifest unknown');
    const layer = id.slice(7, 19);
    opts.onProgress?.({ layer, status: 'Pulling fs layer' });
    opts.onProgress?.({ layer, status: 'Downloading', current: 50, total: 100 });
    opts.onProgress?.({ layer, status: 'Pull complete' });
    this.setLocal(ref, id);
  }

  async build(req: BuildImageRequest, opts: BuildImageOptions = {}): Promise<string> {
    const remote = remoteContextReason(req.context);
    if (remote) throw new BuildContextError(req.context, remote);
    this.builds.push(req);
    const failure = this.failBuild?.(req);
    if (failure) throw failure;
    opts.onOutput?.('Step 1/1 : FROM scratch');
    opts.onOutput?.('Successfully built');
    const id = sha(`build ${++this.seq} ${JSON.stringify(req)}`);
    for (const t of req.tags) this.setLocal(t, id);
    return id;
  }
}
