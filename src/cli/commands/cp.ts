import { existsSync, statSync } from 'node:fs';
import { basename, dirname, posix, resolve } from 'node:path';
import { Command, Option, UsageError } from 'clipanion';
import { extractTar } from '../../runtime/tar-read.js';
import { archivePath } from '../../runtime/tar-tree.js';
import { EngineCommand, parseIndex, pickReplica } from '../engine-command.js';

/** Which way a `fizz cp` goes: one side is `SERVICE:PATH`, the other a local path or `-` (a tar on stdin/stdout). */
export type CpPlan =
  | { direction: 'from'; service: string; containerPath: string; local: string }
  | { direction: 'to'; service: string; containerPath: string; local: string };

const SERVICE_PATH = /^([a-zA-Z0-9][a-zA-Z0-9_.-]*):(.*)$/;

/** `SERVICE:PATH`, unless it reads as a local path (`./a:b`, `/x:y`). */
function serviceSide(arg: string): { service: string; path: string } | undefined {
  if (arg.startsWith('/') || arg.startsWith('.')) return undefined;
  const m = SERVICE_PATH.exec(arg);
  return m ? { service: m[1]!, path: m[2]! } : undefined;
}

export function planCp(src: string, dest: string): CpPlan {
  const from = serviceSide(src);
  const to = serviceSide(dest);
  if (from && to)
    throw new UsageError('fizz cp copies between a container and this machine, not between two containers');
  if (!from && !to)
    throw new UsageError(
      'fizz cp wants SERVICE:PATH on one side, e.g. `fizz cp web:/etc/hosts .` or `fizz cp ./a web:/tmp`',
    );
  const side = (from ?? to)!;
  if (side.path === '') throw new UsageError(`"${from ? src : dest}": the path in the container is empty`);
  const containerPath = posix.isAbsolute(side.path) ? side.path : `/${side.path}`;
  return from
    ? { direction: 'from', service: side.service, containerPath, local: dest }
    : { direction: 'to', service: side.service, containerPath, local: src };
}

/** `fizz cp`: files between a service's container and this machine, as `docker compose cp`. */
export class CpCommand extends EngineCommand {
  static override paths = [['cp']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'copy files between a service container and the local filesystem',
    details: `
      One side is \`SERVICE:PATH\` (replica \`--index\`, default 1), the other a local path,
      or \`-\` for a tar archive on stdout (out of the container) or stdin (into it). As
      \`docker cp\`: copying to an existing directory puts the source inside it, under its
      own name; to any other path, the copy takes that name. The container need not run.
    `,
    examples: [
      ['Copy a file out of web', '$0 cp web:/etc/hosts ./hosts'],
      ['Copy a directory into the second replica', '$0 cp --index 2 ./conf web:/etc/app'],
    ],
  });

  index = Option.String('--index', '1', { description: 'Replica of the service (1, 2, …)' });
  src = Option.String({ name: 'SRC' });
  dest = Option.String({ name: 'DEST' });

  async execute(): Promise<number> {
    const plan = planCp(this.src, this.dest);
    const index = parseIndex(this.index);
    return this.projectNameOnly(
      async (project) => {
        const { engine, list } = await this.containers(project, [plan.service]);
        const target = pickReplica(list, plan.service, index);
        if (plan.direction === 'from') {
          const archive = await engine.getArchive(target.id, plan.containerPath);
          if (plan.local === '-') {
            for await (const chunk of archive) this.context.stdout.write(chunk);
            return 0;
          }
          const local = resolve(plan.local);
          if (existsSync(local) && statSync(local).isDirectory()) await extractTar(archive, local);
          else await extractTar(archive, dirname(local), basename(local));
          return 0;
        }
        if (plan.local === '-') {
          await engine.putArchive(target.id, plan.containerPath, this.context.stdin as AsyncIterable<Buffer>);
          return 0;
        }
        const local = resolve(plan.local);
        if (!existsSync(local)) throw new UsageError(`${plan.local}: no such file or directory`);
        const there = await engine.statPath(target.id, plan.containerPath);
        if (there?.dir) await engine.putArchive(target.id, plan.containerPath, archivePath(local));
        else
          await engine.putArchive(
            target.id,
            posix.dirname(plan.containerPath),
            archivePath(local, posix.basename(plan.containerPath)),
          );
        return 0;
      },
      [plan.service],
    );
  }
}
