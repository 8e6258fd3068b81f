/**
 * The Fizz cluster formed through the harness: `up 3` returns with every host an alive member,
 * and the harness's faults are what membership sees (a cut host becomes suspect or dead and
 * comes back on heal; a killed host becomes dead and comes back on restart). Its own cluster
 * name and subnet.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SKIP_DOCKER, SKIP_REASON } from '../e2e/harness.js';
import { Cluster } from './harness.js';
import { type NodeView, nodesView } from './membership.js';
import { poll } from './sh.js';

const NOT_ROOT = process.getuid?.() !== 0;
const REASON = SKIP_DOCKER
  ? SKIP_REASON
  : NOT_ROOT
    ? ' (skipped: needs root for namespaces and dockerd)'
    : '';

test(`three hosts form a cluster; cut/heal and kill/restart show in fizz nodes${REASON}`, {
  skip: SKIP_DOCKER || NOT_ROOT,
  timeout: 240_000,
}, async (t) => {
  const cluster = new Cluster({ name: 'fzmt', subnet: '10.231.201' });
  t.after(() => cluster.down());
  await cluster.down();
  await cluster.up(3, { join: true });
  const exec = (h: { name: string }, argv: string[], timeoutMs?: number) =>
    cluster.exec(h.name, argv, { timeoutMs });
  const view = async (observer: string): Promise<Map<string, string>> =>
    new Map(((await nodesView(cluster.host(observer), exec)) ?? []).map((n: NodeView) => [n.name, n.state]));
  /** Waits until `observer` sees every host in `want` in one of the listed states. */
  const sees = async (observer: string, want: Record<string, string[]>, what: string) => {
    let last = new Map<string, string>();
    const ok = await poll(
      async () => {
        last = await view(observer);
        return Object.entries(want).every(([n, states]) => states.includes(last.get(n) ?? 'absent'))
          ? true
          : undefined;
      },
      30_000,
      250,
    );
    assert.ok(ok, `${what}: ${observer} sees ${JSON.stringify(Object.fromEntries(last))}`);
  };
  const allAlive = { h1: ['alive'], h2: ['alive'], h3: ['alive'] };
  const gone = ['suspect', 'dead'];

  for (const h of ['h1', 'h2', 'h3']) await sees(h, allAlive, 'after up');

  await cluster.cut('h3');
  await sees('h1', { h1: ['alive'], h2: ['alive'], h3: gone }, 'h3 cut');
  await sees('h3', { h1: gone, h2: gone }, 'h3 cut');
  await cluster.heal();
  await sees('h1', allAlive, 'healed');
  await sees('h3', allAlive, 'healed');

  await cluster.kill('h2');
  await sees('h1', { h1: ['alive'], h2: ['dead'], h3: ['alive'] }, 'h2 killed');
  await cluster.restart('h2');
  await sees('h1', allAlive, 'h2 restarted');
  await sees('h2', allAlive, 'h2 restarted');
});
