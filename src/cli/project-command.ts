/**
 * What the single-node project commands (up, down, ps, logs, start, stop, restart) share on
 * top of the compose options: reaching the agent (starting one when needed) and finding the
 * project's name from the compose file, or from `-p` alone when there is no file.
 */
import { homedir } from 'node:os';
import type { AgentClient } from '../api/client.js';
import type { ProjectSpec } from '../compose/types.js';
import { dockerConfigDir } from '../runtime/registry-auth.js';
import { type ConnectOptions, connectAgent, connectAsking } from './agent-client.js';
import { ComposeCommand } from './compose-options.js';
import { cliHomePaths } from './fizz-home.js';

/** Failures of reaching or asking the agent: their message is the whole story. */
export const AGENT_ERRORS = new Set([
  'AgentApiError',
  'AgentUnreachableError',
  'AgentStartError',
  'ApiDecodeError',
  'AgentAccessError',
  'AgentGoneError',
  'HomeOwnerError',
  'HostAddressError',
  'RemoteHostError',
]);

/** What the agent says every command must tell (a damaged state and what it keeps), on stderr. */
export function printWarnings(client: AgentClient, stderr: NodeJS.WritableStream): void {
  for (const w of client.lastInfo?.warnings ?? []) stderr.write(`warning: ${w}\n`);
}

export abstract class ProjectCommand extends ComposeCommand {
  /**
   * An agent failure (engine down, agent gone) is one `error:` line on stderr and exit 1,
   * not a stack trace on stdout (where `ps --format json | jq` would read it).
   */
  override async validateAndExecute(): Promise<number> {
    try {
      return await super.validateAndExecute();
    } catch (err) {
      if (!(err instanceof Error) || !AGENT_ERRORS.has(err.name)) throw err;
      this.context.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
  }

  /** Connects to the agent, starting one in the background when none answers. */
  async agent(): Promise<AgentClient> {
    const client = await connectAgent(this.connectOptions());
    printWarnings(client, this.context.stderr);
    return client;
  }

  /** `agent()` and a read-only question for it, sent at once (agent-client.ts: connectAsking). */
  async askAgent<T>(ask: (client: AgentClient) => Promise<T>): Promise<T> {
    const { client, answer } = await connectAsking(this.connectOptions(), ask);
    printWarnings(client, this.context.stderr);
    return answer;
  }

  private connectOptions(): ConnectOptions {
    return {
      paths: cliHomePaths(),
      autoStart: true,
      env: this.context.env,
      onStart: (log) =>
        this.context.stderr.write(`Starting the Fizz agent in the background (log: ${log})\n`),
    };
  }

  /**
   * The project name: from the compose file, or `-p` when no file loads. With a file, the
   * `services` named on the command line must be in it (docker compose: "no such service").
   * A scan of the file's top-level keys gives the name (compose/peek.ts), so these commands
   * neither parse nor validate a big file; the full load runs only when the scan cannot be
   * sure, or to report a named service it did not find.
   */
  async projectNameOnly(run: (name: string) => Promise<number>, services: string[] = []): Promise<number> {
    const { peekProject } = await import('../compose/peek.js');
    const peeked = await peekProject(this.composeLoadOptions());
    if (peeked && services.every((s) => peeked.services?.has(s))) return run(peeked.name);
    let spec: ProjectSpec;
    try {
      spec = await this.loadProject();
    } catch (err) {
      if (this.projectName && !this.files?.length) return run(this.projectName);
      return this.reportComposeErrors(err);
    }
    const unknown = services.filter((s) => !Object.hasOwn(spec.services, s));
    if (unknown.length > 0) {
      this.context.stderr.write(`error: no such service: ${unknown.join(', ')}\n`);
      return 1;
    }
    return run(spec.name);
  }

  /** The docker CLI config directory whose registry credentials the agent uses for this user. */
  get dockerConfig(): string {
    return dockerConfigDir(this.context.env ?? process.env, homedir());
  }

  /** Prints docker compose's "no such service" when `services` are not all in `spec`; true when they are. */
  knownServices(spec: ProjectSpec, services: string[]): boolean {
    const unknown = services.filter((s) => !Object.hasOwn(spec.services, s));
    if (unknown.length === 0) return true;
    this.context.stderr.write(`error: no such service: ${[...new Set(unknown)].join(', ')}\n`);
    return false;
  }

  get stderrTty(): boolean {
    return Boolean((this.context.stderr as NodeJS.WriteStream).isTTY);
  }

  get stdoutTty(): boolean {
    return Boolean((this.context.stdout as NodeJS.WriteStream).isTTY) && !process.env.NO_COLOR;
  }
}
