import { Command, Option } from 'clipanion';
import { cliHomePaths } from '../fizz-home.js';

/** Failures of starting whose message says it all: no stack trace in the log. */
const KNOWN = new Set([
  'StoreLockedError',
  'StoreFormatError',
  'AgentAlreadyRunningError',
  'HomeOwnerError',
  'MetricsAddressError',
  'DashboardAddressError',
]);

/** `fizz agent`: runs the agent in the foreground. */
export class AgentCommand extends Command {
  static override paths = [['agent']];
  static override usage = Command.Usage({
    category: 'Agent',
    description: 'run the Fizz agent in the foreground',
    details: `
      The agent is the one process that talks to the Docker Engine. It keeps the desired
      state in FIZZ_HOME (default: /var/lib/fizz for root, $XDG_STATE_HOME/fizz or
      ~/.local/state/fizz otherwise) and serves the CLI on FIZZ_HOME/agent.sock (mode 0600).
      \`fizz up\` starts one in the background when none runs.

      \`--dashboard ADDR\` (or FIZZ_DASHBOARD=ADDR) serves the live dashboard there
      (\`127.0.0.1:7180\`; \`off\` turns it off); without either, the agent serves it where
      \`fizz dashboard\` last put it.

      \`--metrics IP:PORT\` serves Prometheus metrics at http://IP:PORT/metrics (off by
      default). An agent that \`fizz up\` starts takes the address from FIZZ_METRICS.
    `,
    examples: [
      ['Run the agent', '$0 agent'],
      ['With the dashboard on this machine only', '$0 agent --dashboard 127.0.0.1:7180'],
      ['With metrics on loopback', '$0 agent --metrics 127.0.0.1:9323'],
    ],
  });

  dashboard = Option.String('--dashboard', {
    description: 'serve the live dashboard at HOST:PORT (off: not at all)',
  });

  metrics = Option.String('--metrics', {
    description: 'serve Prometheus metrics on IP:PORT (default: $FIZZ_METRICS, or none)',
  });

  async execute(): Promise<number> {
    const paths = cliHomePaths();
    // Loaded only here: the daemon pulls in dockerode, pino and Yjs, which other commands never need.
    const { runDaemon } = await import('../../agent/daemon.js');
    try {
      const metrics = this.metrics ?? process.env.FIZZ_METRICS;
      await runDaemon({
        home: paths.home,
        ...(this.dashboard !== undefined ? { dashboard: this.dashboard } : {}),
        ...(metrics ? { metrics } : {}),
      });
    } catch (err) {
      // One line the CLI that started this agent quotes (agent-client.ts: startFailure).
      const e = err instanceof Error ? err : new Error(String(err));
      if (!KNOWN.has(e.name)) this.context.stderr.write(`${e.stack ?? e.message}\n`);
      this.context.stderr.write(`error: ${e.message.replaceAll('\n', ' ')}\n`);
      return 1;
    }
    return 0;
  }
}
