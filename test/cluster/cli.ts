#!/usr/bin/env node
/**
 * `npm run cluster -- <command>`: a Fizz cluster of network-namespace hosts on this machine,
 * for a person at a shell. A thin layer over the Cluster class; every command reads the
 * cluster's state directory, so they can be run one by one.
 */
import { Cluster, ClusterExistsError } from './harness.js';
import { DEFAULT_CONFIG } from './layout.js';
import { statusTable } from './status-table.js';

const USAGE = `usage: npm run cluster -- [--name N] [--subnet A.B.C] [--dir D] <command>

  up <n> [--no-join]       hosts h1…hn (namespace, engine, agent); h1 runs fizz init, the others join
  exec <host> <cmd…>       run a command on a host (its netns, DOCKER_HOST, FIZZ_HOME, this checkout's fizz)
  kill <host>              SIGKILL the host's containers, engine and agent (its kernel still answers
                           with RST and ICMP, as a machine whose processes crashed; cut it as well to
                           model one that vanished)
  restart <host>           start a killed host's engine and agent again on the same disks
  cut <host> [<peer>…]     drop all its traffic (or only to and from the peers)
  loss <host> <p>          drop each packet to or from the host with probability p (0-1)
  heal                     remove every cut and loss
  status [--json]          host, address, engine, agent, faults, membership as each host sees it
  down                     remove everything the cluster made (also after a crash)

  --name    cluster name, 1-5 of [a-z0-9] (env FIZZ_CLUSTER_NAME, default ${DEFAULT_CONFIG.name})
  --subnet  the bridge's /24 (env FIZZ_CLUSTER_SUBNET, default ${DEFAULT_CONFIG.subnet}); hosts are .11, .12, …
  --dir     parent of the state directory (env FIZZ_CLUSTER_DIR, default ${DEFAULT_CONFIG.root})
`;

class UsageError extends Error {
  override name = 'UsageError';
}

function takeGlobals(args: string[]): { name: string; subnet: string; root: string; rest: string[] } {
  const g = {
    name: process.env.FIZZ_CLUSTER_NAME || DEFAULT_CONFIG.name,
    subnet: process.env.FIZZ_CLUSTER_SUBNET || DEFAULT_CONFIG.subnet,
    root: process.env.FIZZ_CLUSTER_DIR || DEFAULT_CONFIG.root,
  };
  let i = 0;
  for (; i < args.length; i += 2) {
    const flag = args[i]!;
    const key = ({ '--name': 'name', '--subnet': 'subnet', '--dir': 'root' } as const)[flag];
    if (!key) break;
    if (args[i + 1] === undefined) throw new UsageError(`${flag} needs a value`);
    g[key] = args[i + 1]!;
  }
  return { ...g, rest: args.slice(i) };
}

function arg(args: string[], i: number, what: string): string {
  const v = args[i];
  if (v === undefined) throw new UsageError(`missing ${what}`);
  return v;
}

async function main(argv: string[]): Promise<number> {
  const { rest, ...config } = takeGlobals(argv);
  const [command, ...args] = rest;
  const started = Date.now();
  const progress = (line: string) =>
    console.error(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);
  const cluster = new Cluster({ ...config, progress });
  switch (command) {
    case 'up': {
      const n = Number(arg(args, 0, 'host count'));
      if (!Number.isInteger(n) || n < 1)
        throw new UsageError(`host count '${args[0]}': expected a positive integer`);
      try {
        await cluster.up(n, { join: args.includes('--no-join') ? false : 'auto' });
      } catch (err) {
        if (!(err instanceof ClusterExistsError))
          console.error(`up failed; logs are in ${cluster.dir}/h*/; clean up with: npm run cluster -- down`);
        throw err;
      }
      progress(
        `cluster ${config.name} up: ${cluster
          .hosts()
          .map((h) => `${h.name}=${h.address}`)
          .join(' ')}`,
      );
      return 0;
    }
    case 'exec': {
      const host = arg(args, 0, 'host');
      if (args.length < 2) throw new UsageError('missing command');
      // `npm run` moves to the package's directory; the command runs where the person typed it.
      return cluster.execInteractive(host, args.slice(1), process.env.INIT_CWD || process.cwd());
    }
    case 'kill':
      await cluster.kill(arg(args, 0, 'host'));
      return 0;
    case 'restart':
      await cluster.restart(arg(args, 0, 'host'));
      return 0;
    case 'cut':
      await cluster.cut(arg(args, 0, 'host'), args.slice(1));
      return 0;
    case 'loss': {
      const p = Number(arg(args, 1, 'probability'));
      if (!(p > 0 && p <= 1)) throw new UsageError(`probability '${args[1]}': expected 0 < p <= 1`);
      await cluster.loss(arg(args, 0, 'host'), p);
      return 0;
    }
    case 'heal':
      await cluster.heal();
      return 0;
    case 'status': {
      if (cluster.hosts().length === 0) {
        console.error(`no cluster '${config.name}' is up (nothing in ${cluster.dir})`);
        return 1;
      }
      const rows = await cluster.status();
      process.stdout.write(
        args.includes('--json') ? `${JSON.stringify(rows, null, 2)}\n` : statusTable(rows),
      );
      return 0;
    }
    case 'down':
      await cluster.down();
      progress(`cluster ${config.name} down`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`error: ${err.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(`error: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    process.exitCode = 1;
  }
}
