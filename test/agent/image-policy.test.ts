/** The pull/build decision, as docker compose makes it, in tables. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  afterPull,
  type ImageAsk,
  type ImageFacts,
  missingReason,
  parsePullPolicy,
  parseRefreshDuration,
  planImage,
  pullCommandDecision,
} from '../../src/agent/image-policy.js';

const H = 3_600_000;
const NOW = 1_000 * H;

test('pull_policy words: compose names, refresh windows, unknown is missing, a bad duration throws', () => {
  assert.deepEqual(parsePullPolicy(undefined), { kind: 'missing' });
  assert.deepEqual(parsePullPolicy('if_not_present'), { kind: 'missing' });
  assert.deepEqual(parsePullPolicy('refresh'), { kind: 'missing' });
  assert.deepEqual(parsePullPolicy('whatever'), { kind: 'missing' });
  assert.deepEqual(parsePullPolicy('always'), { kind: 'always' });
  assert.deepEqual(parsePullPolicy('never'), { kind: 'never' });
  assert.deepEqual(parsePullPolicy('build'), { kind: 'build' });
  assert.deepEqual(parsePullPolicy('daily'), { kind: 'refresh', everyMs: 24 * H });
  assert.deepEqual(parsePullPolicy('weekly'), { kind: 'refresh', everyMs: 168 * H });
  assert.deepEqual(parsePullPolicy('every_12h'), { kind: 'refresh', everyMs: 12 * H });
  assert.deepEqual(parsePullPolicy('every_1w2d'), { kind: 'refresh', everyMs: 216 * H });
  assert.deepEqual(parsePullPolicy('every_1h30m'), { kind: 'refresh', everyMs: 1.5 * H });
  assert.equal(parseRefreshDuration('90s'), 90_000);
  assert.equal(parseRefreshDuration(''), undefined);
  for (const bad of ['every_', 'every_12', 'every_x', 'every_0s'])
    assert.throws(() => parsePullPolicy(bad), { name: 'PullPolicyError' }, bad);
});

interface Row {
  name: string;
  facts: Partial<ImageFacts>;
  ask: Partial<ImageAsk> & { policyText?: string };
  pull: boolean;
  build: 'always' | 'if-missing' | 'never';
  /** What happens after the pull when the image is then present / still missing. */
  present: 'build' | 'use' | 'missing';
  absent: 'build' | 'use' | 'missing';
}

const rows: Row[] = [
  // pull_policy: missing (the default)
  {
    name: 'missing, present',
    facts: { present: true },
    ask: {},
    pull: false,
    build: 'never',
    present: 'use',
    absent: 'missing',
  },
  {
    name: 'missing, absent: pulled before create',
    facts: {},
    ask: {},
    pull: true,
    build: 'never',
    present: 'use',
    absent: 'missing',
  },
  {
    name: 'missing, absent, build section only: built',
    facts: { named: false, buildable: true },
    ask: {},
    pull: false,
    build: 'if-missing',
    present: 'use',
    absent: 'build',
  },
  {
    name: 'missing, absent, image and build: pulled, built if the pull fails',
    facts: { buildable: true },
    ask: {},
    pull: true,
    build: 'if-missing',
    present: 'use',
    absent: 'build',
  },
  {
    name: 'if_not_present is missing',
    facts: {},
    ask: { policyText: 'if_not_present' },
    pull: true,
    build: 'never',
    present: 'use',
    absent: 'missing',
  },
  // always
  {
    name: 'always on up, present: pulled',
    facts: { present: true },
    ask: { policyText: 'always' },
    pull: true,
    build: 'never',
    present: 'use',
    absent: 'missing',
  },
  {
    name: 'always in the loop, present: not pulled again',
    facts: { present: true },
    ask: { policyText: 'always', trigger: 'background' },
    pull: false,
    build: 'never',
    present: 'use',
    absent: 'missing',
  },
  {
    name: 'always in the loop, absent: pulled',
    facts: {},
    ask: { policyText: 'always', trigger: 'background' },
    pull: true,
    build: 'never',
    present: 'use',
    absent: 'missing',
  },
  // never
  {
    name: 'never, absent: missing',
    facts: {},
    ask: { policyText: 'never' },
    pull: false,
    build: 'never',
    present: 'use',
    absent: 'missing',
  },
  {
    name: 'never, buildable, absent: built',
    facts: { buildable: true },
    ask: { policyText: 'never' },
    pull: false,
    build: 'if-missing',
    present: 'use',
    absent: 'build',
  },
  // build
  {
    name: 'build on up: built every time',
    facts: { present: true, buildable: true },
    ask: { policyText: 'build' },
    pull: false,
    build: 'always',
    present: 'build',
    absent: 'build',
  },
  {
    name: 'build in the loop: built only when missing',
    facts: { present: true, buildable: true },
    ask: { policyText: 'build', trigger: 'background' },
    pull: false,
    build: 'if-missing',
    present: 'use',
    absent: 'build',
  },
  // refresh windows
  {
    name: 'daily, pulled 2 h ago: not pulled',
    facts: { present: true, lastTagTime: NOW - 2 * H },
    ask: { policyText: 'daily' },
    pull: false,
    build: 'never',
    present: 'use',
    absent: 'missing',
  },
  {
    name: 'daily, pulled 25 h ago: pulled',
    facts: { present: true, lastTagTime: NOW - 25 * H },
    ask: { policyText: 'daily' },
    pull: true,
    build: 'never',
    present: 'use',
    absent: 'missing',
  },
  {
    name: 'every_1h, pulled 2 h ago: pulled',
    facts: { present: true, lastTagTime: NOW - 2 * H },
    ask: { policyText: 'every_1h' },
    pull: true,
    build: 'never',
    present: 'use',
    absent: 'missing',
  },
  {
    name: 'weekly, tag time unknown: pulled',
    facts: { present: true },
    ask: { policyText: 'weekly' },
    pull: true,
    build: 'never',
    present: 'use',
    absent: 'missing',
  },
  {
    name: 'weekly, absent: pulled',
    facts: {},
    ask: { policyText: 'weekly' },
    pull: true,
    build: 'never',
    present: 'use',
    absent: 'missing',
  },
  // up --pull
  {
    name: '--pull always over missing',
    facts: { present: true },
    ask: { pull: 'always' },
    pull: true,
    build: 'never',
    present: 'use',
    absent: 'missing',
  },
  {
    name: '--pull never over always',
    facts: {},
    ask: { policyText: 'always', pull: 'never' },
    pull: false,
    build: 'never',
    present: 'use',
    absent: 'missing',
  },
  {
    name: '--pull missing over always, present',
    facts: { present: true },
    ask: { policyText: 'always', pull: 'missing' },
    pull: false,
    build: 'never',
    present: 'use',
    absent: 'missing',
  },
  // up --build / --no-build
  {
    name: '--build: buildable services are built, not pulled',
    facts: { present: true, buildable: true },
    ask: { build: true, policyText: 'always' },
    pull: false,
    build: 'always',
    present: 'build',
    absent: 'build',
  },
  {
    name: '--build: an image-only service keeps its policy',
    facts: {},
    ask: { build: true },
    pull: true,
    build: 'never',
    present: 'use',
    absent: 'missing',
  },
  {
    name: '--no-build: a missing buildable image is missing',
    facts: { named: false, buildable: true },
    ask: { noBuild: true },
    pull: false,
    build: 'never',
    present: 'use',
    absent: 'missing',
  },
  {
    name: '--no-build with pull_policy build: nothing is built',
    facts: { present: true, buildable: true },
    ask: { noBuild: true, policyText: 'build' },
    pull: false,
    build: 'never',
    present: 'use',
    absent: 'missing',
  },
];

