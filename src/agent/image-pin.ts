/**
 * Built once, run everywhere: in a cluster, `fizz up` builds (or finds) the image of each
 * targeted service with a `build:` section on the node where it runs, before the project
 * enters the state, and writes the image's id into the service (`x-fizz-image`,
 * agent-up.ts). The id is part of the spec hash, so a rebuild (`up --build`) with a new id
 * recreates the service's replicas on every node (a rolling update, as any changed service
 * gets); each node runs exactly that image: its engine's if it has it, else a peer's (by
 * id, from the node that built it), and builds it itself only when no node can give it.
 */
import type { ServiceSpec } from '../compose/types.js';
import { serviceImage } from '../runtime/image-name.js';
import { PullReporter } from './image-progress.js';
import type { ImageServiceOptions, ImageWork } from './images.js';
import { askPeers } from './p2p-images/ask-peers.js';

export const IMAGE_PIN_KEY = 'x-fizz-image';
const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;
/** How long a node waits for some node to say it holds a pinned image. */
const PIN_HOLDER_WAIT_MS = 15_000;

/** The image id the service's replicas run, when an `up` in a cluster pinned one. */
function pinnedImage(spec: ServiceSpec): string | undefined {
  const v = spec[IMAGE_PIN_KEY];
  return typeof v === 'string' && IMAGE_ID.test(v) ? v : undefined;
}

/**
 * The service's pinned image id, once it is here under the service's image name: named so
 * when the engine has it by id, or got from a peer by id first. Undefined when the service
 * has no pin or no node could give it; the caller goes on as without a pin (builds it here).
 */
export async function pinnedHere(
  o: ImageServiceOptions,
  w: ImageWork,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const pin = pinnedImage(w.spec);
  if (pin === undefined) return undefined;
  const ref = serviceImage(w.project, w.service, w.spec);
  if ((await o.runtime.imageInfo(ref))?.id === pin) return pin;
  if ((await o.runtime.imageInfo(pin)) === undefined && o.peers?.clustered()) {
    const reporter = new PullReporter(ref, w.service, w.emit, () => o.clock.now());
    // The spec may arrive before the status entry of the node that built the image says it
    // holds it: no holder yet is waited for, a while, before this node builds its own.
    const deadline = o.clock.now() + PIN_HOLDER_WAIT_MS;
    for (;;) {
      const t = await askPeers(o.peers, pin, reporter, signal);
      if (t.loaded) {
        o.changed?.();
        o.onImage?.('transferred', ref, t.from !== undefined ? `from ${t.from}` : undefined);
      }
      if (t.loaded || t.error !== undefined || signal?.aborted || o.clock.now() >= deadline) break;
      await o.clock.sleep(500, signal).catch(() => {});
    }
  }
  if ((await o.runtime.imageInfo(pin)) === undefined || !o.tag) return undefined;
  await o.tag(pin, ref);
  o.changed?.();
  return (await o.runtime.imageInfo(ref))?.id === pin ? pin : undefined;
}
