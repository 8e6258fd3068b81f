/** What the harness reads back from tools and from Fizz: pure parsers, tested on saved output. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { faultsOf } from './harness.js';
import { parseJoinToken, parseNodes } from './membership.js';
import { mountPoints } from './mounts.js';
import { commentsOf } from './network.js';
import { statusTable } from './status-table.js';

test('mount points come from field 5 of mountinfo, octal escapes decoded', () => {
  const info = [
    '36 25 0:32 / /run/fizz-cluster/fz/h1/data rw,relatime shared:1 - ext4 /dev/vda rw',
    '37 36 0:33 / /run/fizz-cluster/fz/h1/data/overlay2/abc/merged rw - overlay overlay rw,lowerdir=x',
    '38 25 0:4 net:[4026532176] /tmp/with\\040space rw - nsfs nsfs rw',
  ].join('\n');
  assert.deepEqual(mountPoints(info), [
    '/run/fizz-cluster/fz/h1/data',
    '/run/fizz-cluster/fz/h1/data/overlay2/abc/merged',
    '/tmp/with space',
  ]);
});

test('fault comments are read back from iptables -S, quoted or not, once each', () => {
  const rules = [
    '-N FZC-IN',
    '-A FZC-IN -m comment --comment "h2 cut" -j DROP',
    '-A FZC-IN -s 10.231.0.12/32 -m comment --comment "h2 cut" -j DROP',
    '-A FZC-IN -m statistic --mode random --probability 0.09999999963 -m comment --comment "h1 loss 0.1" -j DROP',
    '-A FZC-IN -m comment --comment single -j DROP',
  ].join('\n');
  assert.deepEqual(commentsOf(rules), ['h2 cut', 'h1 loss 0.1', 'single']);
});

test("a host's faults are the comments whose subject it is", () => {
  const comments = ['h1 cut from h2', 'h2 loss 0.1', 'h1 cut from h2', 'h10 cut'];
  assert.equal(faultsOf('h1', comments), 'cut from h2');
  assert.equal(faultsOf('h2', comments), 'loss 0.1');
  assert.equal(faultsOf('h10', comments), 'cut');
  assert.equal(faultsOf('h3', comments), '');
});

test('the token is taken from the `fizz join … --token …` line fizz init prints', () => {
  const out =
    'Cluster initialised: node h1 (abc)\nOn another machine run:\n  fizz join 10.231.0.11:7171 --token fz1.AbC-_9\n';
  assert.equal(parseJoinToken(out), 'fz1.AbC-_9');
  assert.equal(parseJoinToken('no such line'), undefined);
});

test('fizz nodes --format json is read into name and state; anything but an array is refused', () => {
  const json = JSON.stringify([
    {
      name: 'h1',
      id: 'p1',
      address: '10.231.0.11:7171',
      state: 'alive',
      labels: {},
      capacity: {},
      replicas: 0,
    },
    { name: 'h2', id: 'p2', address: '10.231.0.12:7171', state: 'suspect' },
  ]);
  assert.deepEqual(
    parseNodes(json).map((n) => [n.name, n.state]),
    [
      ['h1', 'alive'],
      ['h2', 'suspect'],
    ],
  );
  assert.throws(() => parseNodes('{}'), { name: 'MembershipError' });
});

test('status prints one aligned row per host', () => {
  const table = statusTable([
    {
      name: 'h1',
      address: '10.231.0.11',
      enginePid: 100,
      engineAnswers: true,
      agentPid: 200,
      agentAnswers: true,
      faults: '',
      members: [
        { name: 'h1', state: 'alive' },
        { name: 'h2', state: 'dead' },
      ],
    },
    { name: 'h2', address: '10.231.0.12', engineAnswers: false, agentAnswers: false, faults: 'cut' },
  ]);
  assert.equal(
    table,
    [
      'HOST   ADDRESS       ENGINE   AGENT    NETWORK   MEMBERS (as this host sees them)',
      'h1     10.231.0.11   100 up   200 up   ok        h1:alive h2:dead',
      'h2     10.231.0.12   down     down     cut       -',
      '',
    ].join('\n'),
  );
});
