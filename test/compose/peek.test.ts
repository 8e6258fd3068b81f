/**
 * compose/peek.ts: the project name without loading the project. Every name it gives must
 * be the one the full loader gives; where it cannot be sure it gives none.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoadOptions } from '../../src/compose/index.js';
import { peekProject, scanComposeText } from '../../src/compose/peek.js';
import { tempProject } from './helpers.js';

const SVC =
  'services:\n  web:\n    image: busybox\n  "db":\n    image: busybox\n    # a comment\n    command: ["a: b"]\n';

const CASES: Array<{
  why: string;
  files: Record<string, string>;
  options?: Partial<LoadOptions>;
  name: string | undefined;
  services?: string[];
}> = [
  {
    why: 'top-level name',
    files: { 'compose.yaml': `name: shop\n${SVC}` },
    name: 'shop',
    services: ['web', 'db'],
  },
  {
    why: 'quoted name with a comment',
    files: { 'compose.yaml': `name: "shop-2" # the shop\n${SVC}` },
    name: 'shop-2',
  },
  { why: 'directory name', files: { 'compose.yaml': SVC }, name: 'proj' },
  {
    why: 'the override file wins',
    files: {
      'compose.yaml': `name: a\n${SVC}`,
      'compose.override.yaml': 'name: b\nservices:\n  extra:\n    image: x\n',
    },
    name: 'b',
    services: ['web', 'db', 'extra'],
  },
  {
    why: '-p wins',
    files: { 'compose.yaml': `name: shop\n${SVC}` },
    options: { projectName: 'other' },
    name: 'other',
  },
  {
    why: 'COMPOSE_PROJECT_NAME from .env',
    files: { 'compose.yaml': `name: shop\n${SVC}`, '.env': 'COMPOSE_PROJECT_NAME=fromenv\n' },
    name: 'fromenv',
  },
  {
    why: 'COMPOSE_FILE picks the file',
    files: { 'other.yml': `name: picked\n${SVC}`, '.env': 'COMPOSE_FILE=other.yml\n' },
    name: 'picked',
  },
  {
    why: 'an interpolated name needs the loader',
    files: { 'compose.yaml': `name: \${N:-x}\n${SVC}` },
    name: undefined,
  },
  {
    why: 'an alias needs the loader',
    files: { 'compose.yaml': `x: &n shop\nname: *n\n${SVC}` },
    name: undefined,
  },
  {
    why: 'flow style needs the loader',
    files: { 'compose.yaml': '{name: shop, services: {web: {image: x}}}\n' },
    name: undefined,
  },
  {
    why: 'several documents need the loader',
    files: { 'compose.yaml': `name: a\n---\nname: b\n${SVC}` },
    name: undefined,
  },
  {
    why: 'an invalid name is the loader’s to report',
    files: { 'compose.yaml': `name: Shop\n${SVC}` },
    name: undefined,
  },
  {
    why: 'standard input is never read',
    files: { 'compose.yaml': SVC },
    options: { files: ['-'] },
    name: undefined,
  },
  {
    why: 'include: services unknown, name known',
    files: {
      'compose.yaml': `name: inc\ninclude: [other.yaml]\n${SVC}`,
      'other.yaml': 'services:\n  o:\n    image: x\n',
    },
    name: 'inc',
    services: undefined,
  },
];

for (const c of CASES) {
  test(`peekProject: ${c.why}`, async (t) => {
    const p = tempProject(c.files);
    t.after(() => p.cleanup());
    const options: LoadOptions = { env: {}, cwd: p.dir, stdin: async () => SVC, ...c.options };
    const peeked = await peekProject(options);
    assert.equal(peeked?.name, c.name);
    if (c.name === undefined) return;
    // The name the full loader gives, whenever the scan gives one.
    assert.equal((await p.load(c.options)).name, c.name);
    if ('services' in c) assert.deepEqual(peeked?.services && [...peeked.services], c.services);
  });
}

test('peekProject: a file with an error deep in a service still gives its name', async (t) => {
  const body = Array.from({ length: 300 }, (_, i) => `  s${i}:\n    image: busybox\n`).join('');
  const p = tempProject({ 'compose.yaml': `name: deep\nservices:\n${body}  bad:\n    restart: allways\n` });
  t.after(() => p.cleanup());
  await assert.rejects(p.load(), { name: 'ComposeLoadError' });
  const peeked = await peekProject({ env: {}, cwd: p.dir });
  assert.equal(peeked?.name, 'deep');
  assert.equal(peeked?.services?.size, 301);
});

test('scanComposeText: block scalars, nested maps, comments and blank lines do not add services', () => {
  const scan = scanComposeText(
    'services:\n   \n  # a:\n  a:\n    command: |\n      b: c\n\n    environment:\n      D: e\n  f:\n    image: x\nvolumes:\n  v: {}\n',
  );
  assert.deepEqual(scan && [...scan.services!], ['a', 'f']);
  assert.equal(scanComposeText('services:\n\tweb:\n')?.services, undefined);
  assert.equal(scan?.name, undefined);
});
