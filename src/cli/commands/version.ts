import { Command } from 'clipanion';
import { AgentUnreachableError } from '../../api/errors.js';
import { FIZZ_VERSION } from '../../version.js';
import { connectAgent } from '../agent-client.js';
import { cliHomePaths } from '../fizz-home.js';

/** `fizz version`: the CLI's version, and the agent's and engine's when one runs. */
export class VersionCommand extends Command {
  static override paths = [['version']];
  static override usage = Command.Usage({
    category: 'Agent',
    description: 'print the versions of the CLI, the agent and the Docker Engine',
    examples: [['Print versions', '$0 version']],
  });

  async execute(): Promise<number> {
    const out = this.context.stdout;
    out.write(`fizz CLI:      ${FIZZ_VERSION}\n`);
    try {
      const info = await (await connectAgent({ paths: cliHomePaths(), autoStart: false })).info(true);
      out.write(
        `fizz agent:    ${info.version} (pid ${info.pid}, node ${info.nodeId}, API v${info.apiVersion})\n`,
      );
      if (info.engine)
        out.write(`Docker Engine: ${info.engine.engineVersion} (API ${info.engine.apiVersion})\n`);
      else out.write(`Docker Engine: unreachable: ${info.engineError ?? '?'}\n`);
    } catch (err) {
      if (!(err instanceof AgentUnreachableError)) throw err;
      out.write('fizz agent:    not running\n');
    }
    return 0;
  }
}
