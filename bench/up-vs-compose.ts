/**
 * up-vs-compose: the same 10-service compose file (a dependency chain with healthchecks)
 * brought up and down by `fizz` and by `docker-compose` (Debian's 1.29), alternately, N
 * rounds each in one run. Times are medians of wall-clock command times:
 *   up          `up -d` returns
 *   up_healthy  from the start of `up -d` until every container is running and healthy
 *               (polled with `docker inspect` the same way for both)
 *   down        `down` returns
 * Ratios are fizz over docker-compose (≤ 1.0 means Fizz is not slower). Fizz's phases come
 * from its plain progress lines: CLI start to first line, and the rest of `up`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Benchmark, median, parseOptions, round } from './benchmark.js';

const BIN = fileURLToPath(new URL('../../bin/fizz.js', import.meta.url));

/** 10 services: two roots with healthchecks, three APIs waiting for both, then a chain to a proxy. */
export function benchCompose(port: number, intervalMs: number): string {
  const hc = `    healthcheck:
      test: ["CMD", "true"]
      interval: ${intervalMs}ms
      timeout: 1s
      retries: 30
`;
  const svc = (name: string, deps: Array<[string, string]>, health: boolean, extra = '') =>
    `  ${name}:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
${health ? hc : ''}${
  deps.length
    ? `    depends_on:\n${deps.map(([d, c]) => `      ${d}:\n        condition: ${c}\n`).join('')}`
    : ''
}${extra}`;
  return `services:
${svc('db', [], true)}${svc('cache', [], true)}${svc(
  'api1',
  [
    ['db', 'service_healthy'],
    ['cache', 'service_healthy'],
  ],
  true,
)}${svc(
  'api2',
  [
    ['db', 'service_healthy'],
    ['cache', 'service_healthy'],
  ],
  true,
)}${svc(
  'api3',
  [
    ['db', 'service_healthy'],
    ['cache', 'service_healthy'],
  ],
  true,
)}${svc('worker1', [['api1', 'service_started']], false)}${svc('worker2', [['api1', 'service_started']], false)}${svc('cron', [['db', 'service_started']], false)}${svc(
  'web',
  [
    ['api1', 'service_healthy'],
    ['api2', 'service_healthy'],
    ['api3', 'service_healthy'],
  ],
  true,
)}  proxy:
    image: fizz/busybox:latest
    command: ["httpd", "-f", "-p", "80", "-h", "/www"]
    init: true
    ports:
      - "${port}:80"
    depends_on:
      web:
        condition: service_healthy
`;
}

interface Timed {
  ms: number;
  code: number;
  stderr: string;
  /** ms from the start at which each stderr line arrived */
  lines: Array<[number, string]>;
}

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Timed> {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let pending = '';
    const lines: Array<[number, string]> = [];
    child.stderr.on('data', (d: Buffer) => {
      const at = performance.now() - start;
      stderr += d;
      pending += d;
      const parts = pending.split('\n');
      pending = parts.pop()!;
      for (const p of parts) lines.push([at, p]);
    });
    child.on('close', (code) => resolve({ ms: performance.now() - start, code: code ?? -1, stderr, lines }));
  });
}

function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`docker ${args.join(' ')} failed`)),
    );
  });
}

