/**
 * `fizz exec` on the agent: finds the running container of the asked replica and starts
 * the command in it. The API layer (exec-server.ts) then streams the session.
 */
import type { ExecRequest } from '../api/protocol.js';
import type { ProjectSpec } from '../compose/types.js';
import {
  type ContainerInfo,
  type ExecOptions,
  type ExecSession,
  LABELS,
  type Runtime,
} from '../runtime/types.js';

/** The exec has nowhere to run: unknown project or service, no such replica, not running. */
export class ExecTargetError extends Error {
  override readonly name = 'ExecTargetError';
}

/** The container `req` targets; throws ExecTargetError saying why there is none. */
export function execTarget(
  req: Pick<ExecRequest, 'project' | 'service' | 'index'>,
  spec: ProjectSpec | undefined,
  containers: ContainerInfo[],
): ContainerInfo {
  const ofService = containers.filter(
    (c) => c.labels[LABELS.project] === req.project && c.labels[LABELS.service] === req.service,
  );
  if (!spec && containers.every((c) => c.labels[LABELS.project] !== req.project))
    throw new ExecTargetError(`project "${req.project}" is not up`);
  if (spec && !Object.hasOwn(spec.services, req.service) && ofService.length === 0)
    throw new ExecTargetError(`no such service: ${req.service}`);
  const replica = ofService.find((c) => Number(c.labels[LABELS.slot]) === req.index - 1);
  if (!replica) {
    const running = ofService.filter((c) => c.state === 'running').length;
    throw new ExecTargetError(
      running === 0
        ? `service "${req.service}" is not running`
        : `service "${req.service}" has no container with index ${req.index} (it has ${ofService.length})`,
    );
  }
  if (replica.state !== 'running')
    throw new ExecTargetError(
      `container ${replica.name} of service "${req.service}" is not running (${replica.state})`,
    );
  return replica;
}

/** Starts `req` in its container. */
export async function startExec(
  runtime: Runtime,
  spec: ProjectSpec | undefined,
  req: ExecRequest,
  nodeId: string,
): Promise<ExecSession> {
  // Only this agent's containers: another agent (another FIZZ_HOME) may use the same name.
  const mine = (await runtime.list(req.project)).filter((c) => c.labels[LABELS.node] === nodeId);
  const target = execTarget(req, spec, mine);
  const opts: ExecOptions = {
    cmd: req.command,
    tty: req.tty,
    stdin: !req.detach,
    detach: req.detach,
    env: req.env,
  };
  if (req.user !== undefined) opts.user = req.user;
  if (req.workdir !== undefined) opts.workdir = req.workdir;
  if (req.size !== undefined) opts.size = req.size;
  return runtime.exec(target.id, opts);
}
