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
});