/** Resolves when all `count` containers with `label` run and are healthy (or have no healthcheck). */
async function allHealthy(label: string, count: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const ids = (await docker(['ps', '-q', '--filter', `label=${label}`])).split('\n').filter(Boolean);
    if (ids.length === count) {
      const states = (
        await docker([
          'inspect',
          '--format',
          '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}',
          ...ids,
        ])
      )
        .trim()
        .split('\n');
      if (states.every((s) => s === 'running healthy' || s === 'running none')) return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`containers labelled ${label} did not all become healthy`);
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

const bench: Benchmark = {
  name: 'up-vs-compose',
  description: '10-service compose file with a healthcheck chain: fizz vs docker-compose, up/healthy/down',
  async run(args) {
    const opts = parseOptions(args);
    const rounds = Number(opts.get('rounds') ?? 5);
    const port = Number(opts.get('port') ?? 18090);
    const intervalMs = Number(opts.get('interval-ms') ?? 500);
    const dir = mkdtempSync(join(tmpdir(), 'fzb-'));
    const home = join(dir, 'h');
    const file = join(dir, 'compose.yaml');
    writeFileSync(file, benchCompose(port, intervalMs));
    const env = { ...process.env, FIZZ_HOME: home, NO_COLOR: '1', DOCKER_API_VERSION: '1.41' };
    const fizzProject = 'fzb-fizz';
    const composeProject = 'fzb-compose';
    const fizz = (a: string[]) => timed(process.execPath, [BIN, ...a], env, dir);
    const compose = (a: string[]) =>
      timed('docker-compose', ['-p', composeProject, '-f', file, ...a], env, dir);
    const must = (t: Timed, what: string) => {
      if (t.code !== 0) throw new Error(`${what} failed (${t.code}): ${t.stderr.slice(-2000)}`);
      return t;
    };

    const r = {
      fizzUp: [] as number[],
      fizzHealthy: [] as number[],
      fizzDown: [] as number[],
      composeUp: [] as number[],
      composeHealthy: [] as number[],
      composeDown: [] as number[],
      firstLine: [] as number[],
      cliStart: [] as number[],
    };
    let agentRss = 0;
    try {
      // Warm-up: start the agent and load both tools' code paths once (not measured).
      must(await fizz(['up', '-d', '-p', fizzProject, '-f', file]), 'fizz warm-up up');
      must(await fizz(['down', '-p', fizzProject, '-f', file]), 'fizz warm-up down');
      must(await compose(['up', '-d']), 'docker-compose warm-up up');
      must(await compose(['down']), 'docker-compose warm-up down');
      for (let i = 0; i < rounds; i++) {
        r.cliStart.push((await timed(process.execPath, [BIN, '--version'], env, dir)).ms);
        let t0 = performance.now();
        const fu = must(await fizz(['up', '-d', '-p', fizzProject, '-f', file]), 'fizz up');
        await allHealthy(`fizz.project=${fizzProject}`, 10, 60_000);
        r.fizzHealthy.push(performance.now() - t0);
        r.fizzUp.push(fu.ms);
        r.firstLine.push(fu.lines[0]?.[0] ?? fu.ms);
        if (i === rounds - 1) {
          await new Promise((res) => setTimeout(res, 3000));
          agentRss = rssMb(Number(readFileSync(join(home, 'agent.pid'), 'utf8')));
        }
        r.fizzDown.push(must(await fizz(['down', '-p', fizzProject, '-f', file]), 'fizz down').ms);

        t0 = performance.now();
        const cu = must(await compose(['up', '-d']), 'docker-compose up');
        await allHealthy(`com.docker.compose.project=${composeProject}`, 10, 60_000);
        r.composeHealthy.push(performance.now() - t0);
        r.composeUp.push(cu.ms);
        r.composeDown.push(must(await compose(['down']), 'docker-compose down').ms);
      }
    } finally {
      await fizz(['down', '-p', fizzProject, '-f', file]).catch(() => undefined);
      await compose(['down']).catch(() => undefined);
      const pid = (() => {
        try {
          return Number(readFileSync(join(home, 'agent.pid'), 'utf8'));
        } catch {
          return 0;
        }
      })();
      if (pid) process.kill(pid, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
    const m = (xs: number[]) => round(median(xs), 0);
    const json = {
      rounds,
      healthcheck_interval_ms: intervalMs,
      fizz_up_ms: m(r.fizzUp),
      compose_up_ms: m(r.composeUp),
      fizz_up_healthy_ms: m(r.fizzHealthy),
      compose_up_healthy_ms: m(r.composeHealthy),
      fizz_down_ms: m(r.fizzDown),
      compose_down_ms: m(r.composeDown),
      ratio_up: round(median(r.fizzUp) / median(r.composeUp), 2),
      ratio_up_healthy: round(median(r.fizzHealthy) / median(r.composeHealthy), 2),
      ratio_down: round(median(r.fizzDown) / median(r.composeDown), 2),
      agent_rss_mb: round(agentRss, 1),
      fizz_cli_start_ms: m(r.cliStart),
      fizz_first_progress_ms: m(r.firstLine),
      fizz_agent_engine_ms: m(r.fizzUp.map((u, i) => u - r.firstLine[i]!)),
      health_chain_floor_ms: 3 * intervalMs,
    };
    return {
      rows: [
        ['fizz up -d', json.fizz_up_ms, 'ms, median'],
        ['docker-compose up -d', json.compose_up_ms, 'ms, median'],
        ['fizz up → all healthy', json.fizz_up_healthy_ms, 'ms, median'],
        ['docker-compose up → all healthy', json.compose_up_healthy_ms, 'ms, median'],
        ['fizz down', json.fizz_down_ms, 'ms, median'],
        ['docker-compose down', json.compose_down_ms, 'ms, median'],
        ['ratio up', json.ratio_up, 'bar ≤ 1.0'],
        ['ratio up healthy', json.ratio_up_healthy, 'bar ≤ 1.0'],
        ['ratio down', json.ratio_down, 'bar ≤ 1.0'],
        ['agent RSS, idle, file running', json.agent_rss_mb, 'MB'],
        ['phase: node start + CLI load (fizz --version)', json.fizz_cli_start_ms, 'ms'],
        [
          'phase: fizz up start → first progress line',
          json.fizz_first_progress_ms,
          'ms (CLI, compose load, durable write, network)',
        ],
        [
          'phase: first progress line → up returns',
          json.fizz_agent_engine_ms,
          'ms (engine create/start, health waits)',
        ],
        [
          'floor: 3 healthcheck levels × interval',
          json.health_chain_floor_ms,
          'ms (first check runs one interval after start)',
        ],
      ],
      json,
    };
  },
};

export default bench;
