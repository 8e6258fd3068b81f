/** The cluster's names and addresses: pure, so `down` after a crash derives the same ones. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ClusterConfigError,
  clusterLayout,
  DEFAULT_CONFIG,
  hostIndex,
  hostLayout,
  MAX_HOSTS,
} from './layout.js';

test('every interface name fits the kernel limit of 15 bytes, for the longest name and index', () => {
  const c = clusterLayout({ ...DEFAULT_CONFIG, name: 'abcde' });
  const h = hostLayout(c, MAX_HOSTS);
  for (const n of [c.bridge, h.veth, h.netns]) assert.ok(n.length <= 15, n);
});

test('a host has its own address, engine subnet, paths and cgroup, all derived from the cluster', () => {
  const c = clusterLayout({ name: 'fz', subnet: '10.231.0', root: '/run/fizz-cluster' });
  const h = hostLayout(c, 3);
  assert.equal(h.name, 'h3');
  assert.equal(h.address, '10.231.0.13');
  assert.equal(h.listen, '10.231.0.13:7171');
  assert.equal(h.bip, '172.31.3.1/24');
  assert.equal(h.netnsPath, '/var/run/netns/fzc-fz-h3');
  assert.equal(h.engineSocket, '/run/fizz-cluster/fz/h3/docker.sock');
  assert.equal(h.cgroupParent, '/fzc-fz-h3');
  assert.ok(h.engineSocket.length < 108, 'a unix socket path must stay under 108 bytes');
  assert.equal(c.bridgeAddress, '10.231.0.1');
  assert.deepEqual(c.forwardRule, ['FORWARD', '-i', 'fzc-fz', '-o', 'fzc-fz', '-j', 'ACCEPT']);
});

test('host names round-trip, and nothing else is taken for a host', () => {
  assert.equal(hostIndex('h1'), 1);
  assert.equal(hostIndex('h100'), 100);
  for (const n of ['h0', 'h01', 'h101', 'bin', 'state.json', 'h1x']) assert.equal(hostIndex(n), undefined, n);
});

test('bad names, subnets and indexes are refused with ClusterConfigError', () => {
  for (const name of ['', 'toolong', 'a-b', '1a', 'A'])
    assert.throws(() => clusterLayout({ ...DEFAULT_CONFIG, name }), { name: 'ClusterConfigError' });
  for (const subnet of ['10.231', '10.231.0.0', '10.256.0', 'a.b.c'])
    assert.throws(() => clusterLayout({ ...DEFAULT_CONFIG, subnet }), ClusterConfigError);
  assert.throws(() => clusterLayout({ ...DEFAULT_CONFIG, root: 'relative' }), ClusterConfigError);
  const c = clusterLayout(DEFAULT_CONFIG);
  for (const i of [0, MAX_HOSTS + 1, 1.5]) assert.throws(() => hostLayout(c, i), ClusterConfigError);
});
