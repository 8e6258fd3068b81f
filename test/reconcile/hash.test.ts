import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalJson, SPEC_HASH_LENGTH, specHash } from '../../src/reconcile/hash.js';
import { service } from './fixtures.js';

test('canonicalJson sorts keys at every depth and drops undefined members', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } }),
    '{"a":{"d":[2,{"y":2,"z":1}]},"b":1}',
  );
  assert.equal(canonicalJson([undefined, null, Number.NaN]), '[null,null,null]');
  assert.equal(canonicalJson('x"y'), '"x\\"y"');
});

test('canonicalJson round-trips through JSON.parse to an equal value', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      assert.deepEqual(JSON.parse(canonicalJson(v)), JSON.parse(JSON.stringify(v)));
    }),
  );
});

test('specHash is short hex and stable under key order', () => {
  const a = specHash(service({ environment: { A: '1', B: '2' }, command: ['sh', '-c', 'x'] }));
  const b = specHash({
    command: ['sh', '-c', 'x'],
    ...service(),
    environment: { B: '2', A: '1' },
  });
  assert.match(a, new RegExp(`^[0-9a-f]{${SPEC_HASH_LENGTH}}$`));
  assert.equal(a, b);
});

const base = service({
  environment: { A: '1' },
  ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }],
});

const unchanged: Array<[string, Parameters<typeof service>[0]]> = [
  ['scale', { scale: 5 }],
  ['deploy.replicas', { deploy: { replicas: 3 } }],
  ['deploy.placement', { deploy: { placement: { constraints: ['node.name==a'] } } }],
  ['depends_on', { depends_on: { db: { condition: 'service_started', required: true } } }],
  ['build', { build: { context: '/x' } }],
  ['pull_policy', { pull_policy: 'never' }],
  ['profiles', { profiles: ['debug'] }],
];
for (const [what, over] of unchanged) {
  test(`specHash ignores ${what}`, () => {
    assert.equal(specHash({ ...base, ...over }), specHash(base));
  });
}

const changed: Array<[string, Parameters<typeof service>[0]]> = [
  ['image', { image: 'fizz/busybox:other' }],
  ['environment', { environment: { A: '2' } }],
  ['command', { command: ['sleep', '1'] }],
  ['ports', { ports: [] }],
  ['healthcheck', { healthcheck: { test: ['CMD', 'true'] } }],
  ['deploy.resources', { deploy: { resources: { limits: { memory: 1024 } } } }],
  ['labels', { labels: { x: 'y' } }],
  ['x-fizz', { 'x-fizz': { a: 1 } }],
];
for (const [what, over] of changed) {
  test(`specHash changes with ${what}`, () => {
    assert.notEqual(specHash({ ...base, ...over }), specHash(base));
  });
}

test('specHash mixes in extra', () => {
  assert.notEqual(specHash(base, { net: 'a' }), specHash(base, { net: 'b' }));
  assert.notEqual(specHash(base, { net: 'a' }), specHash(base));
  assert.equal(specHash(base, { a: 1, b: 2 }), specHash(base, { b: 2, a: 1 }));
});
