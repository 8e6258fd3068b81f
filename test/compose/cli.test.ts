/** `fizz config` and `fizz validate` options, exit codes and messages. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { runFizz } from './cli-helpers.js';

const FIX = fileURLToPath(new URL('../../../test/fixtures/compose/config/', import.meta.url));
const web = ['-f', join(FIX, 'web', 'compose.yaml')];
const inc = ['-f', join(FIX, 'extends-include', 'compose.yaml')];

test('config --services, --volumes, --images, --profiles, -q', async () => {
  assert.equal((await runFizz([...web, 'config', '--services'])).out, 'db\nweb\n');
  assert.equal((await runFizz([...web, 'config', '--volumes'])).out, 'cache\ndata\n');
  assert.equal((await runFizz([...web, 'config', '--images'])).out, 'postgres:16\nnginx:1.27\n');
  assert.equal((await runFizz([...inc, 'config', '--profiles'])).out, 'debug\n');
  assert.equal((await runFizz([...inc, 'config', '--services'])).out, 'queue\nworker\n');
  const quiet = await runFizz([...web, 'config', '-q']);
  assert.deepEqual([quiet.code, quiet.out], [0, '']);
});

test('the environment of the command is used for interpolation', async () => {
  const r = await runFizz([...web, 'config', '--images'], { NGINX_TAG: 'mainline' });
  assert.equal(r.out, 'postgres:16\nnginx:mainline\n');
});

test('config -f - reads the file from standard input', async () => {
  const r = await runFizz(
    ['-f', '-', '-p', 'piped', 'config', '--services'],
    {},
    'services:\n  only:\n    image: x\n',
  );
  assert.deepEqual([r.code, r.out], [0, 'only\n']);
});

test('validate: a summary when valid, every error and exit code 1 otherwise', async () => {
  const ok = await runFizz([...web, 'validate']);
  assert.deepEqual([ok.code, ok.out], [0, 'valid: project shop, 2 services\n']);
  const bad = await runFizz(
    ['-f', '-', 'validate'],
    {},
    'services:\n  web:\n    imgae: x\n  db:\n    image: d\n    depends_on: {web: {condition: sometimes}}\n',
  );
  assert.equal(bad.code, 1);
  const lines = bad.err.trim().split('\n');
  assert.equal(lines.length, 3, bad.err);
  assert.match(
    lines[0]!,
    /^error: .*\(stdin\):3:5: services\.web\.imgae: unknown key 'imgae'.*did you mean 'image'\?$/,
  );
  assert.match(lines[1]!, /services\.db\.depends_on\.web\.condition: invalid value "sometimes"/);
  assert.equal(lines[2], '2 errors');
});

test('config rejects an unknown --format', async () => {
  const r = await runFizz([...web, 'config', '--format', 'toml']);
  assert.equal(r.code, 1);
  assert.match(r.out + r.err, /--format must be yaml or json/);
});

test('an unset variable without a default is warned about once, on stderr', async () => {
  const r = await runFizz(
    ['-f', '-', 'config', '--services'],
    {},
    'services:\n  a:\n    image: "x:$NOPE"\n    environment: ["A=$NOPE", "B=${OK:-d}"]\n',
  );
  assert.deepEqual([r.code, r.out], [0, 'a\n']);
  assert.equal(r.err, 'warning: The "NOPE" variable is not set. Defaulting to a blank string.\n');
});

test('a missing -f file is named plainly, without the system call', async () => {
  const missing = join(FIX, 'no-such-dir', 'compose.yaml');
  const r = await runFizz(['-f', missing, 'config']);
  assert.equal(r.code, 1);
  assert.equal(
    r.err.trim(),
    `error: ${missing}: compose file not found: no such file or directory (expected a readable YAML file)`,
  );
});

test('the obsolete top-level version is warned about, as docker compose does', async () => {
  const r = await runFizz(
    ['-f', '-', 'config', '--services'],
    {},
    'version: "3.8"\nservices:\n  a:\n    image: x\n',
  );
  assert.deepEqual([r.code, r.out], [0, 'a\n']);
  assert.match(r.err, /^warning: .*\(stdin\): the attribute `version` is obsolete, it will be ignored/);
});

test('config YAML reads back as the same strings under YAML 1.1 and YAML 1.2', async () => {
  const values = [
    'yes',
    '0o17',
    '0x1F',
    '1e3',
    '010',
    '1_000',
    '10:20',
    'null',
    '.inf',
    'plain',
    'a: b\nc: d\n',
  ];
  const env = values.map((v, i) => `      V${i}: ${JSON.stringify(v)}\n`).join('');
  const r = await runFizz(
    ['-f', '-', 'config'],
    {},
    `services:\n  a:\n    image: x\n    environment:\n${env}`,
  );
  assert.equal(r.code, 0, r.err);
  for (const version of ['1.1', '1.2'] as const) {
    const model = parse(r.out, { version }) as { services: { a: { environment: Record<string, unknown> } } };
    assert.deepEqual(
      model.services.a.environment,
      Object.fromEntries(values.map((v, i) => [`V${i}`, v])),
      `YAML ${version} reading of:\n${r.out}`,
    );
  }
});

test('config output loads back into the same output (byte sizes printed as strings, as docker compose does)', async () => {
  const yaml =
    'services:\n  a:\n    image: x\n    shm_size: 64m\n    mem_limit: 1g\n    deploy:\n      resources:\n        limits: {memory: 512M, cpus: "0.5"}\n        reservations: {memory: 128m}\n    volumes:\n      - type: tmpfs\n        target: /t\n        tmpfs: {size: 1m}\n';
  const first = await runFizz(['-f', '-', '-p', 'rt', 'config'], {}, yaml);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /memory: "536870912"/);
  assert.match(first.out, /shm_size: "67108864"/);
  const second = await runFizz(['-f', '-', '-p', 'rt', 'config'], {}, first.out);
  assert.equal(second.code, 0, second.err);
  assert.equal(second.out, first.out);
});

test('validate and config: a schema error and an undefined network in one run, in line order', async () => {
  const text =
    'services:\n  web:\n    image: nginx\n    networks: [frontnet]\n    ports: 80\nnetworks:\n  front: {}\n';
  for (const command of ['validate', 'config']) {
    const r = await runFizz(['-f', '-', command], {}, text);
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    const lines = r.err.trim().split('\n');
    assert.equal(lines.length, 3, r.err);
    assert.match(
      lines[0]!,
      /\(stdin\):4:16: services\.web\.networks\.frontnet: service "web" refers to undefined network frontnet .*did you mean 'front'\?$/,
    );
    assert.match(lines[1]!, /\(stdin\):5:12: services\.web\.ports: must be a list, not number 80$/);
    assert.equal(lines[2], '2 errors');
  }
});
