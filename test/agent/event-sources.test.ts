import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterState } from '../../crdt/index.js';
import { systemClock } from '../../src/agent/clock.js';
import { EventSources } from '../../src/agent/event-sources.js';
import { EventLog } from '../../src/agent/events.js';
import { LABELS } from '../../src/runtime/types.js';

describe('event sources', () => {
  it('number a replica the same in engine and placement events, and name a node that is gone', () => {
    const log = new EventLog(systemClock, () => 'h1');
    let members = new Map([
      ['id-1', 'h1'],
      ['id-2', 'h2'],
    ]);
    const sources = new EventSources(
      log,
      new ClusterState({ nodeId: 'id-1', clock: Date.now }),
      () => members,
    );
    sources.onPlacement(new Map([['p/web/1', 'id-2']]));
    sources.onEngine({
      containerId: 'abcdef0123456789',
      action: 'start',
      labels: { [LABELS.project]: 'p', [LABELS.service]: 'web', [LABELS.slot]: '1', [LABELS.node]: 'id-1' },
    });
    members = new Map([['id-1', 'h1']]); // h2 died: no longer listed
    sources.onPlacement(new Map([['p/web/1', 'id-1']]));
    const [started, moved] = log.all();
    assert.equal(started?.type, 'container');
    assert.equal(moved?.action, 'moved');
    assert.equal(started?.replica, 2, 'slot 1 is the container web-2');
    assert.equal(moved?.replica, started?.replica);
    assert.equal(moved?.detail, 'from h2');
  });

  it('an image that came from a peer is an event of this node, named', () => {
    const log = new EventLog(systemClock, () => 'h1');
    const sources = new EventSources(
      log,
      new ClusterState({ nodeId: 'id-1', clock: Date.now }),
      () => new Map([['id-1', 'h1']]),
    );
    sources.onImage('transferred', 'web:1', 'from h2');
    const [e] = log.all();
    assert.deepEqual(
      [e?.type, e?.action, e?.node, e?.detail],
      ['image', 'transferred', 'h1', 'web:1 from h2'],
    );
  });

  it("another node's new image is an event, its first list is not", () => {
    const log = new EventLog(systemClock, () => 'h1');
    const here = new ClusterState({ nodeId: 'id-1', clock: Date.now });
    const there = new ClusterState({ nodeId: 'id-2', clock: Date.now });
    const sources = new EventSources(log, here, () => new Map([['id-2', 'h2']]));
    sources.start();
    const image = (n: number, tag: string) => ({
      id: `sha256:${String(n).repeat(64)}`,
      tags: [tag],
      layers: [`sha256:${'a'.repeat(64)}`],
    });
    const say = (held: ReturnType<typeof image>[]) => {
      there.setNodeStatus({ containers: [], images: [], updatedAt: Date.now(), held });
      here.applyUpdate(there.encodeUpdate(here.stateVector()), 'peer');
    };
    say([image(1, 'busybox:latest')]);
    assert.equal(log.all().length, 0, 'the first list is a baseline');
    say([image(1, 'busybox:latest'), image(2, 'web:1')]);
    const [e] = log.all();
    assert.deepEqual([e?.type, e?.action, e?.node, e?.detail], ['image', 'added', 'h2', 'web:1']);
    assert.equal(log.all().length, 1);
  });
});
