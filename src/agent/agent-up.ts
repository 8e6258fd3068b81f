/**
 * `fizz up`: the project written into the state (durably, in its project's queue), the pass,
 * then the waits (cluster, rolling updates, `--wait`); and the `up --force-recreate`s an
 * earlier agent journaled and did not finish.
 */
import type { DoneEvent, UpRequest } from '../api/protocol.js';
import type { Emit } from '../api/server.js';
import type { ProjectSpec } from '../compose/types.js';
import { rolloutOf, withRevisions } from '../reconcile/revisions.js';
import { ORIGIN_KEY, projectOrigin } from '../reconcile/slots.js';
import { type ContainerInfo, LABELS } from '../runtime/types.js';
import { type AgentCore, done, planError, runPass, writeMeta } from './agent-core.js';
import { awaitRolling } from './agent-rollback.js';
import { scaledAway, settle, waitHealthy } from './agent-waits.js';
import { foreignContainers, foreignMessage } from './foreign.js';
import { IMAGE_PIN_KEY } from './image-pin.js';
import { imagesOfUp } from './image-stage.js';
import { type ImageWork, workKey } from './images.js';
import { engineHelp, type PassRequest } from './reconciler.js';
import { containerNameScaleError, overridesAfterUp } from './scale.js';
import { desiredProject, type UpSelection, upTargets } from './up-spec.js';

export async function up(
  core: AgentCore,
  req: UpRequest,
  emit: Emit,
  signal: AbortSignal,
): Promise<DoneEvent> {
  const file = req.spec;
  const named = req.services ?? [];
  const unknown = [...named, ...Object.keys(req.scale ?? {})].filter((s) => !Object.hasOwn(file.services, s));
  if (unknown.length > 0)
    return done([
      `project "${file.name}" has no service ${[...new Set(unknown)].map((s) => `"${s}"`).join(', ')}`,
    ]);
  const unique = req.scale ? containerNameScaleError(file, req.scale) : undefined;
  if (unique) return done([unique]);
  const targets = upTargets(file, named, req.noDeps ?? false);
  const foreign = await foreignContainers(core.o.runtime, core.o.state, core.o.nodeId, file.name).catch(
    () => [],
  );
  if (foreign.length > 0) return done([foreignMessage(file.name, foreign)]);
  // After any `down` of the project in progress (a resumed one too): it would remove what this makes.
  const applied = await core.serial(file.name, () => applyUp(core, req, targets, emit));
  if ('type' in applied) return applied;
  const { spec, errors, rolling } = applied;
  const settled = targets.filter((s) => !rolling.has(s));
  if (errors.length === 0) {
    // Replicas a smaller `replicas:` left over drain before they go (in a cluster).
    errors.push(...(await settle(core, spec.name, settled, emit, signal)));
  }
  if (errors.length === 0 && rolling.size > 0)
    errors.push(...(await awaitRolling(core, spec.name, rolling, emit, signal)));
  if (req.wait && errors.length === 0)
    errors.push(...(await waitHealthy(core, spec, targets, req.waitTimeoutMs, emit, signal)));
  return done(errors);
}

