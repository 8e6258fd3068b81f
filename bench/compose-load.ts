/**
 * compose-load: load, validate and normalize (1) the full example of the compose-go
 * conformance set and (2) generated projects of 50 and 500 services, from disk, after
 * warm-up. Reports medians; per-service figures show whether time grows linearly.
 *   npm run bench -- compose-load [--runs N] [--warmup N]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../src/compose/index.js';
import { type Benchmark, median, parseOptions, percentile, round, timeRuns } from './benchmark.js';

const FULL_DIR = fileURLToPath(new URL('../../test/fixtures/compose/compose-go/loader/', import.meta.url));

/** A project of `n` services using most features: ports, env, volumes, healthchecks, dependencies. */
export function generatedProject(n: number): string {
  const lines = [
    'name: generated',
    'x-common: &common',
    '  restart: unless-stopped',
    '  labels: [tier=app]',
    'services:',
  ];
  for (let i = 0; i < n; i++) {
    lines.push(
      `  svc${i}:`,
      '    <<: *common',
      `    image: "registry.local/app${i}:\${TAG:-1.${i}}"`,
      `    command: ["serve", "--port", "${8000 + (i % 1000)}"]`,
      `    ports: ["${10000 + i}:80", "127.0.0.1:${20000 + i}:443/tcp"]`,
      '    environment:',
      `      - INDEX=${i}`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation syntax, not a template
      '      - MODE=${MODE:-prod}',
      `    volumes: ["./data/${i}:/data:ro", "shared:/shared"]`,
      '    networks: [back]',
      '    healthcheck:',
      '      test: ["CMD", "wget", "-q", "http://localhost/"]',
      '      interval: 10s',
      '      timeout: 2s',
      '      retries: 3',
      '    deploy:',
      `      replicas: ${1 + (i % 3)}`,
      '      resources: {limits: {cpus: "0.25", memory: 128M}}',
    );
    if (i > 0) lines.push('    depends_on:', `      svc${i - 1}:`, '        condition: service_healthy');
  }
  lines.push('networks:', '  back: {}', 'volumes:', '  shared: {}', '');
  return lines.join('\n');
}

const bench: Benchmark = {
  name: 'compose-load',
  description: 'load + validate + normalize: the full example, and 50 / 500 generated services',
  async run(args) {
    const opts = parseOptions(args);
    const runs = Number(opts.get('runs') ?? 30);
    const warmup = Number(opts.get('warmup') ?? 5);
    const dir = mkdtempSync(join(tmpdir(), 'fizz-bench-compose-'));
    try {
      const full = () =>
        loadModel({
          configFiles: [{ path: join(FULL_DIR, 'full-example.yml') }],
          workingDir: FULL_DIR,
          env: { HOME: '/home/bench', BAR: 'bar', QUX: 'qux' },
          // The full example refers to services and networks it does not define, as in compose-go's own test.
          skipConsistencyCheck: true,
        });
      const gen = (n: number) => {
        const path = join(dir, `compose-${n}.yaml`);
        writeFileSync(path, generatedProject(n));
        return () => {
          const p = loadModel({ configFiles: [{ path }], workingDir: dir, env: {} });
          if (Object.keys(p.services).length !== n) throw new Error('wrong service count');
        };
      };
      const sizes = [50, 100, 250, 500];
      const fullTimes = timeRuns(runs, warmup, full);
      const perSize = new Map<number, number[]>();
      for (const n of sizes)
        perSize.set(n, timeRuns(n >= 250 ? Math.max(5, Math.floor(runs / 3)) : runs, warmup, gen(n)));
      const m = (n: number) => median(perSize.get(n)!);
      const rows: Array<[string, string | number, string?]> = [
        [
          'full_example_ms',
          round(median(fullTimes)),
          `median of ${runs}, p90 ${round(percentile(fullTimes, 90))} (bar: < 50)`,
        ],
      ];
      for (const n of sizes)
        rows.push([`services_${n}_ms`, round(m(n)), `${round(m(n) / n, 3)} ms per service`]);
      const growth = m(500) / m(50);
      rows.push(['growth_500_over_50', round(growth), 'linear would be 10']);
      return {
        rows,
        json: {
          full_example_ms: round(median(fullTimes)),
          services_50_ms: round(m(50)),
          services_500_ms: round(m(500)),
          services_100_ms: round(m(100)),
          services_250_ms: round(m(250)),
          per_service_ms_50: round(m(50) / 50, 3),
          per_service_ms_500: round(m(500) / 500, 3),
          growth_500_over_50: round(growth),
          runs,
          warmup,
        },
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
