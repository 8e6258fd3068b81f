/**
 * The dashboard's HTTP server on loopback: the page and its assets, the login check (no token
 * on loopback, a foreign Host refused; with a token: 401 without it or with a wrong one,
 * `?token=` answered with a cookie), and the live stream (`/events`): the snapshot and the
 * recent events at once, each new event, a changed snapshot and no repeat of an unchanged one.
 */
import assert from 'node:assert/strict';
import { get, type IncomingMessage, request } from 'node:http';
import { test } from 'node:test';
import type { Clock } from '../../../src/agent/clock.js';
import type { DashboardSource } from '../../../src/agent/dashboard/live.js';
import { DashboardServer } from '../../../src/agent/dashboard/server.js';
import type { DashboardSnapshot } from '../../../src/agent/dashboard/snapshot.js';
import { EventLog } from '../../../src/agent/events.js';
import { silentLogger } from '../../../src/agent/logger.js';

/** A clock whose sleeps end only when the test says so (or their signal aborts). */
function manualClock() {
  let t = 1_000_000;
  const sleepers = new Set<() => void>();
  let onSleep = () => {};
  const clock: Clock = {
    now: () => t,
    sleep: (_ms, signal) =>
      new Promise<void>((resolve) => {
        const done = () => {
          sleepers.delete(done);
          resolve();
        };
        sleepers.add(done);
        signal?.addEventListener('abort', done, { once: true });
        onSleep();
      }),
  };
  return {
    clock,
    /** Ends every sleep now. */
    advance(ms: number) {
      t += ms;
      for (const s of [...sleepers]) s();
    },
    /** Resolves once something sleeps (the live loop is between two snapshots). */
    asleep(): Promise<void> {
      if (sleepers.size > 0) return Promise.resolve();
      return new Promise((resolve) => {
        onSleep = () => {
          onSleep = () => {};
          resolve();
        };
      });
    },
  };
}

function snapshot(nodes: string[]): DashboardSnapshot {
  return {
    self: 'h1',
    clustered: true,
    majority: true,
    nodes: nodes.map((name, i) => ({
      name,
      address: `10.0.0.${i + 1}:7171`,
      state: 'alive',
      capacity: 1,
      replicas: 0,
      labels: {},
      version: '0.1.0',
      self: i === 0,
    })),
    services: [],
    errors: [],
  };
}

interface Fixture {
  server: DashboardServer;
  base: string;
  events: EventLog;
  source: DashboardSource & { current: DashboardSnapshot; calls: number };
  time: ReturnType<typeof manualClock>;
}

async function start(t: { after: (fn: () => Promise<void>) => void }, token?: string): Promise<Fixture> {
  const time = manualClock();
  const events = new EventLog(time.clock, () => 'h1');
  const source = {
    current: snapshot(['h1', 'h2']),
    calls: 0,
    events,
    async snapshot() {
      source.calls++;
      return source.current;
    },
  };
  const server = new DashboardServer({ source, clock: time.clock, logger: silentLogger(), token });
  const at = await server.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => server.close());
  return { server, base: `http://127.0.0.1:${at.port}`, events, source, time };
}

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function fetchText(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

/** The server-sent events of one connection, frame by frame. */
async function openStream(url: string, headers: Record<string, string> = {}) {
  const res = await new Promise<IncomingMessage>((resolve, reject) =>
    get(url, { headers }, resolve).on('error', reject),
  );
  res.setEncoding('utf8');
  const frames: Array<{ event: string; data: string }> = [];
  let waiting: (() => void) | undefined;
  let buffer = '';
  res.on('data', (chunk: string) => {
    buffer += chunk;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event !== undefined && data !== undefined) frames.push({ event, data });
      end = buffer.indexOf('\n\n');
    }
    waiting?.();
  });
  return {
    res,
    /** The next frame (not a comment or the retry line). */
    async next(): Promise<{ event: string; data: unknown }> {
      while (frames.length === 0) await new Promise<void>((resolve) => (waiting = resolve));
      const f = frames.shift()!;
      return { event: f.event, data: JSON.parse(f.data) };
    },
    close: () => res.destroy(),
  };
}

