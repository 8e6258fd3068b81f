/** A project's networks and volumes: compose's default-network rule, external ones left alone. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProjectSpec, ServiceSpec } from '../../src/compose/types.js';
import { neededResources, serviceNetworks, serviceVolumeNames } from '../../src/runtime/resources.js';

const svc = (extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
  environment: {},
  labels: {},
  ports: [],
  volumes: [],
  networks: {},
  depends_on: {},
  ...extra,
});

const spec: ProjectSpec = {
  name: 'p',
  services: {
    plain: svc(),
    front: svc({ networks: { edge: { aliases: ['www'] }, default: null } }),
    host: svc({ network_mode: 'host' }),
    db: svc({
      volumes: [
        { type: 'volume', source: 'data', target: '/data' },
        { type: 'volume', source: 'shared', target: '/shared' },
        { type: 'bind', source: '/tmp', target: '/tmp' },
      ],
    }),
  },
  networks: { default: { name: 'p_default' }, edge: { name: 'outside', external: true } },
  volumes: { data: { name: 'p_data' }, shared: { name: 'common', external: true } },
  secrets: {},
  configs: {},
};

test('a service without networks joins the default network under its own name', () => {
  assert.deepEqual(serviceNetworks(spec, 'plain'), [
    { name: 'p_default', aliases: ['plain'], key: 'default' },
  ]);
  assert.deepEqual(serviceNetworks(spec, 'front'), [
    { name: 'outside', aliases: ['front', 'www'], key: 'edge' },
    { name: 'p_default', aliases: ['front'], key: 'default' },
  ]);
  assert.deepEqual(serviceNetworks(spec, 'host'), []);
});

test('named volumes map to engine names; binds are not volumes', () => {
  assert.deepEqual(serviceVolumeNames(spec, spec.services.db!), { data: 'p_data', shared: 'common' });
});

test('only non-external networks and volumes are made, each once, labelled with the project', () => {
  const need = neededResources(spec);
  assert.deepEqual(
    need.networks.map((n) => n.name),
    ['p_default'],
  );
  assert.deepEqual(
    need.volumes.map((v) => v.name),
    ['p_data'],
  );
  assert.equal(need.networks[0]!.labels['fizz.project'], 'p');
});
