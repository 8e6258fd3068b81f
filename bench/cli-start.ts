/**
 * cli-start: how long the CLI takes to answer, against a bare `node -e 0` timed in the same
 * run (the floor no Node.js CLI can go under). Rounds interleave the three commands so load
 * from the other processes of the machine hits them alike:
 *   node_floor  `node -e 0`
 *   version     `fizz --version` (clipanion's built-in: no agent, no compose file)
 *   ps          `fizz ps` in a directory with a one-service compose file, its agent running
 * The benchmark starts its own agent (a temporary FIZZ_HOME) and project on the local engine,
 * and removes both after. `--no-engine` skips `ps` (no Docker Engine here).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Benchmark,
  median,
  must,
  parseOptions,
  percentile,
  round,
  stopAgent,
  timed,
} from './benchmark.js';

const BIN = fileURLToPath(new URL('../../bin/fizz.js', import.meta.url));

/** A project name of this run's own: another agent's project of the same name would refuse `up`. */
const compose = (name: string) => `name: ${name}
services:
  app:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
`;

const bench: Benchmark = {
  name: 'cli-start',
  description: 'fizz --version and fizz ps (agent running) against node -e 0, wall-clock per process',
  async run(args) {
    const opts = parseOptions(args);
    const rounds = Number(opts.get('rounds') ?? 30);
    const engine = opts.get('no-engine') !== 'true';
    const dir = mkdtempSync(join(tmpdir(), 'fzcli-'));
    const home = join(dir, 'h');
    const project = `fzcli${process.pid}`;
    writeFileSync(join(dir, 'compose.yaml'), compose(project));
    const env = { ...process.env, FIZZ_HOME: home, NO_COLOR: '1', DOCKER_API_VERSION: '1.41' };
    const fizz = (a: string[]) => timed([BIN, ...a], env, dir);
    const r = { floor: [] as number[], version: [] as number[], ps: [] as number[] };
    try {
      if (engine) {
        must(await fizz(['up', '-d']), 'fizz up');
        const ps = must(await fizz(['ps']), 'fizz ps');
        if (!ps.out.includes(`${project}-app-1`))
          throw new Error(`fizz ps does not list the container:\n${ps.out}`);
      }
      // One unmeasured pass of each: the page cache holds every file afterwards.
      await timed(['-e', '0'], env, dir);
      await fizz(['--version']);
      for (let i = 0; i < rounds; i++) {
        r.floor.push((await timed(['-e', '0'], env, dir)).ms);
        r.version.push(must(await fizz(['--version']), 'fizz --version').ms);
        if (engine) r.ps.push(must(await fizz(['ps']), 'fizz ps').ms);
      }
    } finally {
      if (engine) await fizz(['down']).catch(() => undefined);
      await stopAgent(home);
      rmSync(dir, { recursive: true, force: true });
    }
    const m = (xs: number[]) => round(median(xs), 1);
    const p90 = (xs: number[]) => round(percentile(xs, 90), 1);
    const json = {
      rounds,
      node_floor_ms: m(r.floor),
      version_ms: m(r.version),
      ps_ms: engine ? m(r.ps) : null,
      version_over_floor_ms: round(median(r.version) - median(r.floor), 1),
      version_bar_met: median(r.version) - median(r.floor) <= 50,
      ps_bar_met: engine ? median(r.ps) < 150 : null,
    };
    return {
      rows: [
        ['node -e 0', json.node_floor_ms, `ms, median (p90 ${p90(r.floor)})`],
        ['fizz --version', json.version_ms, `ms, median (p90 ${p90(r.version)})`],
        ['fizz --version over the floor', json.version_over_floor_ms, 'ms; bar ≤ 50'],
        [
          'fizz ps (agent running)',
          json.ps_ms ?? 'skipped',
          engine ? `ms, median (p90 ${p90(r.ps)}); bar < 150` : '--no-engine',
        ],
      ],
      json,
    };
  },
};

export default bench;
