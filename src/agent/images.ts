/**
 * The agent's image work: makes sure services' images are on this machine — pulled or built
 * as image-policy.ts decides, with the registry credentials of the docker CLI config of the
 * user who asked — and carries out `fizz pull` and `fizz build`. Progress goes to the
 * operation's stream; failures are lines naming the service and the image.
 */
import { homedir } from 'node:os';
import type { BuildRequest, DoneEvent, PullRequest } from '../api/protocol.js';
import type { ProjectSpec, ServiceSpec } from '../compose/types.js';
import { waves } from '../reconcile/index.js';
import { serviceImage } from '../runtime/image-name.js';
import { isLatest, parseImageRef } from '../runtime/image-ref.js';
import { dockerConfigDir, RegistryCredentials } from '../runtime/registry-auth.js';
import type { Runtime } from '../runtime/types.js';
import { type BuildOverrides, buildRequest, unsupportedBuildKeys } from './build-request.js';
import type { Clock } from './clock.js';
import { pinnedHere } from './image-pin.js';
import {
  afterPull,
  type ImageAsk,
  type ImageFacts,
  type ImagePlan,
  missingReason,
  type PullOverride,
  parsePullPolicy,
  planImage,
  pullCommandDecision,
  type Trigger,
} from './image-policy.js';
import { type ImageEmit, PullReporter } from './image-progress.js';
import type { Logger } from './logger.js';
import { askPeers, type PeerTry, withPeers } from './p2p-images/ask-peers.js';
import type { PeerImageSource } from './p2p-images/fetch.js';

/** One service whose image must be here before its containers are made. */
export interface ImageWork {
  project: string;
  service: string;
  spec: ServiceSpec;
  trigger: Trigger;
  flags?: { pull?: PullOverride; build?: boolean; noBuild?: boolean };
  /** The asking user's docker CLI config directory (default: the agent's). */
  dockerConfig?: string;
  emit: ImageEmit;
}

export type ImageOutcome = { ok: true; id: string } | { ok: false; error: string };

export interface ImageServiceOptions {
  runtime: Runtime;
  clock: Clock;
  logger: Logger;
  /** The docker CLI config directory when a request names none (default: DOCKER_CONFIG, else ~/.docker). */
  dockerConfig?: string;
  /** The cluster's other nodes, asked before the registry for an image this engine lacks. */
  peers?: PeerImageSource;
  /** This engine's images changed (pulled, built or loaded). */
  changed?: () => void;
  /** An image came to this engine: from a peer (`transferred`) or a registry (`pulled`), for the events log. */
  onImage?: (action: 'transferred' | 'pulled', ref: string, detail?: string) => void;
  /** Names image `id` `repo:tag` on this engine (a pinned image got by id: image-pin.ts). */
  tag?: (id: string, repoTag: string) => Promise<void>;
}

export function workKey(project: string, service: string): string {
  return `${project}/${service}`;
}

interface Planned {
  w: ImageWork;
  facts: ImageFacts;
  ask: ImageAsk;
  plan: ImagePlan;
}

function done(errors: string[]): DoneEvent {
  return { type: 'done', ok: errors.length === 0, errors };
}

