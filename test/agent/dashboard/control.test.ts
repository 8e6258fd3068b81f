/**
 * `fizz dashboard`'s side in the agent (Dashboard): on where asked, the choice saved and
 * taken again by the next agent, a taken port refused with the dashboard left where it was,
 * a token asked for (and printed in the address) anywhere but loopback, and off.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemClock } from '../../../src/agent/clock.js';
import { Dashboard } from '../../../src/agent/dashboard/index.js';
import { EventLog } from '../../../src/agent/events.js';
import { silentLogger } from '../../../src/agent/logger.js';

function dashboard(home: string): Dashboard {
  return new Dashboard({
    home,
    logger: silentLogger(),
    clock: systemClock,
    advertise: () => '192.0.2.7:7171',
    source: {
      events: new EventLog(systemClock, () => 'n1'),
      snapshot: async () => ({
        self: 'n1',
        clustered: false,
        majority: true,
        nodes: [],
        services: [],
        errors: [],
      }),
    },
  });
}

/** One request on a connection of its own (a server restarted between two is a new one). */
function answer(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; cookie: string }> {
  return new Promise((resolve, reject) => {
    get(url, { headers, agent: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, cookie: (res.headers['set-cookie'] ?? [])[0] ?? '' });
    }).on('error', reject);
  });
}

async function status(url: string, headers: Record<string, string> = {}): Promise<number> {
  return (await answer(url, headers)).status;
}

test('on, saved, taken again at the next start; a taken port leaves it where it was; off stays off', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'fizz-dash-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const a = dashboard(home);
  t.after(() => a.close());
  assert.deepEqual(await a.dashboard({ status: true }), { enabled: false });
  const on = await a.dashboard({ address: '127.0.0.1:0' });
  assert.equal(on.enabled, true);
  assert.equal(on.tokenRequired, false);
  assert.match(on.url!, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(await status(on.url!), 200);

  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.after(() => busy.close());
  const taken = (busy.address() as AddressInfo).port;
  await assert.rejects(a.dashboard({ address: `127.0.0.1:${taken}` }), {
    name: 'DashboardListenError',
    message: new RegExp(`cannot listen on 127\\.0\\.0\\.1:${taken}: the address is in use`),
  });
  assert.deepEqual(await a.dashboard({ status: true }), on);
  assert.equal(await status(on.url!), 200);
  await assert.rejects(a.dashboard({ address: 'web:80' }), { name: 'DashboardAddressError' });

  // The next agent serves it where it was.
  await a.close();
  const b = dashboard(home);
  t.after(() => b.close());
  await b.startup(undefined, undefined);
  assert.deepEqual(await b.dashboard({ status: true }), on);
  // The flag (or FIZZ_DASHBOARD) wins over the saved setting, `off` too.
  await b.close();
  const c = dashboard(home);
  t.after(() => c.close());
  await c.startup('off', undefined);
  assert.deepEqual(await c.dashboard({ status: true }), { enabled: false });

  assert.deepEqual(await c.dashboard({ off: true }), { enabled: false });
  const d = dashboard(home);
  await d.startup(undefined, undefined);
  assert.deepEqual(await d.dashboard({ status: true }), { enabled: false });
});

test('on every address: the printed address carries the token (this node’s cluster address for 0.0.0.0); a new token logs out', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'fizz-dash-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const a = dashboard(home);
  t.after(() => a.close());
  const on = await a.dashboard({ address: '0.0.0.0:0' });
  assert.equal(on.tokenRequired, true);
  const m = /^http:\/\/192\.0\.2\.7:(\d+)\/\?token=([\w-]{43})$/.exec(on.url!);
  assert.ok(m, on.url);
  const local = `http://127.0.0.1:${m[1]}/`;
  assert.equal(await status(local), 401);
  assert.equal(await status(`${local}?token=${m[2]}`), 303);
  const { cookie } = await answer(`${local}?token=${m[2]}`);
  const pair = cookie.split(';')[0]!;
  assert.equal(await status(local, { cookie: pair }), 200);

  const rotated = await a.dashboard({ rotateToken: true });
  assert.notEqual(rotated.url, on.url);
  assert.equal(await status(local, { cookie: pair }), 401);
  const again = dashboard(home);
  assert.equal((await again.dashboard({ status: true })).enabled, false);
  // The token is the saved one: a restarted agent prints the same address.
  await a.close();
  await again.startup(undefined, undefined);
  t.after(() => again.close());
  assert.equal(
    (await again.dashboard({ status: true })).url?.replace(/:\d+\//, ':P/'),
    rotated.url?.replace(/:\d+\//, ':P/'),
  );
});