test('on loopback: the page, its script and stylesheet, no token asked; a foreign Host is refused and counted', async (t) => {
  const { server, base } = await start(t);
  const page = await fetchText(`${base}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers['content-type'] ?? '', /text\/html/);
  assert.match(page.body, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
  // Nothing from the internet: every asset the page names is served here.
  assert.doesNotMatch(page.body, /https?:\/\//);
  for (const asset of ['dashboard.js', 'dashboard.css']) {
    assert.match(page.body, new RegExp(`"${asset}"`));
    const a = await fetchText(`${base}/${asset}`);
    assert.equal(a.status, 200, asset);
    assert.ok(a.body.length > 500, asset);
    assert.doesNotMatch(a.body, /https?:\/\//, asset);
  }
  assert.equal((await fetchText(`${base}/nope`)).status, 404);
  assert.equal(server.rejected, 0);
  // A page of another site whose name resolves to 127.0.0.1 (DNS rebinding) names its own host.
  const rebound = await fetchText(`${base}/snapshot.json`, { host: 'evil.example:7180' });
  assert.equal(rebound.status, 403);
  assert.equal(server.rejected, 1);
  const ok = await fetchText(`${base}/snapshot.json`, { host: 'localhost:7180' });
  assert.equal(ok.status, 200);
  assert.deepEqual(
    JSON.parse(ok.body).nodes.map((n: { name: string }) => n.name),
    ['h1', 'h2'],
  );
});

test('with a token: none or a wrong one is 401 and counted; ?token= sets a cookie that lets in; a bearer header too', async (t) => {
  const token = 'a-login-token-of-at-least-32-characters-0123456789';
  const { server, base } = await start(t, token);
  assert.equal((await fetchText(`${base}/`)).status, 401);
  assert.equal((await fetchText(`${base}/events`)).status, 401);
  assert.equal((await fetchText(`${base}/snapshot.json?token=wrong`)).status, 401);
  assert.equal((await fetchText(`${base}/`, { cookie: 'fizz_dashboard=wrong' })).status, 401);
  assert.equal((await fetchText(`${base}/`, { authorization: `Bearer ${token}x` })).status, 401);
  // Same length, one character off.
  assert.equal((await fetchText(`${base}/?token=${token.slice(0, -1)}X`)).status, 401);
  assert.equal(server.rejected, 6);

  const login = await fetchText(`${base}/?token=${token}`);
  assert.equal(login.status, 303);
  assert.equal(login.headers.location, '/');
  const cookie = login.headers['set-cookie']?.[0] ?? '';
  assert.match(cookie, /^fizz_dashboard=[^;]+; Path=\/; HttpOnly; SameSite=Strict/);
  const pair = cookie.split(';')[0]!;
  const page = await fetchText(`${base}/`, { cookie: `other=1; ${pair}` });
  assert.equal(page.status, 200);
  assert.match(page.body, /Fizz dashboard/);
  assert.equal((await fetchText(`${base}/snapshot.json`, { authorization: `Bearer ${token}` })).status, 200);
  // The loopback host check is for a tokenless dashboard only: the token is the check here.
  assert.equal(
    (await fetchText(`${base}/snapshot.json`, { host: 'fizz.lan:7180', cookie: pair })).status,
    200,
  );
  assert.equal(server.rejected, 6);
});

test('only GET: other methods are 405', async (t) => {
  const { base } = await start(t);
  const { port } = new URL(base);
  const status = await new Promise<number>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/', method: 'POST' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end('{}');
  });
  assert.equal(status, 405);
});

test('/events: recent events and the snapshot at once, then each new event (no healthcheck exec) and each changed snapshot, never an unchanged one again', async (t) => {
  const { server, base, events, source, time } = await start(t);
  events.add({ type: 'member', action: 'joined', node: 'h2' });
  // A healthcheck's execs are left out of the page's events.
  events.add({ type: 'container', action: 'exec_start', node: 'h1' });
  const stream = await openStream(`${base}/events`);
  t.after(() => stream.close());
  const first = await stream.next();
  assert.equal(first.event, 'events');
  assert.deepEqual(
    (first.data as Array<{ action: string }>).map((e) => e.action),
    ['joined'],
  );
  const snap = await stream.next();
  assert.equal(snap.event, 'snapshot');
  assert.deepEqual(snap.data, snapshot(['h1', 'h2']));
  assert.equal(server.pages, 1);

  // Nothing changed: the loop computes again when its sleep ends, and sends nothing.
  await time.asleep();
  const calls = source.calls;
  time.advance(1000);
  await time.asleep();
  assert.equal(source.calls, calls + 1);

  // An event goes out at once and wakes the loop (no clock advanced): the new snapshot follows.
  source.current = snapshot(['h1', 'h2', 'h3']);
  events.add({ type: 'container', action: 'exec_die', node: 'h1' });
  events.add({ type: 'member', action: 'joined', node: 'h3' });
  const ev = await stream.next();
  assert.equal(ev.event, 'event');
  assert.equal((ev.data as { node: string }).node, 'h3');
  const changed = await stream.next();
  assert.equal(changed.event, 'snapshot');
  assert.deepEqual(
    (changed.data as DashboardSnapshot).nodes.map((n) => n.name),
    ['h1', 'h2', 'h3'],
  );
  // A change without an event shows at the next refresh; the frame before it was no repeat.
  await time.asleep();
  source.current = snapshot(['h1']);
  time.advance(1000);
  const later = await stream.next();
  assert.equal(later.event, 'snapshot');
  assert.deepEqual(
    (later.data as DashboardSnapshot).nodes.map((n) => n.name),
    ['h1'],
  );

  // A second page gets the current snapshot at once, without waiting for a change.
  const second = await openStream(`${base}/events`);
  t.after(() => second.close());
  assert.equal((await second.next()).event, 'snapshot');
  assert.equal((await second.next()).event, 'events');
});

test('the live loop runs only while a page is open', async (t) => {
  const { server, base, source, time } = await start(t);
  const stream = await openStream(`${base}/events`);
  await stream.next();
  await stream.next();
  stream.close();
  await until(() => server.pages === 0);
  await time.asleep();
  const calls = source.calls;
  time.advance(1000);
  // The loop ends instead of computing again.
  await until(() => !server.live);
  assert.equal(source.calls, calls);
});

/** Resolves once `cond` holds, checked at each turn of the event loop. */
function until(cond: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (cond() ? resolve() : setImmediate(check));
    check();
  });
}
