import { Command, Option, UsageError } from 'clipanion';
import { AgentUnreachableError } from '../../api/errors.js';
import type { InfoResponse } from '../../api/protocol.js';
import { FIZZ_VERSION } from '../../version.js';
import { connectAgent } from '../agent-client.js';
import { cliHomePaths } from '../fizz-home.js';

/** `fizz version --format json`: the CLI's version under docker compose's key, the agent's and engine's beside it. */
export function versionJson(info: InfoResponse | undefined): Record<string, unknown> {
  return {
    version: FIZZ_VERSION,
    agent: info
      ? { version: info.version, pid: info.pid, nodeId: info.nodeId, apiVersion: info.apiVersion }
      : null,
    engine: info?.engine ? { version: info.engine.engineVersion, apiVersion: info.engine.apiVersion } : null,
    ...(info?.engineError ? { engineError: info.engineError } : {}),
  };
}

/** `fizz version`: the CLI's version, and the agent's and engine's when one runs. */
export class VersionCommand extends Command {
  static override paths = [['version']];
  static override usage = Command.Usage({
    category: 'Agent',
    description: 'print the versions of the CLI, the agent and the Docker Engine',
    details: `
      The agent and the engine are asked only when an agent runs (none is started).
      \`--short\` prints the CLI's version alone; \`--format json\` prints
      \`{"version": …, "agent": …, "engine": …}\` (null for what does not answer).
    `,
    examples: [
      ['Print versions', '$0 version'],
      ['As JSON', '$0 version --format json'],
    ],
  });

  format = Option.String('-f,--format', 'pretty', { description: 'pretty or json' });
  short = Option.Boolean('--short', false, { description: "Only the CLI's version" });

  async execute(): Promise<number> {
    if (this.format !== 'pretty' && this.format !== 'json')
      throw new UsageError(`--format wants pretty or json, not "${this.format}"`);
    const out = this.context.stdout;
    if (this.short) {
      out.write(`${FIZZ_VERSION}\n`);
      return 0;
    }
    let info: InfoResponse | undefined;
    try {
      info = await (
        await connectAgent({ paths: cliHomePaths(), autoStart: false, env: this.context.env })
      ).info(true);
    } catch (err) {
      if (!(err instanceof AgentUnreachableError)) throw err;
    }
    if (this.format === 'json') {
      out.write(`${JSON.stringify(versionJson(info))}\n`);
      return 0;
    }
    out.write(`fizz CLI:      ${FIZZ_VERSION}\n`);
    if (!info) {
      out.write('fizz agent:    not running\n');
      return 0;
    }
    out.write(
      `fizz agent:    ${info.version} (pid ${info.pid}, node ${info.nodeId}, API v${info.apiVersion})\n`,
    );
    if (info.engine)
      out.write(`Docker Engine: ${info.engine.engineVersion} (API ${info.engine.apiVersion})\n`);
    else out.write(`Docker Engine: unreachable: ${info.engineError ?? '?'}\n`);
    return 0;
  }
}
