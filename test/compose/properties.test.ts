/**
 * Property tests: whatever the input, the loader either returns a project or throws its own
 * error (ComposeLoadError holding ComposeErrors), never a TypeError or another crash.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseDotenv } from '../../src/compose/dotenv.js';
import { COMPOSE_ERROR_NAMES, ComposeError, ComposeLoadError, loadModel } from '../../src/compose/index.js';
import { substitute } from '../../src/compose/interpolate.js';
import { CONFORMANCE_DIR } from './conformance-helpers.js';

const workingDir = mkdtempSync(join(tmpdir(), 'fizz-prop-'));
after(() => rmSync(workingDir, { recursive: true, force: true }));

const FULL = readFileSync(join(CONFORMANCE_DIR, 'loader', 'full-example.yml'), 'utf8');

function onlyOwnErrors(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    if (!(err instanceof ComposeLoadError)) throw err;
    assert.ok(err.errors.length > 0, 'a ComposeLoadError holds at least one error');
    for (const e of err.errors) {
      assert.ok(e instanceof ComposeError, `not a ComposeError: ${e}`);
      assert.ok(COMPOSE_ERROR_NAMES.includes(e.name), e.name);
      assert.equal(typeof e.message, 'string');
    }
  }
}

const load =
  (content: string, skipValidation = false) =>
  () =>
    loadModel({
      configFiles: [{ path: join(workingDir, 'compose.yaml'), content }],
      workingDir,
      env: { HOME: '/home/x', BAR: 'b', QUX: 'q' },
      skipValidation,
    });

test('random text never crashes the loader', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => onlyOwnErrors(load(text))),
    { numRuns: 300 },
  );
});

test('the full example cut at any point never crashes the loader', () => {
  fc.assert(
    fc.property(fc.nat({ max: FULL.length }), fc.boolean(), (cut, skip) =>
      onlyOwnErrors(load(FULL.slice(0, cut), skip)),
    ),
    { numRuns: 100 },
  );
});

const SERVICE_KEYS = [
  'image',
  'build',
  'command',
  'entrypoint',
  'environment',
  'env_file',
  'labels',
  'ports',
  'expose',
  'volumes',
  'networks',
  'network_mode',
  'depends_on',
  'healthcheck',
  'restart',
  'stop_grace_period',
  'mem_limit',
  'shm_size',
  'cpus',
  'scale',
  'deploy',
  'profiles',
  'secrets',
  'configs',
  'extends',
  'ulimits',
  'extra_hosts',
  'container_name',
  'tmpfs',
  'logging',
  'x-fizz',
];
const TOP_KEYS = ['networks', 'volumes', 'secrets', 'configs', 'include', 'name', 'x-extra'];

const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    '8080:80',
    '1-5:1-5',
    '10s',
    '1m30s',
    '512m',
    '${X:-y}',
    '$${Z}',
    './a:/b:ro',
    'service:web',
    '!',
  ),
  fc.array(fc.constantFrom('80', '443:443/udp', 'a=b', 'db', './x:/y', 'CMD', 'weird:::'), { maxLength: 4 }),
  fc.dictionary(
    fc.constantFrom('condition', 'target', 'published', 'test', 'replicas', 'memory', 'a'),
    fc.jsonValue({ maxDepth: 2 }),
    {
      maxKeys: 3,
    },
  ),
);

test('random values in known keys never crash the loader', () => {
  fc.assert(
    fc.property(
      fc.dictionary(fc.constantFrom(...SERVICE_KEYS), value, { maxKeys: 5 }),
      fc.dictionary(fc.constantFrom(...TOP_KEYS), value, { maxKeys: 2 }),
      (service, top) => {
        const doc = { ...top, services: { web: { image: 'x', ...service }, db: { image: 'y' } } };
        onlyOwnErrors(load(stringify(doc)));
        // Without the schema in front, normalization sees the odd values too.
        onlyOwnErrors(load(stringify(doc), true));
      },
    ),
    { numRuns: 250 },
  );
});

test('random templates: substitute returns a string or throws a ComposeError', () => {
  const template = fc.stringMatching(/^[$a-zA-Z_{}:?+\-0-9 ]{0,30}$/);
  fc.assert(
    fc.property(template, (t) => {
      try {
        assert.equal(typeof substitute(t, (k) => (k === 'A' ? 'a' : undefined)), 'string');
      } catch (err) {
        assert.ok(err instanceof ComposeError, String(err));
      }
    }),
    { numRuns: 500 },
  );
});

test('random dotenv text: parse returns a map or throws ComposeEnvFileError', () => {
  const text = fc.stringMatching(/^[A-Za-z_ =:#"'\\\n$.{}-]{0,60}$/);
  fc.assert(
    fc.property(text, (t) => {
      try {
        const out = parseDotenv(t);
        for (const v of Object.values(out)) assert.equal(typeof v, 'string');
      } catch (err) {
        assert.ok(err instanceof ComposeError, String(err));
        assert.equal((err as Error).name, 'ComposeEnvFileError');
      }
    }),
    { numRuns: 500 },
  );
});

test('hostile documents: deep nesting and an alias bomb end in the loader own errors', () => {
  for (const n of [50, 700, 5000])
    onlyOwnErrors(load(`services:\n  a:\n    image: x\n    x-deep: ${'['.repeat(n)}${']'.repeat(n)}\n`));
  const letters = 'abcdefghij';
  let bomb = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i < letters.length; i++)
    bomb += `${letters[i]}: &${letters[i]} [${Array(10)
      .fill(`*${letters[i - 1]}`)
      .join(', ')}]\n`;
  assert.throws(load(`${bomb}services: {}\n`), (err: Error) => {
    assert.ok(err instanceof ComposeLoadError);
    assert.equal(err.errors[0]!.name, 'ComposeYamlError');
    return true;
  });
});

const NAMES = ['web', 'db', 'cache', 'we b', 'front', 'back'];

/** A project whose references are random (some undefined, some cyclic) and whose values may break the schema. */
const brokenProject = fc.record({
  services: fc.dictionary(
    fc.constantFrom(...NAMES),
    fc.record(
      {
        image: fc.oneof(fc.constant('x'), value),
        depends_on: fc.oneof(fc.array(fc.constantFrom(...NAMES), { maxLength: 3 }), value),
        networks: fc.oneof(fc.array(fc.constantFrom(...NAMES), { maxLength: 2 }), value),
        volumes: fc.array(fc.constantFrom('data:/d', 'front:/f', './x:/y', 'we b:/z', '99999'), {
          maxLength: 2,
        }),
        secrets: fc.array(fc.constantFrom(...NAMES), { maxLength: 2 }),
        container_name: fc.constantFrom('c1', 'c2'),
        scale: fc.oneof(fc.nat({ max: 3 }), value),
        extra: fc.dictionary(fc.constantFrom(...SERVICE_KEYS, 'imgae', 'netwroks'), value, { maxKeys: 2 }),
      },
      { requiredKeys: [] },
    ),
    { maxKeys: 4 },
  ),
  top: fc.dictionary(
    fc.constantFrom('networks', 'volumes', 'secrets', 'netwroks', 'volume', 'include'),
    fc.oneof(
      fc.dictionary(fc.constantFrom(...NAMES, 'data'), fc.oneof(fc.constant({}), value), { maxKeys: 3 }),
      value,
    ),
    { maxKeys: 3 },
  ),
});

