import { spawn } from 'node:child_process';
import { Command, Option, UsageError } from 'clipanion';
import { type DashboardRequest, dashboardRequest } from '../../api/dashboard-api.js';
import { ClusterCommand } from '../cluster-command.js';

/** A desktop session with xdg-open: `--open` opens the page there. */
function openInBrowser(url: string, env: NodeJS.ProcessEnv): boolean {
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return false;
  try {
    const child = spawn('xdg-open', [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}

/** `fizz dashboard`: turns the agent's live dashboard on (or off, or elsewhere) and prints its address. */
export class DashboardCommand extends ClusterCommand {
  static override paths = [['dashboard']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'print the address of the live dashboard (turning it on)',
    details: `
      The agent serves a page of the cluster as this node sees it: the nodes with their state
      and load, each service's replicas with where they run and how healthy they are, the
      pending slots and why, and the recent events, updated live. It needs nothing from the
      internet and fits a phone's screen.

      Off until asked for. \`fizz dashboard\` turns it on where it was last (at first
      127.0.0.1:7180, this machine only: no token needed), prints the address and keeps it
      on across restarts of the agent. \`--address HOST:PORT\` moves it: on any address but
      loopback (0.0.0.0:7180, the node's own address) it asks for a login token, which the
      printed address carries once (\`?token=…\`; the browser keeps a cookie). Keep that
      address secret. \`--new-token\` logs every browser out, \`--off\` turns it off, \`--open\`
      also opens the page on this desktop.
    `,
    examples: [
      ['On this machine only', '$0 dashboard'],
      ['Reachable from the LAN, with a login token', '$0 dashboard --address 0.0.0.0:7180'],
      ['Turn it off', '$0 dashboard --off'],
    ],
  });

  address = Option.String('--address', { description: 'listen at HOST:PORT, HOST or PORT' });
  off = Option.Boolean('--off', false, { description: 'turn the dashboard off' });
  newToken = Option.Boolean('--new-token', false, {
    description: 'a new login token (logs every browser out)',
  });
  status = Option.Boolean('--status', false, { description: 'only print where it listens; change nothing' });
  open = Option.Boolean('--open', false, { description: 'also open it in this desktop’s browser' });

  async execute(): Promise<number> {
    if (this.off && (this.address !== undefined || this.newToken || this.open))
      throw new UsageError('--off goes alone');
    if (this.status && (this.address !== undefined || this.newToken || this.off))
      throw new UsageError('--status changes nothing: it goes without --address, --off and --new-token');
    const req: DashboardRequest = {};
    if (this.address !== undefined) req.address = this.address;
    if (this.off) req.off = true;
    if (this.newToken) req.rotateToken = true;
    if (this.status) req.status = true;
    const info = await dashboardRequest(await this.agent(), req);
    if (!info.enabled || !info.url) {
      this.context.stdout.write('the dashboard is off\n');
      return 0;
    }
    this.context.stdout.write(`${info.url}\n`);
    if (info.tokenRequired)
      this.context.stderr.write(
        `The dashboard listens on ${info.address}: the address above logs a browser in (keep it secret).\n`,
      );
    if (this.open && !openInBrowser(info.url, process.env))
      this.context.stderr.write('no desktop here to open it on: open the address above in a browser\n');
    return 0;
  }
}