for (const r of rows) {
  test(`image plan: ${r.name}`, () => {
    const facts: ImageFacts = { named: true, buildable: false, present: false, ...r.facts };
    const { policyText, ...rest } = r.ask;
    const ask: ImageAsk = { policy: parsePullPolicy(policyText), trigger: 'up', now: NOW, ...rest };
    const plan = planImage(facts, ask);
    assert.equal(plan.pull, r.pull, 'pull');
    assert.equal(plan.build, r.build, 'build');
    assert.equal(afterPull(plan, true), r.present, 'after, present');
    assert.equal(afterPull(plan, false), r.absent, 'after, absent');
  });
}

test('why a missing image was neither pulled nor built', () => {
  const base: ImageAsk = { policy: { kind: 'never' }, trigger: 'up', now: NOW };
  const never = planImage({ named: true, buildable: false, present: false }, base);
  assert.match(
    missingReason({ named: true, buildable: false, present: false }, never, base),
    /pull_policy: never/,
  );
  const cli = { ...base, policy: { kind: 'missing' } as const, pull: 'never' as const };
  const plan = planImage({ named: true, buildable: false, present: false }, cli);
  assert.match(missingReason({ named: true, buildable: false, present: false }, plan, cli), /--pull never/);
  const nb = { ...base, policy: { kind: 'missing' } as const, noBuild: true };
  const f = { named: false, buildable: true, present: false };
  assert.match(missingReason(f, planImage(f, nb), nb), /--no-build/);
});

test('fizz pull: which services are pulled and which are skipped, as docker compose pull', () => {
  const f = (o: Partial<ImageFacts & { latest: boolean }>) => ({
    named: true,
    buildable: false,
    present: false,
    latest: false,
    ...o,
  });
  const table: Array<[string, ReturnType<typeof f>, string | undefined, string | true]> = [
    ['build only', f({ named: false, buildable: true }), undefined, 'No image to be pulled'],
    ['never', f({}), 'never', 'Skipped'],
    ['build', f({ buildable: true }), 'build', 'Skipped'],
    ['missing, present', f({ present: true }), 'missing', 'Image is already present locally'],
    ['missing, present, :latest', f({ present: true, latest: true }), 'missing', true],
    ['no policy, present', f({ present: true }), undefined, true],
    ['always', f({ present: true }), 'always', true],
    ['daily', f({ present: true }), 'daily', true],
    ['if_not_present, absent', f({}), 'if_not_present', true],
  ];
  for (const [name, facts, policy, want] of table) {
    const d = pullCommandDecision(facts, policy);
    assert.deepEqual(d, want === true ? { pull: true } : { pull: false, reason: want }, name);
  }
});
