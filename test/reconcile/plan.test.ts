import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LABEL } from '../../src/reconcile/labels.js';
import { plan, restartsWhenExited } from '../../src/reconcile/plan.js';
import type { Action } from '../../src/reconcile/types.js';
import { apply, container, desired, service } from './fixtures.js';

/** `kind:target` per action, the target a slot key or a container id. */
function brief(actions: Action[]): string[] {
  return actions.map((a) =>
    a.kind === 'remove'
      ? `remove:${a.container.id}`
      : a.kind === 'create'
        ? `create:${a.slot.slot.service}/${a.slot.slot.replica}${a.start ? '' : ' (no start)'}`
        : `${a.kind}:${a.container.id}`,
  );
}

const P = new Set(['p']);

describe('plan: table', () => {
  const cases: Array<{ name: string; input: Parameters<typeof plan>[0]; want: string[] }> = [
    {
      name: 'empty in, nothing out',
      input: { owned: [], actual: [], projects: P },
      want: [],
    },
    {
      name: 'missing slots are created and started',
      input: { owned: [desired('p', 'web', 0), desired('p', 'web', 1)], actual: [], projects: P },
      want: ['create:web/0', 'create:web/1'],
    },
    {
      name: 'a stopped service is created without start',
      input: { owned: [desired('p', 'web', 0, 'h1', false)], actual: [], projects: P },
      want: ['create:web/0 (no start)'],
    },
    {
      name: 'a matching running container is left alone',
      input: { owned: [desired('p', 'web', 0)], actual: [container('a', 'p', 'web', 0)], projects: P },
      want: [],
    },
    {
      name: 'a created container is started',
      input: {
        owned: [desired('p', 'web', 0)],
        actual: [container('a', 'p', 'web', 0, 'h1', { state: 'created' })],
        projects: P,
      },
      want: ['start:a'],
    },
    {
      name: 'an exited one-shot (restart: no) stays exited',
      input: {
        owned: [desired('p', 'job', 0)],
        actual: [container('a', 'p', 'job', 0, 'h1', { state: 'exited', exitCode: 0 })],
        projects: P,
      },
      want: [],
    },
    {
      name: 'an exited restart: always container is started',
      input: {
        owned: [desired('p', 'web', 0, 'h1', true, service({ restart: 'always' }))],
        actual: [container('a', 'p', 'web', 0, 'h1', { state: 'exited', exitCode: 137 })],
        projects: P,
      },
      want: ['start:a'],
    },
    {
      name: 'a restart: always container killed by the user (heldExited) stays exited',
      input: {
        owned: [desired('p', 'web', 0, 'h1', true, service({ restart: 'always' }))],
        actual: [container('a', 'p', 'web', 0, 'h1', { state: 'exited', exitCode: 137 })],
        projects: P,
        heldExited: new Set(['a']),
      },
      want: [],
    },
    {
      name: 'a held container is started when the user asks (rerunExited wins over heldExited)',
      input: {
        owned: [desired('p', 'web', 0, 'h1', true, service({ restart: 'always' }))],
        actual: [container('a', 'p', 'web', 0, 'h1', { state: 'exited', exitCode: 137 })],
        projects: P,
        heldExited: new Set(['a']),
        rerunExited: new Set(['p/web']),
      },
      want: ['start:a'],
    },
    {
      name: 'a hold on another container does not keep this one exited',
      input: {
        owned: [desired('p', 'web', 0, 'h1', true, service({ restart: 'always' }))],
        actual: [container('a', 'p', 'web', 0, 'h1', { state: 'exited', exitCode: 137 })],
        projects: P,
        heldExited: new Set(['b']),
      },
      want: ['start:a'],
    },
    {
      name: 'an exited one-shot is rerun when the user asks (rerunExited by service)',
      input: {
        owned: [desired('p', 'job', 0)],
        actual: [container('a', 'p', 'job', 0, 'h1', { state: 'exited', exitCode: 0 })],
        projects: P,
        rerunExited: new Set(['p/job']),
      },
      want: ['start:a'],
    },
    {
      name: 'a running container of a stopped service is stopped',
      input: {
        owned: [desired('p', 'web', 0, 'h1', false)],
        actual: [container('a', 'p', 'web', 0)],
        projects: P,
      },
      want: ['stop:a'],
    },
    {
      name: 'an exited container of a stopped service is left alone',
      input: {
        owned: [desired('p', 'web', 0, 'h1', false)],
        actual: [container('a', 'p', 'web', 0, 'h1', { state: 'exited' })],
        projects: P,
      },
      want: [],
    },
    {
      name: 'a changed spec hash means recreate',
      input: {
        owned: [desired('p', 'web', 0, 'h2')],
        actual: [container('a', 'p', 'web', 0, 'h1')],
        projects: P,
      },
      want: ['recreate:a'],
    },
    {
      name: 'a dead container that should run is recreated',
      input: {
        owned: [desired('p', 'web', 0)],
        actual: [container('a', 'p', 'web', 0, 'h1', { state: 'dead' })],
        projects: P,
      },
      want: ['recreate:a'],
    },
    {
      name: 'twins: the oldest running matching one stays, the others go',
      input: {
        owned: [desired('p', 'web', 0)],
        actual: [
          container('young', 'p', 'web', 0, 'h1', { createdAt: 3000 }),
          container('old', 'p', 'web', 0, 'h1', { createdAt: 1000 }),
          container('older-exited', 'p', 'web', 0, 'h1', { createdAt: 500, state: 'exited' }),
          container('stale', 'p', 'web', 0, 'h0', { createdAt: 100 }),
        ],
        projects: P,
      },
      want: ['remove:older-exited', 'remove:stale', 'remove:young'],
    },
    {
      name: 'twins with no matching hash: one is recreated, the rest removed',
      input: {
        owned: [desired('p', 'web', 0, 'h2')],
        actual: [
          container('b', 'p', 'web', 0, 'h1', { createdAt: 2000 }),
          container('a', 'p', 'web', 0, 'h1', { createdAt: 1000 }),
        ],
        projects: P,
      },
      want: ['remove:b', 'recreate:a'],
    },
    {
      name: 'replicas beyond the scale and removed services are removed',
      input: {
        owned: [desired('p', 'web', 0)],
        actual: [
          container('a', 'p', 'web', 0),
          container('b', 'p', 'web', 1),
          container('c', 'p', 'gone', 0),
        ],
        projects: P,
      },
      want: ['remove:b', 'remove:c'],
    },
    {
      name: 'a managed project with no owned slots (fizz down) loses all its containers',
      input: {
        owned: [],
        actual: [container('a', 'p', 'web', 0), container('b', 'p', 'db', 0)],
        projects: P,
      },
      want: ['remove:a', 'remove:b'],
    },
    {
      name: 'containers of other projects are never touched',
      input: {
        owned: [desired('p', 'web', 0)],
        actual: [container('x', 'other', 'web', 0), container('y', 'other', 'web', 0, 'h9')],
        projects: P,
      },
      want: ['create:web/0'],
    },
    {
      name: 'a container whose labels name no slot, in a managed project, is removed',
      input: {
        owned: [],
        actual: [
          container('bad', 'p', 'web', 0, 'h1', { labels: { [LABEL.project]: 'p', [LABEL.slot]: 'x' } }),
        ],
        projects: P,
      },
      want: ['remove:bad'],
    },
    {
      name: 'a one-off container (fizz run) is never touched, even where its slot is wanted',
      input: {
        owned: [desired('p', 'web', 0)],
        actual: [
          container('run', 'p', 'web', 0, 'h1', {
            state: 'exited',
            labels: { [LABEL.project]: 'p', [LABEL.service]: 'web', [LABEL.oneoff]: 'True' },
          }),
          container('run2', 'p', 'gone', 0, 'h1', {
            labels: { [LABEL.project]: 'p', [LABEL.service]: 'gone', [LABEL.oneoff]: 'True' },
          }),
        ],
        projects: P,
      },
      want: ['create:web/0'],
    },
    {
      name: 'a container with no project label is not Fizz business',
      input: {
        owned: [],
        actual: [container('raw', 'p', 'web', 0, 'h1', { labels: { foo: 'bar' } })],
        projects: P,
      },
      want: [],
    },
    {
      name: 'unhealthy: restarted only when the back-off allows',
      input: {
        owned: [desired('p', 'web', 0), desired('p', 'web', 1)],
        actual: [
          container('a', 'p', 'web', 0, 'h1', { health: 'unhealthy' }),
          container('b', 'p', 'web', 1, 'h1', { health: 'unhealthy' }),
        ],
        projects: P,
        restartAllowed: new Set(['p/web/1']),
      },
      want: ['restart:b'],
    },
    {
      name: 'a slot whose container is being removed waits (its name is taken)',
      input: {
        owned: [desired('p', 'web', 0)],
        actual: [container('a', 'p', 'web', 0, 'h1', { state: 'removing' })],
        projects: P,
      },
      want: [],
    },
    {
      name: 'paused and restarting containers are left to the user and the engine',
      input: {
        owned: [desired('p', 'web', 0), desired('p', 'web', 1)],
        actual: [
          container('a', 'p', 'web', 0, 'h1', { state: 'paused' }),
          container('b', 'p', 'web', 1, 'h1', { state: 'restarting' }),
        ],
        projects: P,
      },
      want: [],
    },
    {
      name: 'owned slots listed twice count once',
      input: { owned: [desired('p', 'web', 0), desired('p', 'web', 0)], actual: [], projects: P },
      want: ['create:web/0'],
    },
    {
      name: 'an owned slot makes its project managed even when not listed',
      input: {
        owned: [desired('q', 'web', 0)],
        actual: [container('a', 'q', 'web', 0), container('b', 'q', 'web', 3)],
        projects: new Set(),
      },
      want: ['remove:b'],
    },
    {
      name: 'removes come first, then stops, recreates, creates, starts, restarts',
      input: {
        owned: [
          desired('p', 'a', 0),
          desired('p', 'b', 0, 'h1', false),
          desired('p', 'c', 0, 'h2'),
          desired('p', 'd', 0),
          desired('p', 'e', 0),
        ],
        actual: [
          container('z', 'p', 'gone', 0),
          container('b0', 'p', 'b', 0),
          container('c0', 'p', 'c', 0),
          container('d0', 'p', 'd', 0, 'h1', { state: 'created' }),
          container('e0', 'p', 'e', 0, 'h1', { health: 'unhealthy' }),
        ],
        projects: P,
        restartAllowed: new Set(['p/e/0']),
      },
      want: ['remove:z', 'stop:b0', 'recreate:c0', 'create:a/0', 'start:d0', 'restart:e0'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(brief(plan(c.input)), c.want));
  }

  test('every action carries a reason', () => {
    const actions = plan({
      owned: [desired('p', 'web', 0, 'h2'), desired('p', 'new', 0)],
      actual: [container('a', 'p', 'web', 0), container('b', 'p', 'old', 0)],
      projects: P,
    });
    assert.equal(actions.length, 3);
    for (const a of actions) assert.ok(a.reason.length > 0, a.kind);
  });
});

describe('restartsWhenExited', () => {
  const cases: Array<[Parameters<typeof service>[0], boolean]> = [
    [{}, false],
    [{ restart: 'no' }, false],
    [{ restart: 'on-failure' }, false],
    [{ restart: 'always' }, true],
    [{ restart: 'unless-stopped' }, true],
    [{ deploy: { restart_policy: { condition: 'any' } } }, true],
    [{ restart: 'always', deploy: { restart_policy: { condition: 'none' } } }, false],
  ];
  for (const [over, want] of cases) {
    test(JSON.stringify(over), () => assert.equal(restartsWhenExited(service(over)), want));
  }
});

test('forceRecreate recreates current containers of the slots, services or projects it names', () => {
  const owned = [desired('p', 'web', 0), desired('p', 'web', 1), desired('p', 'db', 0, 'h1', false)];
  const actual = [
    container('w0', 'p', 'web', 0),
    container('w1', 'p', 'web', 1),
    container('d0', 'p', 'db', 0, 'h1', { state: 'exited' }),
  ];
  assert.deepEqual(brief(plan({ owned, actual, projects: P })), []);
  assert.deepEqual(brief(plan({ owned, actual, projects: P, forceRecreate: new Set(['p/web']) })), [
    'recreate:w0',
    'recreate:w1',
  ]);
  assert.deepEqual(brief(plan({ owned, actual, projects: P, forceRecreate: new Set(['p/web/1']) })), [
    'recreate:w1',
  ]);
  const all = plan({ owned, actual, projects: P, forceRecreate: new Set(['p']) });
  assert.deepEqual(brief(all), ['recreate:d0', 'recreate:w0', 'recreate:w1']);
  assert.ok(all.every((a) => a.reason === 'recreate forced'));
  // Forced for one pass: once applied, the plan without it is empty again.
  assert.deepEqual(plan({ owned, actual: apply(actual, all), projects: P }), []);
  // Containers of other projects are never forced.
  assert.deepEqual(brief(plan({ owned, actual, projects: P, forceRecreate: new Set(['q']) })), []);
});