/** `up` in its project's queue: the state written durably, then the pass. */
async function applyUp(
  core: AgentCore,
  req: UpRequest,
  targets: string[],
  emit: Emit,
): Promise<DoneEvent | { spec: ProjectSpec; errors: string[]; rolling: Map<string, string> }> {
  const file = req.spec;
  const { state } = core.o;
  const sel: UpSelection = { targets };
  if (req.noRecreate) sel.noRecreate = true;
  if (req.scale) sel.scale = req.scale;
  const previous = state.getProject(file.name) as ProjectSpec | undefined;
  let spec: ProjectSpec;
  try {
    spec = desiredProject(file, previous, sel);
    // In a cluster, built once here and run by every node (image-pin.ts): before the
    // revisions, so that a new image is a new revision; nothing is written when it fails.
    if (core.o.clustered?.()) {
      const failed = await pinBuiltImages(core, spec, targets, req, emit);
      if (failed.length > 0) return done(failed);
    }
    // Secrets and configs are sealed before the project enters the state (secrets/seal.ts).
    if (core.o.objects) spec = await core.o.objects.seal(spec, previous);
    // Each changed service gets a revision and, when it ran before, a rolling update.
    spec = withRevisions(previous, spec, writeMeta(core, 'up'));
  } catch (err) {
    return done([`project "${file.name}": ${engineHelp(err)}`]);
  }
  const rolling = new Map<string, string>();
  for (const svc of targets) {
    const r = rolloutOf(spec, svc);
    if (r && r.id !== (previous && rolloutOf(previous, svc)?.id)) rolling.set(svc, r.id);
  }
  // Where node-local resources (bind mounts, named volumes) live: the first `up`'s node.
  spec.extensions = {
    ...spec.extensions,
    [ORIGIN_KEY]: (previous && projectOrigin(previous)) ?? core.o.nodeId,
  };
  // A spec that cannot be planned never enters the (durable, gossiped) state.
  const unplannable = planError(spec);
  if (unplannable) return done([`project "${spec.name}": ${unplannable}`]);
  // An `up` after a down that failed half-way: the user wants the project back, so the
  // next agent start must not finish that down.
  await core.downs.remove(spec.name);
  state.putProject(spec);
  core.trust.restore(spec.name);
  if (req.configFiles) await core.projectFiles.set(spec.name, req.configFiles).catch(() => {});
  // `up` runs every service again, as docker compose does. `create` makes the containers
  // of services that were not up yet, stopped; one that runs keeps running.
  for (const svc of Object.keys(spec.services)) {
    if (!targets.includes(svc)) continue;
    if (req.noStart) {
      if (!previous?.services[svc]) state.setServiceStopped(spec.name, svc, true);
    } else if (state.isServiceStopped(spec.name, svc)) state.setServiceStopped(spec.name, svc, false);
  }
  // A `fizz scale` override would win over the spec's replicas: the `up` wins over it, with
  // the file's count (or `--scale`'s), as docker compose's next `up` overrides its `scale`.
  const overrides = overridesAfterUp(spec, targets, (svc) => state.getScale(spec.name, svc));
  for (const [svc, n] of Object.entries(overrides)) state.setScale(spec.name, svc, n);
  await core.o.flush();
  const serviceKeys = targets.map((s) => `${spec.name}/${s}`);
  const extra: Omit<PassRequest, 'watch'> = { rerunExited: serviceKeys };
  if (req.forceRecreate) extra.forceRecreate = serviceKeys;
  if (req.noDeps) extra.ignoreDependencies = serviceKeys;
  if (req.timeout !== undefined) extra.graceMs = { [spec.name]: req.timeout * 1000 };
  // Journaled: an agent killed between removing and making them again finishes it (run()).
  if (req.forceRecreate) await core.recreates.add({ project: spec.name, services: serviceKeys });
  else await core.recreates.remove(spec.name);
  extra.images = imagesOfUp(spec.name, targets, req);
  const pass = await runPass(core, [spec.name], emit, extra);
  if (Array.isArray(pass)) return done(pass);
  const errors = [...(pass.errors.get(spec.name) ?? [])];
  if (errors.length === 0) await core.recreates.remove(spec.name);
  const touched = pass.touched.get(spec.name) ?? new Set<string>();
  const isTarget = (c: ContainerInfo) =>
    c.labels[LABELS.project] === spec.name && targets.includes(c.labels[LABELS.service] ?? '');
  // One that drains before it goes is said by awaitLeaving, not as running.
  const leaving = scaledAway(core, spec.name, targets);
  for (const c of pass.actual) {
    if (!isTarget(c) || touched.has(c.id) || c.state !== 'running' || leaving(c)) continue;
    emit({
      type: 'progress',
      resource: 'container',
      name: c.name,
      service: c.labels[LABELS.service] ?? '',
      status: 'running',
    });
  }
  return { spec, errors, rolling };
}

/** Finishes every `up --force-recreate` an earlier agent journaled and did not finish. */
export async function resumeRecreates(core: AgentCore): Promise<void> {
  for (const { project, services } of core.recreates.list()) {
    await core.serial(project, async () => {
      if (!core.recreates.list().some((e) => e.project === project)) return;
      if (core.o.state.getProject(project) === undefined) return core.recreates.remove(project);
      core.o.logger.info({ project, services }, 'finishing an interrupted up --force-recreate');
      const pass = await runPass(core, [project], () => {}, {
        forceRecreate: services,
        rerunExited: services,
      });
      const errors = Array.isArray(pass) ? pass : (pass.errors.get(project) ?? []);
      if (errors.length === 0) await core.recreates.remove(project);
      else core.o.logger.warn({ project, errors }, 'interrupted up --force-recreate not finished');
    });
  }
}

/**
 * In a cluster, gets the images of the targeted services that have a `build:` section here
 * (built, or as `up`'s flags and the pull policy say) and pins their ids into `spec`
 * (image-pin.ts). Resolves with the lines of the services whose image could not be had
 * (then nothing is written).
 */
async function pinBuiltImages(
  core: AgentCore,
  spec: ProjectSpec,
  targets: string[],
  req: UpRequest,
  emit: Emit,
): Promise<string[]> {
  const works: ImageWork[] = [];
  for (const service of targets) {
    const svc = spec.services[service];
    if (!svc?.build) continue;
    const { [IMAGE_PIN_KEY]: _old, ...fromFile } = svc;
    const flags: NonNullable<ImageWork['flags']> = {};
    if (req.pull) flags.pull = req.pull;
    if (req.build) flags.build = true;
    if (req.noBuild) flags.noBuild = true;
    const w: ImageWork = { project: spec.name, service, spec: fromFile, trigger: 'up', flags, emit };
    if (req.dockerConfig) w.dockerConfig = req.dockerConfig;
    works.push(w);
  }
  if (works.length === 0) return [];
  const outcomes = await core.reconciler.images.ensure(works);
  const errors: string[] = [];
  for (const w of works) {
    const o = outcomes.get(workKey(w.project, w.service));
    if (o?.ok) spec.services[w.service] = { ...spec.services[w.service]!, [IMAGE_PIN_KEY]: o.id };
    else if (o) errors.push(o.error);
  }
  return errors;
}
