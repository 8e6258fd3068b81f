/**
 * Built once, run everywhere: in a cluster, `fizz up` builds (or finds) the image of each
 * targeted service with a `build:` section on the node where it runs, before the project
 * enters the state, and writes the image's id into the service (`x-fizz-image`). The id
 * is part of the spec hash, so a rebuild (`up --build`) with a new id recreates the
 * service's replicas on every node (a rolling update, as any changed service gets); each
 * node runs exactly that image: its engine's if it has it, else a peer's (by id, from the
 * node that built it), and builds it itself only when no node can give it.
 */
import type { UpRequest } from '../api/protocol.js';
import type { Emit } from '../api/server.js';
import type { ProjectSpec, ServiceSpec } from '../compose/types.js';
import type { ImageService, ImageWork } from './images.js';
import { workKey } from './images.js';

export const IMAGE_PIN_KEY = 'x-fizz-image';
const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/** The image id the service's replicas run, when an `up` in a cluster pinned one. */
export function pinnedImage(spec: ServiceSpec): string | undefined {
  const v = spec[IMAGE_PIN_KEY];
  return typeof v === 'string' && IMAGE_ID.test(v) ? v : undefined;
}

/**
 * Gets the images of the targeted services that have a `build:` section here (built, or
 * as `up`'s flags and the pull policy say) and pins their ids into `spec`. Resolves with
 * the lines of the services whose image could not be had (then nothing should be written).
 */
export async function pinBuiltImages(
  images: ImageService,
  spec: ProjectSpec,
  targets: string[],
  req: UpRequest,
  emit: Emit,
  signal?: AbortSignal,
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
  const outcomes = await images.ensure(works, signal);
  const errors: string[] = [];
  for (const w of works) {
    const o = outcomes.get(workKey(w.project, w.service));
    if (!o) continue;
    if (o.ok) spec.services[w.service] = { ...spec.services[w.service]!, [IMAGE_PIN_KEY]: o.id };
    else errors.push(o.error);
  }
  return errors;
}
