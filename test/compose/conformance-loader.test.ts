/**
 * compose-go's loader tests, as data: every case of loader/expected.json, loader/inline.json
 * and loader/normalize.json runs through `loadModel`. Cases Fizz does not follow are skipped
 * with their reason in the test name (and listed in docs/compose-conformance.md).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ComposeLoadError, type ConfigFile, loadModel, type ProjectSpec } from '../../src/compose/index.js';
import { at, fillPlaceholders, prune, sizeOf } from './canonical-compare.js';
import { CONFORMANCE_DIR, readCases, skipName } from './conformance-helpers.js';
import { KNOWN_LOADER_DIFFERENCES } from './conformance-known.js';

const LOADER = join(CONFORMANCE_DIR, 'loader');
const HOME = '/home/conformance';

interface Check {
  path: Array<string | number>;
  equals?: unknown;
  isNull?: boolean;
  notNull?: boolean;
  length?: number;
  isEmpty?: boolean;
}

interface LoaderCase {
  id: string;
  tree?: Record<string, string>;
  workingDir?: string | null;
  configFiles: Array<{ path?: string; name?: string; content?: string; contentFrom?: string }>;
  env?: Record<string, string> | null;
  options?: {
    resolvePaths?: boolean;
    skipNormalization?: boolean;
    skipConsistencyCheck?: boolean;
    skipValidation?: boolean;
    projectName?: string;
    discardEnvFiles?: boolean;
  };
  expect?: {
    name?: string;
    services?: unknown;
    networks?: unknown;
    volumes?: unknown;
    configs?: unknown;
    secrets?: unknown;
    extensions?: unknown;
    checks?: Check[];
    completeProject?: boolean;
    projectWorkingDir?: string;
  };
  expectError?: { message?: string; prefix?: string; contains?: string };
}

/** The project in the data set's terms: x-* of the project under `extensions`. */
function asData(project: ProjectSpec): Record<string, unknown> {
  return { ...project, extensions: project.extensions ?? {} };
}

function runCase(c: LoaderCase): void {
  const tmp = c.tree ? mkdtempSync(join(tmpdir(), 'fizz-conf-')) : undefined;
  try {
    if (c.tree && tmp)
      for (const [rel, content] of Object.entries(c.tree)) {
        mkdirSync(dirname(join(tmp, rel)), { recursive: true });
        writeFileSync(join(tmp, rel), content);
      }
    const root = tmp ?? LOADER;
    const workingDir = join(root, c.workingDir ?? '.');
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(c.env ?? {})) env[k] = v.replace(`$${'{'}HOME}`, HOME);
    const configFiles: ConfigFile[] = c.configFiles.map((f) => {
      if (f.path) return { path: join(root, f.path) };
      const content = f.content ?? readFileSync(join(LOADER, f.contentFrom!), 'utf8');
      return { path: join(root, f.name || 'compose.yaml'), content };
    });
    const o = c.options ?? {};
    const load = () =>
      loadModel({
        configFiles,
        workingDir,
        env,
        projectName: o.projectName,
        resolvePaths: o.resolvePaths,
        skipValidation: o.skipValidation,
        skipConsistencyCheck: o.skipConsistencyCheck,
        skipNormalization: o.skipNormalization,
      });
    if (c.expectError) {
      const e = c.expectError;
      assert.throws(load, (err: Error) => {
        assert.ok(err instanceof ComposeLoadError, `${err.name}: ${err.message}`);
        const reasons = err.errors.flatMap((x) => [x.reason, `${x.path} ${x.reason}`]);
        const ok = reasons.some(
          (r) =>
            (e.message === undefined || r === e.message) &&
            (e.prefix === undefined || r.startsWith(e.prefix)) &&
            (e.contains === undefined || r.includes(e.contains)),
        );
        assert.ok(ok, `got: ${reasons.join(' | ')}`);
        return true;
      });
      return;
    }
    const project = asData(load());
    if (o.discardEnvFiles) for (const s of Object.values(project.services as object)) delete s.env_file;
    const expect = fillPlaceholders(c.expect ?? {}, { LOADER, HOME, TMP: tmp ?? '' }) as NonNullable<
      LoaderCase['expect']
    >;
    if (expect.name !== undefined) assert.equal(project.name, expect.name);
    for (const section of ['services', 'networks', 'volumes', 'configs', 'secrets', 'extensions'] as const)
      if (expect[section] !== undefined)
        assert.deepEqual(prune(project[section], section), prune(expect[section], section), section);
    if (expect.completeProject)
      for (const section of ['services', 'networks', 'volumes', 'configs', 'secrets', 'extensions'] as const)
        if (expect[section] === undefined)
          assert.equal(sizeOf(project[section]), 0, `${section} must be empty`);
    if (expect.projectWorkingDir !== undefined) assert.equal(project.workingDir, expect.projectWorkingDir);
    for (const check of expect.checks ?? []) {
      const v = at(project, check.path);
      const where = check.path.join('.');
      if ('equals' in check) {
        const last = String(check.path[check.path.length - 1]);
        assert.deepEqual(prune(v, last), prune(check.equals, last), where);
      }
      if (check.isNull) assert.ok(v === null || v === undefined, `${where} must be null`);
      if (check.notNull) assert.ok(v !== null && v !== undefined, `${where} must be set`);
      if (check.length !== undefined) assert.equal(sizeOf(v), check.length, `${where} length`);
      if (check.isEmpty) assert.equal(sizeOf(v), 0, `${where} must be empty`);
    }
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

for (const file of ['loader/expected.json', 'loader/inline.json']) {
  for (const c of readCases<LoaderCase>(file)) {
    const reason = KNOWN_LOADER_DIFFERENCES[c.id];
    test(skipName(`${file} ${c.id}`, reason), { skip: reason }, () => runCase(c));
  }
}

interface NormalizeCase {
  id: string;
  input: string;
  env: Record<string, string>;
  expected: string;
}

for (const c of readCases<NormalizeCase>('loader/normalize.json')) {
  const reason = KNOWN_LOADER_DIFFERENCES[`normalize ${c.id}`];
  test(skipName(`loader/normalize.json ${c.id}`, reason), { skip: reason }, () => {
    const project = loadModel({
      configFiles: [{ path: join(LOADER, 'compose.yaml'), content: c.input }],
      workingDir: LOADER,
      env: c.env ?? {},
      resolvePaths: false,
      skipValidation: true,
      skipConsistencyCheck: true,
    });
    const expected = parse(c.expected) as Record<string, unknown>;
    for (const section of ['services', 'networks', 'volumes', 'secrets', 'configs'] as const)
      assert.deepEqual(prune(project[section], section), prune(expected[section] ?? {}, section), section);
  });
}
