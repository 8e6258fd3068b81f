/**
 * ps-big-file: what a command that needs only the project's name costs on a ~5 MB compose
 * file (compose-load's generated project, ~8,500 services). In one process: the name scan
 * (compose/peek.ts) against the full load. As whole processes, each with its peak RSS:
 * `fizz ps` (agent running, the name scan), `fizz config -q` (the full load, which every
 * command paid before the scan), and with `--compose` `docker-compose ps` (1.29 has no
 * top-level `name:`, so it runs with -p on the same file with `version: "3.8"`; it takes
 * minutes, so it is left out unless asked).
 *   npm run bench -- ps-big-file [--runs N] [--services N] [--no-engine] [--compose]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProject } from '../src/compose/index.js';
import { peekProject } from '../src/compose/peek.js';
import { type Benchmark, median, must, parseOptions, round, stopAgent, timed } from './benchmark.js';
import { generatedProject } from './compose-load.js';

const BIN = fileURLToPath(new URL('../../bin/fizz.js', import.meta.url));
const GNU_TIME = '/usr/bin/time';

/** Wall time and peak RSS (MB, via GNU time when present) of one process. */
async function measured(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, check = true) {
  const gnu = existsSync(GNU_TIME);
  const r = gnu
    ? await timed(['-f', 'maxrss_kb=%M', cmd, ...args], env, cwd, GNU_TIME)
    : await timed(args, env, cwd, cmd);
  if (check) must(r, `${cmd} ${args.join(' ')}`);
  const kb = /maxrss_kb=(\d+)/.exec(r.out)?.[1];
  return { ms: r.ms, rssMb: kb ? round(Number(kb) / 1024, 0) : null, code: r.code };
}

const bench: Benchmark = {
  name: 'ps-big-file',
  description:
    'a name-only command (fizz ps) on a ~5 MB compose file: name scan vs full load vs docker-compose',
  async run(args) {
    const opts = parseOptions(args);
    const runs = Number(opts.get('runs') ?? 5);
    const n = Number(opts.get('services') ?? 8500);
    const engine = opts.get('no-engine') !== 'true';
    const compose = opts.get('compose') === 'true' && existsSync('/usr/bin/docker-compose');
    const dir = mkdtempSync(join(tmpdir(), 'fzbig-'));
    const home = join(dir, 'h');
    const project = `fzbig${process.pid}`;
    const text = generatedProject(n).replace('name: generated', `name: ${project}`);
    writeFileSync(join(dir, 'compose.yaml'), text);
    const env = { ...process.env, FIZZ_HOME: home, NO_COLOR: '1' };
    try {
      const loadOpts = { env: {}, cwd: dir };
      const peekMs: number[] = [];
      for (let i = 0; i < runs * 4; i++) {
        const t = performance.now();
        if ((await peekProject(loadOpts))?.name !== project) throw new Error('peek gave another name');
        peekMs.push(performance.now() - t);
      }
      const loadMs: number[] = [];
      for (let i = 0; i < Math.min(runs, 2); i++) {
        const t = performance.now();
        if ((await loadProject(loadOpts)).name !== project) throw new Error('load gave another name');
        loadMs.push(performance.now() - t);
      }
      const ps: Array<{ ms: number; rssMb: number | null }> = [];
      const config: Array<{ ms: number; rssMb: number | null }> = [];
      const dc: Array<{ ms: number; rssMb: number | null }> = [];
      if (engine) {
        mkdirSync(home, { mode: 0o700 });
        must(await timed([BIN, 'ps'], env, dir), 'fizz ps (agent start)');
        for (let i = 0; i < runs; i++) ps.push(await measured(process.execPath, [BIN, 'ps'], env, dir));
      }
      for (let i = 0; i < Math.min(runs, 2); i++)
        config.push(await measured(process.execPath, [BIN, 'config', '-q'], env, dir));
      if (compose) {
        const dcDir = join(dir, 'dc');
        mkdirSync(dcDir);
        writeFileSync(join(dcDir, 'compose.yaml'), `version: "3.8"\n${text.replace(/^name: .*\n/m, '')}`);
        dc.push(await measured('/usr/bin/docker-compose', ['-p', project, 'ps'], env, dcDir));
      }
      const m = (xs: Array<{ ms: number }>) => (xs.length ? round(median(xs.map((x) => x.ms)), 0) : null);
      const rss = (xs: Array<{ rssMb: number | null }>) => (xs.length ? (xs[0]!.rssMb ?? null) : null);
      const json = {
        file_mb: round(text.length / 1e6, 2),
        services: n,
        peek_ms: round(median(peekMs), 1),
        full_load_ms: round(median(loadMs), 0),
        fizz_ps_ms: m(ps),
        fizz_ps_rss_mb: rss(ps),
        full_load_cli_ms: m(config),
        full_load_cli_rss_mb: rss(config),
        docker_compose_ps_ms: m(dc),
        docker_compose_ps_rss_mb: rss(dc),
        runs,
      };
      const skip = (v: number | null, why: string) => v ?? `skipped (${why})`;
      return {
        rows: [
          ['file', `${json.file_mb} MB`, `${n} services`],
          ['name scan, in process', json.peek_ms, `ms, median of ${runs * 4}`],
          ['full load, in process', json.full_load_ms, `ms, median of ${loadMs.length}`],
          [
            'fizz ps (agent running)',
            skip(json.fizz_ps_ms, '--no-engine'),
            `ms, median of ${ps.length}; ${json.fizz_ps_rss_mb ?? '?'} MB peak RSS`,
          ],
          [
            'fizz config -q (full load)',
            json.full_load_cli_ms ?? '',
            `ms; ${json.full_load_cli_rss_mb ?? '?'} MB peak RSS`,
          ],
          [
            'docker-compose ps',
            skip(json.docker_compose_ps_ms, 'needs --compose and docker-compose'),
            `ms, one run; ${json.docker_compose_ps_rss_mb ?? '?'} MB peak RSS`,
          ],
        ],
        json,
      };
    } finally {
      await stopAgent(home);
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
