import { Command, Option } from 'clipanion';
import type { PsEntry } from '../../api/protocol.js';
import { directEngine } from '../engine.js';
import { printOperation } from '../progress-printer.js';
import { ProjectCommand } from '../project-command.js';

/** The services whose containers `rm` removes: the named (or all) with none running, unless `stopFirst`. */
export function removableServices(entries: PsEntry[], named: string[], stopFirst: boolean): string[] {
  const services = new Set(entries.map((e) => e.service));
  const running = new Set(
    entries.filter((e) => e.state === 'running' || e.state === 'restarting').map((e) => e.service),
  );
  return [...services]
    .filter((s) => named.length === 0 || named.includes(s))
    .filter((s) => stopFirst || !running.has(s))
    .sort();
}

/** `fizz rm`: removes the stopped containers of services, as `docker compose rm`. */
export class RmCommand extends ProjectCommand {
  static override paths = [['rm']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'remove the stopped containers of services',
    details: `
      Removes the containers of the named services (default: every service) that have no
      running container; with \`-s\`, stops them first. It asks first unless \`-f\` is given
      (and refuses to go on without \`-f\` when stdin is not a terminal). \`-v\` also removes
      the anonymous volumes the containers mounted.

      The removal is kept in the desired state (the services are scaled to 0, on every node),
      so the agent does not make them again; the next \`fizz up\` of them does.
    `,
    examples: [
      ['Remove every stopped container, without asking', '$0 rm -f'],
      ['Stop and remove web', '$0 rm -s -f web'],
    ],
  });

  // `-f` is --force here, as in `docker compose rm -f` (there the file's -f comes before the
  // command); the compose file is `--file` for this command.
  override files = Option.Array('--file', {
    description: 'Compose configuration file (repeatable; later files override; `-` reads stdin)',
  });
  force = Option.Boolean('-f,--force', false, { description: "Don't ask to confirm the removal" });
  stop = Option.Boolean('-s,--stop', false, { description: 'Stop the containers first, if they run' });
  volumes = Option.Boolean('-v,--volumes', false, {
    description: 'Remove the anonymous volumes they mounted',
  });
  services = Option.Rest({ name: 'service' });

  async execute(): Promise<number> {
    return this.projectNameOnly(async (project) => {
      const client = await this.agent();
      const entries = (await client.ps(project, true)).containers.filter((e) => e.project === project);
      const services = removableServices(entries, this.services, this.stop);
      const doomed = entries.filter((e) => services.includes(e.service));
      if (doomed.length === 0) {
        this.context.stderr.write('No stopped containers\n');
        return 0;
      }
      if (!this.force && !(await this.confirm(doomed.map((e) => e.name)))) return 1;
      const anonymous = this.volumes ? await this.anonymousVolumes(doomed) : [];
      if (this.stop) {
        const stopped = await printOperation(
          client.stop({ project, services }),
          this.context.stderr,
          this.stderrTty,
        );
        if (!stopped.ok) return 1;
      }
      const scale = Object.fromEntries(services.map((s) => [s, 0]));
      const done = await printOperation(
        client.scale({ project, scale }),
        this.context.stderr,
        this.stderrTty,
      );
      if (!done.ok) return 1;
      const engine = await directEngine(this.context.env);
      for (const v of anonymous) await engine.removeVolume(v);
      return 0;
    }, this.services);
  }

  private async anonymousVolumes(entries: PsEntry[]): Promise<string[]> {
    const engine = await directEngine(this.context.env);
    return (await Promise.all(entries.map((e) => engine.anonymousVolumes(e.id)))).flat();
  }

  /** docker compose's question; false (and why) when nobody can answer it. */
  private async confirm(names: string[]): Promise<boolean> {
    const stdin = this.context.stdin as NodeJS.ReadStream;
    if (!stdin.isTTY) {
      this.context.stderr.write(
        `error: fizz rm would remove ${names.join(', ')}; it asks first, and stdin is not a terminal: add -f\n`,
      );
      return false;
    }
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: stdin, output: this.context.stderr });
    try {
      const answer = await rl.question(`Going to remove ${names.join(', ')}\n? Are you sure? [yN] `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  }
}
