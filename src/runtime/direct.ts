/**
 * The engine operations the CLI does itself, as the docker CLI does: attaching to a
 * container's own input and output (`fizz run`, `fizz attach`) and waiting for it to exit
 * (`fizz wait`). The reconcile loop has no use for them, so they are not in `Runtime`.
 */
import { type Duplex, Readable } from 'node:stream';
import { DockerRuntime } from './docker.js';
import { hijackedSession } from './docker-exec.js';
import type { ExecSession } from './types.js';

export interface AttachOptions {
  /** The container was created with a TTY: its output is one raw stream. */
  tty: boolean;
  /** Send input to the container's stdin (it must have been created with it open). */
  stdin: boolean;
}

/** A path the command names is not in the container. */
export class ContainerPathError extends Error {
  override readonly name = 'ContainerPathError';
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

  /**
   * The anonymous volumes a container mounts (those the engine named with a random id, not
   * a volume the file names): `fizz rm -v` removes them with it, as docker compose does.
   */
  async anonymousVolumes(id: string): Promise<string[]> {
    const data = (await this.call(() => this.docker.getContainer(id).inspect(), { container: id })) as {
      Mounts?: Array<{ Type?: string; Name?: string }>;
    };
    return (data.Mounts ?? [])
      .filter((m) => m.Type === 'volume' && m.Name !== undefined && /^[0-9a-f]{64}$/.test(m.Name))
      .map((m) => m.Name!);
  }

  /**
   * What `path` is in the container (the engine's path stat), undefined when it does not
   * exist. `dir`: it is a directory (a symlink to one counts).
   */
  async statPath(id: string, path: string): Promise<{ dir: boolean; name: string } | undefined> {
    let res: { headers?: Record<string, string | undefined>; destroy?: () => void };
    try {
      res = (await this.call(() => this.docker.getContainer(id).infoArchive({ path }), {
        container: id,
      })) as typeof res;
    } catch (err) {
      // A HEAD answer has no body: a missing path is a bare 404, which reads as "no such container"
      // (the container itself was just listed).
      const e = err as Error;
      if (
        e.name === 'ContainerNotFoundError' ||
        (e.name === 'EngineError' && /could not find|no such file/i.test(e.message))
      )
        return undefined;
      throw err;
    }
    res.destroy?.();
    const raw = res.headers?.['x-docker-container-path-stat'];
    if (!raw) return undefined;
    const stat = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as { name?: string; mode?: number };
    // Go's os.ModeDir is bit 31.
    return { dir: ((stat.mode ?? 0) & 0x80000000) !== 0, name: stat.name ?? '' };
  }

  /** `path` in the container as a tar archive, its top entry named after it. */
  async getArchive(id: string, path: string): Promise<AsyncIterable<Buffer>> {
    try {
      return (await this.call(() => this.docker.getContainer(id).getArchive({ path }), {
        container: id,
      })) as unknown as AsyncIterable<Buffer>;
    } catch (err) {
      // The engine answers 404 for a missing path as for a missing container; the caller has
      // just found the container.
      if ((err as Error).name === 'ContainerNotFoundError')
        throw new ContainerPathError(`${path}: no such file or directory in container ${id.slice(0, 12)}`, {
          cause: err,
        });
      throw err;
    }
  }

  /** Unpacks `archive` into the directory `dir` of the container. */
  async putArchive(id: string, dir: string, archive: AsyncIterable<Buffer>): Promise<void> {
    const res = (await this.call(
      () => this.docker.getContainer(id).putArchive(Readable.from(archive), { path: dir }),
      { container: id },
    )) as { resume?: () => void } | undefined;
    res?.resume?.();
  }

  /** How the container was created: with a TTY, with stdin open (what `attach` can do). */
  async terminalOf(id: string): Promise<{ tty: boolean; openStdin: boolean }> {
    const data = (await this.call(() => this.docker.getContainer(id).inspect(), { container: id })) as {
      Config?: { Tty?: boolean; OpenStdin?: boolean };
    };
    return { tty: data.Config?.Tty === true, openStdin: data.Config?.OpenStdin === true };
  }

  /** One sample of the engine's stats of a running container (its precpu_stats filled in). */
  async statsOnce(id: string): Promise<EngineStats> {
    return (await this.call(() => this.docker.getContainer(id).stats({ stream: false }), {
      container: id,
    })) as unknown as EngineStats;
  }
}

/** The parts of a `GET /containers/{id}/stats` answer `fizz stats` reads. */
export interface EngineStats {
  read?: string;
  pids_stats?: { current?: number };
  cpu_stats?: {
    cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op?: string; value?: number }> | null };
}
