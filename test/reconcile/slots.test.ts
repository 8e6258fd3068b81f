import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyOf, LABEL, slotOfLabels } from '../../src/reconcile/labels.js';
import { containerName, replicaCount, toDesiredSlots } from '../../src/reconcile/slots.js';
import { LABELS, slotKey } from '../../src/runtime/types.js';
import { project, service } from './fixtures.js';

test('the planner’s label copy and slot key match the runtime’s', () => {
  assert.deepEqual(LABEL, LABELS);
  const s = { project: 'p', service: 'web', replica: 3 };
  assert.equal(keyOf(s), slotKey(s));
});

test('slotOfLabels reads a slot and rejects malformed labels', () => {
  const l = (slot: string) => ({ [LABEL.project]: 'p', [LABEL.service]: 'web', [LABEL.slot]: slot });
  assert.deepEqual(slotOfLabels(l('2')), { project: 'p', service: 'web', replica: 2 });
  for (const bad of ['', '-1', '01', '1.5', 'x', '1e3', '99999999999'])
    assert.equal(slotOfLabels(l(bad)), undefined, bad);
  assert.equal(slotOfLabels({ [LABEL.project]: 'p', [LABEL.slot]: '0' }), undefined);
});

test('replicaCount: override, then deploy.replicas, then scale, then 1; never negative', () => {
  assert.equal(replicaCount(service()), 1);
  assert.equal(replicaCount(service({ scale: 3 })), 3);
  assert.equal(replicaCount(service({ scale: 3, deploy: { replicas: 2 } })), 2);
  assert.equal(replicaCount(service({ scale: 3 }), 5), 5);
  assert.equal(replicaCount(service({ scale: 3 }), 0), 0);
  assert.equal(replicaCount(service({ scale: -2 })), 0);
  assert.equal(replicaCount(service(), Number.NaN), 0);
});

test('containerName follows docker compose, container_name for the first replica', () => {
  assert.equal(containerName('p', 'web', 0), 'p-web-1');
  assert.equal(containerName('p', 'web', 2), 'p-web-3');
  assert.equal(containerName('p', 'web', 0, service({ container_name: 'custom' })), 'custom');
});

test('toDesiredSlots: one slot per replica, sorted, with names, hashes and running flags', () => {
  const proj = project('shop', {
    web: service({ deploy: { replicas: 2 } }),
    db: service({ image: 'fizz/busybox:db' }),
    off: service({ scale: 0 }),
  });
  const slots = toDesiredSlots(proj, { db: 3 }, new Set(['web']));
  assert.deepEqual(
    slots.map((d) => [keyOf(d.slot), d.name, d.running]),
    [
      ['shop/db/0', 'shop-db-1', true],
      ['shop/db/1', 'shop-db-2', true],
      ['shop/db/2', 'shop-db-3', true],
      ['shop/web/0', 'shop-web-1', false],
      ['shop/web/1', 'shop-web-2', false],
    ],
  );
  assert.equal(new Set(slots.filter((d) => d.slot.service === 'db').map((d) => d.specHash)).size, 1);
  assert.notEqual(slots[0]!.specHash, slots[3]!.specHash);
});

test('toDesiredSlots: a stopped slot key stops one replica only', () => {
  const slots = toDesiredSlots(project('p', { web: service({ scale: 2 }) }), undefined, new Set(['p/web/1']));
  assert.deepEqual(
    slots.map((d) => d.running),
    [true, false],
  );
});

test('toDesiredSlots: scaling does not change the hash; a network definition does', () => {
  const a = toDesiredSlots(project('p', { web: service({ scale: 1 }) }));
  const b = toDesiredSlots(project('p', { web: service({ scale: 4 }) }));
  assert.equal(a[0]!.specHash, b[0]!.specHash);
  const proj = project('p', { web: service() });
  proj.networks.default = { name: 'p_default', driver: 'macvlan' };
  assert.notEqual(toDesiredSlots(proj)[0]!.specHash, a[0]!.specHash);
  // A network the service does not join changes nothing.
  const other = project('p', { web: service() });
  other.networks.backend = { name: 'p_backend' };
  assert.equal(toDesiredSlots(other)[0]!.specHash, a[0]!.specHash);
});

test('toDesiredSlots: an override named like an Object.prototype key is ignored', () => {
  const slots = toDesiredSlots(project('p', { web: service() }), JSON.parse('{"__proto__": {"web": 4}}'));
  assert.equal(slots.length, 1);
});
