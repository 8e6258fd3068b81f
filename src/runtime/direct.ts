/**
 * The engine operations the CLI does itself, as the docker CLI does: attaching to a
 * container's own input and output (`fizz run`, `fizz attach`) and waiting for it to exit
 * (`fizz wait`). The reconcile loop has no use for them, so they are not in `Runtime`.
 */
import type { Duplex } from 'node:stream';
import { DockerRuntime } from './docker.js';
import { hijackedSession } from './docker-exec.js';
import type { ExecSession } from './types.js';

export interface AttachOptions {
  /** The container was created with a TTY: its output is one raw stream. */
  tty: boolean;
  /** Send input to the container's stdin (it must have been created with it open). */
  stdin: boolean;
}

export class DirectEngine extends DockerRuntime {
  /**
   * Attaches to a container's stdin, stdout and stderr; the session's exit code is the
   * container's, once it has stopped. Attach before starting to see the first output.
   */
  async attach(id: string, opts: AttachOptions): Promise<ExecSession> {
    const container = this.docker.getContainer(id);
    const socket = (await this.call(
      () =>
        container.attach({
          stream: true,
          stdin: opts.stdin,
          stdout: true,
          stderr: true,
          hijack: true,
        }) as Promise<unknown>,
      { container: id },
    )) as Duplex;
    return hijackedSession(socket, opts, {
      resize: async (rows, cols) => {
        await this.call(() => container.resize({ h: rows, w: cols }), { container: id });
      },
      exitCode: () => this.wait(id),
    });
  }

  /** Blocks until the container is not running; resolves with its exit code. */
  async wait(id: string): Promise<number> {
    const res = (await this.call(() => this.docker.getContainer(id).wait(), { container: id })) as {
      StatusCode?: number;
    };
    return res.StatusCode ?? -1;
  }
}
