/**
 * The pieces of `fizz kill`, `pause`, `unpause`, `top` and `images` (engine-ops.ts): which
 * kills count as a stop by hand, progress per container, the listings. Plain functions over
 * the runtime and the containers handed in.
 */
import type { ImageEntry, ProgressEvent, ProgressStatus, TopEntry } from '../api/protocol.js';
import type { ServiceSpec } from '../compose/types.js';
import { ContainerNotFoundError, EngineError } from '../runtime/errors.js';
import { type ContainerInfo, LABELS, type Runtime } from '../runtime/types.js';

export type Emit = (event: ProgressEvent) => void;

function serviceOf(c: ContainerInfo): string {
  return c.labels[LABELS.service] ?? '';
}

export function replicaOf(c: ContainerInfo): number {
  const n = Number(c.labels[LABELS.slot]);
  return Number.isInteger(n) ? n : 0;
}

/** Service, then replica: the order every listing prints containers in. */
export function byServiceAndReplica(a: ContainerInfo, b: ContainerInfo): number {
  const s = serviceOf(a).localeCompare(serviceOf(b));
  return s !== 0 ? s : replicaOf(a) - replicaOf(b);
}

/** `SIGKILL`, `KILL`, `9` → `KILL` / `9`: to compare a signal with a stop_signal. */
function bareSignal(signal: string): string {
  return signal.toUpperCase().replace(/^SIG/, '');
}

/**
 * Whether the engine treats a kill with `signal` as a stop by hand (moby's `ExitOnNext`,
 * daemon/kill.go `killWithSignal`): SIGKILL always; any signal when the container has no
 * stop signal configured; else only that stop signal. Fizz configures one only from
 * `stop_signal`. Such a container is not restarted by its policy, even if it survives the
 * signal and exits later; with a `stop_signal`, other signals leave the policy in force.
 * (An image's own STOPSIGNAL is not known here: a kill is then taken as a stop by hand,
 * which at worst keeps exited a container the engine itself starts again.)
 */
export function killStops(signal: string, spec: ServiceSpec | undefined): boolean {
  const s = bareSignal(signal);
  if (s === 'KILL' || s === '9') return true;
  if (spec?.stop_signal === undefined || spec.stop_signal === '') return true;
  const stop = bareSignal(spec.stop_signal);
  return s === stop || (stop === 'TERM' && s === '15') || (stop === '15' && s === 'TERM');
}

type Progress = [busy: ProgressStatus, finished: ProgressStatus];

/**
 * Runs `act` on each container at once, with progress lines (`Killing` → `Killed`); a
 * failure names the service and the container. Returns the failures and the containers done.
 */
export async function eachContainer(
  containers: ContainerInfo[],
  [busy, finished]: Progress,
  emit: Emit,
  act: (c: ContainerInfo) => Promise<void>,
): Promise<{ errors: string[]; done: ContainerInfo[] }> {
  const errors: string[] = [];
  const done: ContainerInfo[] = [];
  await Promise.all(
    containers.map(async (c) => {
      const service = serviceOf(c);
      emit({ type: 'progress', resource: 'container', name: c.name, service, status: busy });
      try {
        await act(c);
        done.push(c);
        emit({ type: 'progress', resource: 'container', name: c.name, service, status: finished });
      } catch (err) {
        const message = (err as Error).message;
        errors.push(`service "${service}": container ${c.name}: ${message}`);
        emit({
          type: 'progress',
          resource: 'container',
          name: c.name,
          service,
          status: 'error',
          detail: message,
        });
      }
    }),
  );
  return { errors, done };
}

/** The engine's answer for a container that exited (409 "not running") or went (404) meanwhile. */
function goneOrStopped(err: unknown): boolean {
  return err instanceof ContainerNotFoundError || (err instanceof EngineError && err.statusCode === 409);
}

/**
 * `fizz top`: the processes of each running (or paused) container, in service and replica
 * order. One that exits or is removed between the listing and its `top` is left out, as a
 * container that was not running at all is.
 */
export async function topOf(runtime: Runtime, containers: ContainerInfo[]): Promise<TopEntry[]> {
  const live = containers
    .filter((c) => c.state === 'running' || c.state === 'paused')
    .sort(byServiceAndReplica);
  const entries = await Promise.all(
    live.map(async (c): Promise<TopEntry | undefined> => {
      try {
        const t = await runtime.top(c.id);
        return { name: c.name, service: serviceOf(c), replica: replicaOf(c), ...t };
      } catch (err) {
        if (goneOrStopped(err)) return undefined;
        throw err;
      }
    }),
  );
  return entries.filter((e): e is TopEntry => e !== undefined);
}

/** `fizz images`: the image of each container (whatever its state), looked up once per reference. */
export async function imagesOf(runtime: Runtime, containers: ContainerInfo[]): Promise<ImageEntry[]> {
  const refs = [...new Set(containers.map((c) => c.image))];
  const infos = new Map(await Promise.all(refs.map(async (r) => [r, await runtime.imageInfo(r)] as const)));
  return [...containers].sort(byServiceAndReplica).map((c) => {
    const info = infos.get(c.image);
    return {
      container: c.name,
      service: serviceOf(c),
      replica: replicaOf(c),
      image: c.image,
      id: info?.id ?? '',
      size: info?.size ?? 0,
    };
  });
}