type Broken = typeof brokenProject extends fc.Arbitrary<infer T> ? T : never;

function documentOf(p: Broken): string {
  const services: Record<string, unknown> = {};
  for (const [name, { extra, ...svc }] of Object.entries(p.services)) services[name] = { ...svc, ...extra };
  return stringify({ ...p.top, services });
}

test('random invalid files: schema, value and reference errors together, only loader errors, each once, in order', () => {
  fc.assert(
    fc.property(brokenProject, (p) => {
      const doc = documentOf(p);
      try {
        load(doc)();
      } catch (err) {
        onlyOwnErrors(() => {
          throw err;
        });
        const errors = (err as ComposeLoadError).errors;
        const messages = errors.map((e) => e.message);
        assert.equal(new Set(messages).size, messages.length, `reported twice:\n${messages.join('\n')}`);
        for (let i = 1; i < errors.length; i++) {
          const [a, b] = [errors[i - 1]!, errors[i]!];
          const before =
            (a.line ?? 1e9) < (b.line ?? 1e9) || (a.line === b.line && (a.column ?? 0) <= (b.column ?? 0));
          assert.ok(before, `out of order:\n${messages.join('\n')}`);
        }
      }
    }),
    { numRuns: 300 },
  );
});

test('an unknown key added to a service leaves the reference errors of the file as they were', () => {
  const valid = fc.record({
    services: fc.dictionary(
      fc.constantFrom('web', 'db', 'cache', 'worker'),
      fc.record({
        image: fc.constant('x'),
        depends_on: fc.array(fc.constantFrom('web', 'db', 'cache', 'worker', 'nope', 'dbb'), {
          maxLength: 3,
        }),
        networks: fc.array(fc.constantFrom('front', 'back', 'missing'), { maxLength: 2 }),
      }),
      { minKeys: 1, maxKeys: 4 },
    ),
    networks: fc.dictionary(fc.constantFrom('front', 'back'), fc.constant({}), { maxKeys: 2 }),
  });
  const semantic = (doc: unknown): string[] => {
    try {
      load(stringify(doc))();
      return [];
    } catch (err) {
      assert.ok(err instanceof ComposeLoadError, String(err));
      return err.errors
        .filter((e) => e.name !== 'ComposeSchemaError')
        .map((e) => `${e.name} ${e.path} ${e.reason}`)
        .sort();
    }
  };
  fc.assert(
    fc.property(valid, fc.nat(), (doc, pick) => {
      const names = Object.keys(doc.services);
      const target = names[pick % names.length]!;
      const broken = {
        ...doc,
        services: { ...doc.services, [target]: { ...doc.services[target], imagee: 'typo' } },
      };
      assert.deepEqual(semantic(broken), semantic(doc));
    }),
    { numRuns: 200 },
  );
});
