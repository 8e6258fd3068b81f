/**
 * The docker compose global options every project command shares (`-f`, `-p`,
 * `--project-directory`, `--env-file`, `--profile`) and the one way to load the project
 * from them. Commands extend `ComposeCommand` and call `this.withProject(...)` or
 * `this.loadProject()`.
 */
import { Command, Option } from 'clipanion';
import { ComposeLoadError } from '../compose/errors.js';
import type { LoadOptions, ProjectSpec } from '../compose/index.js';

export abstract class ComposeCommand extends Command {
  files = Option.Array('-f,--file', {
    description: 'Compose configuration file (repeatable; later files override; `-` reads stdin)',
  });
  projectName = Option.String('-p,--project-name', { description: 'Project name' });
  projectDirectory = Option.String('--project-directory', {
    description: 'Alternate working directory (default: the directory of the first file)',
  });
  envFiles = Option.Array('--env-file', { description: 'Alternate environment file (repeatable)' });
  profiles = Option.Array('--profile', { description: 'Profile to enable (repeatable)' });

  /** The loader options these flags, the process environment and the context give. */
  composeLoadOptions(): LoadOptions {
    const stdin = this.context.stdin;
    return {
      files: this.files,
      projectName: this.projectName,
      projectDirectory: this.projectDirectory,
      envFiles: this.envFiles,
      profiles: this.profiles,
      env: { ...(this.context.env ?? process.env) },
      cwd: process.cwd(),
      stdin: () => readAll(stdin),
      warn: (message) => this.context.stderr.write(`warning: ${message}\n`),
    };
  }

  /** Loads the project; throws `ComposeLoadError` (see `reportComposeErrors`). */
  async loadProject(): Promise<ProjectSpec> {
    // Loaded on first use: the loader (yaml, ajv, the schema validator) is most of what a
    // command costs to start, and `--help`, `version`, `ls` or `nodes` never read a file.
    const { loadProject } = await import('../compose/index.js');
    return loadProject(this.composeLoadOptions());
  }

  /**
   * Loads the project and runs `run` with it. On loader errors prints every one of them to
   * stderr and returns 1; `run`'s own result (default 0) otherwise.
   */
  async withProject(run: (project: ProjectSpec) => Promise<number | undefined>): Promise<number> {
    let project: ProjectSpec;
    try {
      project = await this.loadProject();
    } catch (err) {
      return this.reportComposeErrors(err);
    }
    return (await run(project)) ?? 0;
  }

  /** Prints every loader error to stderr and returns exit code 1; rethrows anything else. */
  reportComposeErrors(err: unknown): number {
    if (!(err instanceof ComposeLoadError)) throw err;
    for (const e of err.errors) this.context.stderr.write(`error: ${e.message}\n`);
    if (err.errors.length > 1) this.context.stderr.write(`${err.errors.length} errors\n`);
    return 1;
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
