/** What `fizz up [service…]` writes into the desired state (src/agent/up-spec.ts), as tables. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { desiredProject, upTargets, withReplicas } from '../../src/agent/up-spec.js';
import type { ProjectSpec, ServiceSpec } from '../../src/compose/types.js';

function service(extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    image: 'img:1',
    environment: {},
    labels: {},
    ports: [],
    volumes: [],
    networks: {},
    depends_on: {},
    ...extra,
  };
}

const on = (...names: string[]) =>
  Object.fromEntries(names.map((n) => [n, { condition: 'service_started' as const, required: true }]));

function project(services: Record<string, ServiceSpec>, networks: ProjectSpec['networks'] = {}): ProjectSpec {
  return { name: 'demo', services, networks, volumes: {}, secrets: {}, configs: {} };
}

const file = project(
  {
    web: service({ image: 'web:2', depends_on: on('api') }),
    api: service({ image: 'api:2', depends_on: on('db') }),
    db: service({ image: 'db:2' }),
    other: service({ image: 'other:2' }),
    fresh: service({ image: 'fresh:1' }),
  },
  { default: { name: 'demo_default' } },
);
const previous = project({
  web: service({ image: 'web:1', depends_on: on('api') }),
  api: service({ image: 'api:1', depends_on: on('db') }),
  db: service({ image: 'db:1' }),
  other: service({ image: 'other:1' }),
  gone: service({ image: 'gone:1' }),
});

const images = (p: ProjectSpec) =>
  Object.fromEntries(
    Object.entries(p.services)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([n, s]) => [n, s.image]),
  );

test('upTargets: every service without names; the named with their dependencies; with noDeps the named alone', () => {
  assert.deepEqual(upTargets(file, [], false), ['api', 'db', 'fresh', 'other', 'web']);
  assert.deepEqual(upTargets(file, ['web'], false), ['api', 'db', 'web']);
  assert.deepEqual(upTargets(file, ['web', 'web'], true), ['web']);
  assert.deepEqual(upTargets(file, ['api', 'other'], false), ['api', 'db', 'other']);
});

test('desiredProject: a plain up writes the file as it is', () => {
  assert.deepEqual(desiredProject(file, previous, { targets: upTargets(file, [], false) }), file);
  assert.deepEqual(desiredProject(file, undefined, { targets: upTargets(file, [], false) }), file);
});

test('desiredProject: targets from the file, others as they were, new ones left out, gone ones dropped', () => {
  const out = desiredProject(file, previous, { targets: ['api', 'db'] });
  assert.deepEqual(images(out), { api: 'api:2', db: 'db:2', other: 'other:1', web: 'web:1' });
  assert.deepEqual(out.networks, file.networks);
  assert.deepEqual(images(desiredProject(file, undefined, { targets: ['db'] })), { db: 'db:2' });
});

test('desiredProject: noRecreate keeps the definition of targets already in the state', () => {
  const out = desiredProject(file, previous, { targets: upTargets(file, [], false), noRecreate: true });
  assert.deepEqual(images(out), {
    api: 'api:1',
    db: 'db:1',
    fresh: 'fresh:1',
    other: 'other:1',
    web: 'web:1',
  });
});

test('desiredProject: scale sets the replicas of targets only; deploy.replicas too when the file has it', () => {
  const f = project({
    a: service({ deploy: { replicas: 2, labels: { x: 'y' } } }),
    b: service({ scale: 3 }),
    c: service(),
  });
  const out = desiredProject(f, undefined, { targets: ['a', 'b'], scale: { a: 5, b: 0, c: 9 } });
  assert.deepEqual(out.services.a?.deploy, { replicas: 5, labels: { x: 'y' } });
  assert.equal(out.services.b?.scale, 0);
  assert.equal(out.services.c, undefined);
  assert.deepEqual(withReplicas(service(), 4), { ...service(), scale: 4 });
  assert.equal('deploy' in withReplicas(service(), 4), false);
});
