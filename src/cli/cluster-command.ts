/**
 * What the cluster commands (init, join, token, nodes, label, leave) share: reaching the
 * agent (starting one when needed) and turning its refusals into one `error:` line.
 */
import { Command } from 'clipanion';
import type { AgentClient } from '../api/client.js';
import { connectAgent } from './agent-client.js';
import { cliHomePaths } from './fizz-home.js';
import { AGENT_ERRORS } from './project-command.js';

/** The agent's failures, and a token that does not decode: one `error:` line each. */
const CLUSTER_ERRORS = new Set([...AGENT_ERRORS, 'JoinTokenError']);

export abstract class ClusterCommand extends Command {
  override async validateAndExecute(): Promise<number> {
    try {
      return await super.validateAndExecute();
    } catch (err) {
      if (!(err instanceof Error) || !CLUSTER_ERRORS.has(err.name)) throw err;
      this.context.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
  }

  async agent(): Promise<AgentClient> {
    return connectAgent({
      paths: cliHomePaths(),
      autoStart: true,
      env: this.context.env,
      onStart: (log) =>
        this.context.stderr.write(`Starting the Fizz agent in the background (log: ${log})\n`),
    });
  }

  /** `k=v` pairs (`--label`) to a map; a pair without `=` is a usage error. */
  static labelMap(pairs: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of pairs) {
      const i = p.indexOf('=');
      if (i <= 0) throw new Error(`invalid label "${p}": expected KEY=VALUE`);
      out[p.slice(0, i)] = p.slice(i + 1);
    }
    return out;
  }
}
