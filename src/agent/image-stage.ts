/**
 * The reconcile pass's image step, between planning and executing. The services whose
 * containers the pass is about to make get their images (images.ts), and so does every
 * service a `fizz up` targets (it may pull `always`, or `--build`). A service whose image
 * cannot be had loses its create and recreate actions — what it runs now keeps running —
 * and a line names it and the image; the other services go on. A service an `up` found a
 * new image for (pulled or built) is recreated, as docker compose does on a changed image.
 */
import type { OpProgress, UpRequest } from '../api/protocol.js';
import type { ProjectSpec } from '../compose/types.js';
import type { Action, DesiredSlot } from '../reconcile/types.js';
import { type ContainerInfo, LABELS, slotKey } from '../runtime/types.js';
import type { PullOverride } from './image-policy.js';
import { type ImageService, type ImageWork, workKey } from './images.js';

/** What `fizz up` asks of the images of a project. */
export interface ImagesRequest {
  project: string;
  /** The services the up targets (absent: every service). */
  services?: string[];
  pull?: PullOverride;
  build?: boolean;
  noBuild?: boolean;
  /** The asking user's docker CLI config directory. */
  dockerConfig?: string;
}

/** The image part of a `fizz up` of these target services. */
export function imagesOfUp(project: string, services: string[], req: UpRequest): ImagesRequest {
  const r: ImagesRequest = { project, services };
  if (req.pull) r.pull = req.pull;
  if (req.build) r.build = true;
  if (req.noBuild) r.noBuild = true;
  if (req.dockerConfig) r.dockerConfig = req.dockerConfig;
  return r;
}

export interface StageInput {
  /** The pass's actions, as planned and filtered. */
  actions: Action[];
  /** The same plan with these `project/service`s recreated too. */
  replan: (recreate: string[]) => Action[];
  owned: DesiredSlot[];
  actual: ContainerInfo[];
  specs: Map<string, ProjectSpec>;
  requests: ImagesRequest[];
  emit: (project: string, event: OpProgress) => void;
  /** These slots wait for their image, for this reason (an image coming from a peer). */
  wait?: (slots: string[], reason: string) => void;
  signal?: AbortSignal;
}

export interface StageResult {
  actions: Action[];
  /** Lines by project: the services whose image could not be had. */
  errors: Map<string, string[]>;
  /** Slots (slotKey) left without their container for want of an image: they back off. */
  failedSlots: string[];
  /** Why each of `failedSlots` has no image. */
  reasons: Map<string, string>;
}

/** Whether an action makes a container, so needs the image. */
export function needsImage(a: Action): boolean {
  return (
    a.kind === 'create' || a.kind === 'recreate' || (a.kind === 'start' && a.container.state === 'created')
  );
}

function serviceOf(a: Action): string | undefined {
  return a.kind === 'remove' ? undefined : workKey(a.slot.slot.project, a.slot.slot.service);
}

export class ImageStage {
  constructor(private readonly images: ImageService) {}

  async run(input: StageInput): Promise<StageResult> {
    const owned = new Map<string, DesiredSlot>();
    for (const d of input.owned) owned.set(workKey(d.slot.project, d.slot.service), d);
    const works = new Map<string, ImageWork>();
    const slotsOf = new Map<string, string[]>();
    for (const a of input.actions)
      if (needsImage(a) && a.kind !== 'remove')
        slotsOf.set(serviceOf(a)!, [...(slotsOf.get(serviceOf(a)!) ?? []), slotKey(a.slot.slot)]);
    const add = (key: string, trigger: ImageWork['trigger'], r?: ImagesRequest) => {
      const d = owned.get(key);
      if (!d || works.has(key)) return;
      const w: ImageWork = {
        project: d.slot.project,
        service: d.slot.service,
        spec: d.spec,
        trigger,
        emit: (ev) => {
          // An image on its way from a peer: the replicas waiting for it say so in `fizz ps`.
          if (
            ev.type === 'progress' &&
            ev.resource === 'image' &&
            ev.status === 'pulling' &&
            ev.detail?.startsWith('from ')
          )
            input.wait?.(slotsOf.get(key) ?? [], `pulling image from ${ev.detail.slice(5)}`);
          input.emit(d.slot.project, ev);
        },
      };
      if (r) {
        const flags: NonNullable<ImageWork['flags']> = {};
        if (r.pull) flags.pull = r.pull;
        if (r.build) flags.build = true;
        if (r.noBuild) flags.noBuild = true;
        w.flags = flags;
        if (r.dockerConfig) w.dockerConfig = r.dockerConfig;
      }
      works.set(key, w);
    };
    const upServices = new Set<string>();
    for (const r of input.requests) {
      const spec = input.specs.get(r.project);
      if (!spec) continue;
      for (const s of r.services ?? Object.keys(spec.services)) {
        upServices.add(workKey(r.project, s));
        add(workKey(r.project, s), 'up', r);
      }
    }
    for (const a of input.actions) if (needsImage(a)) add(serviceOf(a)!, 'background');
    if (works.size === 0)
      return { actions: input.actions, errors: new Map(), failedSlots: [], reasons: new Map() };

    const outcomes = await this.images.ensure([...works.values()], input.signal);

    // An `up` recreates the containers whose image is not the one it now has.
    const changed: string[] = [];
    for (const key of upServices) {
      const o = outcomes.get(key);
      if (!o?.ok) continue;
      const [project, service] = key.split('/') as [string, string];
      const stale = input.actual.some(
        (c) =>
          c.labels[LABELS.project] === project &&
          c.labels[LABELS.service] === service &&
          c.imageId !== undefined &&
          c.imageId !== o.id,
      );
      if (stale) changed.push(key);
    }
    const actions = changed.length ? input.replan(changed) : input.actions;

    const errors = new Map<string, string[]>();
    const failed = new Map<string, string>();
    for (const [key, o] of outcomes) {
      if (o.ok) continue;
      failed.set(key, o.error);
      const project = key.slice(0, key.indexOf('/'));
      errors.set(project, [...(errors.get(project) ?? []), o.error]);
    }
    const failedSlots: string[] = [];
    const reasons = new Map<string, string>();
    const kept = actions.filter((a) => {
      if (!needsImage(a) || !failed.has(serviceOf(a)!)) return true;
      if (a.kind !== 'remove') {
        failedSlots.push(slotKey(a.slot.slot));
        reasons.set(slotKey(a.slot.slot), failed.get(serviceOf(a)!)!);
      }
      return false;
    });
    return { actions: kept, errors, failedSlots, reasons };
  }
}