function message(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

export class ImageService {
  /** When this agent last pulled each image: the engine's tag time does not move on "up to date". */
  private readonly pulledAt = new Map<string, number>();
  private readonly defaultConfig: string;

  constructor(private readonly o: ImageServiceOptions) {
    this.defaultConfig = o.dockerConfig ?? dockerConfigDir(process.env, homedir());
  }

  private credentials(cache: Map<string, RegistryCredentials>, dir: string | undefined): RegistryCredentials {
    const d = dir || this.defaultConfig;
    let c = cache.get(d);
    if (!c) {
      c = new RegistryCredentials(d);
      cache.set(d, c);
    }
    return c;
  }

  private async pull(ref: string, reporter: PullReporter, creds: RegistryCredentials, signal?: AbortSignal) {
    reporter.status('pulling');
    const found = await creds.get(parseImageRef(ref).registry);
    await this.o.runtime.pullImage(ref, {
      ...(found ? { auth: found.auth, authSource: found.source } : {}),
      configFile: creds.file,
      onProgress: (p) => reporter.layer(p),
      ...(signal ? { signal } : {}),
    });
    this.pulledAt.set(ref, this.o.clock.now());
    this.o.logger.info({ image: ref }, 'image pulled');
    this.o.changed?.();
    reporter.status('pulled');
  }

  private async build(
    project: string,
    service: string,
    spec: ServiceSpec,
    emit: ImageEmit,
    creds: RegistryCredentials,
    overrides: BuildOverrides = {},
    signal?: AbortSignal,
  ): Promise<string> {
    const image = serviceImage(project, service, spec);
    const ev = (status: 'building' | 'built' | 'error', detail?: string) =>
      emit({
        type: 'progress',
        resource: 'image',
        name: image,
        service,
        status,
        ...(detail ? { detail } : {}),
      });
    ev('building');
    const ignored = unsupportedBuildKeys(spec.build!);
    if (ignored.length)
      emit({
        type: 'output',
        service,
        text: `warning: build keys the engine's builder does not support, ignored: ${ignored.join(', ')}`,
      });
    try {
      const req = buildRequest(project, service, spec, overrides);
      const auths = await creds.all();
      if (Object.keys(auths).length) req.registryAuths = auths;
      const id = await this.o.runtime.buildImage(req, {
        onOutput: (text) => emit({ type: 'output', service, text }),
        ...(signal ? { signal } : {}),
      });
      this.o.logger.info({ image, service, id }, 'image built');
      this.o.changed?.();
      ev('built');
      return id;
    } catch (err) {
      this.o.logger.warn({ image, service, err: message(err) }, 'build failed');
      ev('error', message(err));
      throw err;
    }
  }

  /** What the engine says of an image now, and its id when it is here. */
  private async facts(image: string): Promise<{ facts: ImageFacts; id?: string }> {
    const info = await this.o.runtime.imageInfo(image);
    const tagged = Math.max(info?.lastTagTime ?? 0, this.pulledAt.get(image) ?? 0);
    const facts: ImageFacts = { named: false, buildable: false, present: info !== undefined };
    if (tagged > 0) facts.lastTagTime = tagged;
    return info ? { facts, id: info.id } : { facts };
  }

  /**
   * Makes each work's image present: pulls first (all at once), then builds (one at a
   * time, in the order given), as docker compose does. Resolves each work's image id, or
   * the line that says why there is none.
   */
  async ensure(all: ImageWork[], signal?: AbortSignal): Promise<Map<string, ImageOutcome>> {
    const out = new Map<string, ImageOutcome>();
    // A service whose image an `up` pinned runs that image, whatever the flags and policy say.
    const works: ImageWork[] = [];
    for (const w of all) {
      const pin = await pinnedHere(this.o, w, signal);
      if (pin !== undefined) out.set(workKey(w.project, w.service), { ok: true, id: pin });
      else works.push(w);
    }
    const creds = new Map<string, RegistryCredentials>();
    const fail = (w: ImageWork, why: string) =>
      out.set(workKey(w.project, w.service), { ok: false, error: `service "${w.service}": ${why}` });
    const image = (w: ImageWork) => serviceImage(w.project, w.service, w.spec);

    const known = new Map<string, Promise<{ facts: ImageFacts; id?: string }>>();
    for (const w of works) if (!known.has(image(w))) known.set(image(w), this.facts(image(w)));
    const planned: Planned[] = [];
    for (const w of works) {
      try {
        const facts = {
          ...(await known.get(image(w))!).facts,
          named: Boolean(w.spec.image),
          buildable: Boolean(w.spec.build),
        };
        const ask: ImageAsk = {
          policy: parsePullPolicy(w.spec.pull_policy),
          trigger: w.trigger,
          now: this.o.clock.now(),
          ...w.flags,
        };
        planned.push({ w, facts, ask, plan: planImage(facts, ask) });
      } catch (err) {
        fail(w, message(err));
      }
    }

    // Peers before the registry: an image this engine lacks comes from a node that holds it.
    const peerTries = new Map<string, Promise<PeerTry>>();
    for (const p of planned) {
      const ref = image(p.w);
      if (!this.o.peers?.clustered() || p.facts.present || p.plan.build === 'always' || peerTries.has(ref))
        continue;
      const reporter = new PullReporter(ref, p.w.service, p.w.emit, () => this.o.clock.now());
      peerTries.set(
        ref,
        askPeers(this.o.peers, ref, reporter, signal).then((t) => {
          if (t.loaded) {
            this.o.changed?.();
            this.o.onImage?.('transferred', ref, t.from !== undefined ? `from ${t.from}` : undefined);
          }
          return t;
        }),
      );
    }
    const peerOutcome = new Map<string, PeerTry>();
    for (const [ref, t] of peerTries) peerOutcome.set(ref, await t);
    for (const p of planned) {
      if (peerOutcome.get(image(p.w))?.loaded !== true) continue;
      p.facts = { ...p.facts, present: true };
      p.plan = planImage(p.facts, p.ask);
    }

    // Pulls, each image once, all at once.
    const pulls = new Map<string, Promise<unknown>>();
    for (const { w, plan } of planned) {
      const ref = image(w);
      if (!plan.pull || pulls.has(ref)) continue;
      const reporter = new PullReporter(ref, w.service, w.emit, () => this.o.clock.now());
      const p = this.pull(ref, reporter, this.credentials(creds, w.dockerConfig), signal).then(
        () => {
          this.o.onImage?.('pulled', ref);
          return undefined;
        },
        (err: unknown) => {
          reporter.status(w.spec.build ? 'warning' : 'error', message(err));
          return err;
        },
      );
      pulls.set(ref, p);
    }
    const pullErrors = new Map<string, unknown>();
    for (const [ref, p] of pulls) {
      const err = await p;
      if (err !== undefined) pullErrors.set(ref, err);
    }

    // Then builds, one at a time, each image once.
    const builds = new Map<string, Promise<string>>();
    let chain: Promise<unknown> = Promise.resolve();
    const decided: Array<Planned & { next: 'build' | 'use' | 'missing' }> = [];
    for (const p of planned) {
      const { w, facts, plan } = p;
      const ref = image(w);
      const pullErr = pullErrors.get(ref);
      if (pullErr !== undefined && !w.spec.build) {
        fail(w, withPeers(message(pullErr), peerOutcome.get(ref)));
        continue;
      }
      const next = afterPull(plan, plan.pull && pullErr === undefined ? true : facts.present);
      decided.push({ ...p, next });
      if (next !== 'build' || builds.has(ref)) continue;
      const c = this.credentials(creds, w.dockerConfig);
      const b = chain.then(() => this.build(w.project, w.service, w.spec, w.emit, c, {}, signal));
      chain = b.catch(() => {});
      builds.set(ref, b);
    }

    for (const { w, next, facts, plan, ask } of decided) {
      const ref = image(w);
      try {
        if (next === 'missing') {
          fail(w, withPeers(`image "${ref}": ${missingReason(facts, plan, ask)}`, peerOutcome.get(ref)));
          continue;
        }
        // Only a pulled image, or one a peer sent, has to be asked its id again.
        const id =
          next === 'build'
            ? await builds.get(ref)!
            : plan.pull || peerOutcome.get(ref)?.loaded
              ? (await this.o.runtime.imageInfo(ref))?.id
              : (await known.get(ref)!).id;
        if (id === undefined) fail(w, `image "${ref}" is not on this machine`);
        else out.set(workKey(w.project, w.service), { ok: true, id });
      } catch (err) {
        fail(w, message(err));
      }
    }
    return out;
  }

  /** `fizz pull`: each service's image, skipped as docker compose pull skips them. */
  async pullCommand(req: PullRequest, emit: ImageEmit, signal?: AbortSignal): Promise<DoneEvent> {
    const spec = req.spec;
    const names = this.pick(spec, req.services);
    if (typeof names === 'string') return done([names]);
    const creds = this.credentials(new Map(), req.dockerConfig);
    const errors: string[] = [];
    const mustBuild: string[] = [];
    const pulling = new Map<string, string>();
    const tasks: Promise<void>[] = [];
    for (const service of names) {
      const svc = spec.services[service]!;
      const ref = serviceImage(spec.name, service, svc);
      const reporter = new PullReporter(ref, service, emit, () => this.o.clock.now());
      let present: boolean;
      try {
        present = (await this.o.runtime.imageInfo(ref)) !== undefined;
      } catch (err) {
        errors.push(`service "${service}": ${message(err)}`);
        continue;
      }
      const facts = {
        named: Boolean(svc.image),
        buildable: Boolean(svc.build),
        present,
        latest: isLatest(ref),
      };
      const d = pullCommandDecision(facts, svc.pull_policy);
      if (!d.pull) {
        reporter.status('skipped', d.reason);
        continue;
      }
      const by = pulling.get(ref);
      if (by !== undefined) {
        reporter.status('skipped', `Image is already being pulled by ${by}`);
        continue;
      }
      pulling.set(ref, service);
      tasks.push(
        this.pull(ref, reporter, creds, signal).catch((err: unknown) => {
          const line = `service "${service}": ${message(err)}`;
          if (svc.build) {
            mustBuild.push(service);
            reporter.status('warning', message(err));
          } else if (req.ignorePullFailures) reporter.status('warning', message(err));
          else {
            reporter.status('error', message(err));
            errors.push(line);
          }
        }),
      );
    }
    await Promise.all(tasks);
    if (mustBuild.length)
      emit({
        type: 'progress',
        resource: 'project',
        name: spec.name,
        status: 'warning',
        detail: `some service images must be built from source: fizz build ${mustBuild.sort().join(' ')}`,
      });
    return done(errors);
  }

  /** `fizz build`: every named service with a build section (all, when none is named), in dependency order. */
  async buildCommand(req: BuildRequest, emit: ImageEmit, signal?: AbortSignal): Promise<DoneEvent> {
    const spec = req.spec;
    const names = this.pick(spec, req.services);
    if (typeof names === 'string') return done([names]);
    const creds = this.credentials(new Map(), req.dockerConfig);
    const overrides: BuildOverrides = {};
    if (req.noCache) overrides.noCache = true;
    if (req.pull) overrides.pull = true;
    if (req.buildArgs) overrides.args = req.buildArgs;
    let order: string[];
    try {
      order = waves(spec, names).flat();
    } catch {
      order = names;
    }
    for (const service of order) {
      const svc = spec.services[service]!;
      if (!svc.build) continue;
      try {
        await this.build(spec.name, service, svc, emit, creds, overrides, signal);
      } catch (err) {
        // Later images may be built FROM this one: stop here, as docker compose does.
        return done([`service "${service}": ${message(err)}`]);
      }
    }
    return done([]);
  }

  /** The named services (all when none), or the line that names the unknown ones. */
  private pick(spec: ProjectSpec, services: string[] | undefined): string[] | string {
    const names = services?.length ? [...new Set(services)] : Object.keys(spec.services).sort();
    const unknown = names.filter((s) => !Object.hasOwn(spec.services, s));
    if (unknown.length)
      return `project "${spec.name}" has no service ${unknown.map((s) => `"${s}"`).join(', ')}`;
    return names;
  }
}
