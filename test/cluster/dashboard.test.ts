/**
 * The dashboard in a real browser: headless Chromium, inside h1's network namespace, opens
 * the address `fizz dashboard --address <h1>:7180` prints (the login token in it once, a
 * cookie after), sees the three replicas of a service on h1, h2 and h3, then — h3 killed,
 * the page never reloaded — sees h3 dead and its replica running on a survivor. Every request
 * the page made went to the agent. On a phone's viewport nothing needs scrolling sideways.
 * Moved to loopback, the page asks for no token.
 * FIZZ_DASHBOARD_SCREENSHOT=<file.png> keeps the screenshot (README: docs/dashboard.png).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SKIP_DOCKER, SKIP_REASON } from '../e2e/harness.js';
import { Chromium, type Page } from './chromium.js';
import { fizzOn, until } from './drive.js';
import { Cluster } from './harness.js';

const ROOT_NEEDED = process.getuid?.() !== 0;
const skip = SKIP_DOCKER ? SKIP_REASON : ROOT_NEEDED ? ' (skipped: the harness needs root)' : '';
const DIR = '/tmp/fizz-dashboard-test';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Row {
  slot: string;
  node: string;
  state: string;
}

/** What the page shows: the node cards and the replica rows of the service. */
const READ_PAGE = `(() => ({
  live: document.getElementById('live').dataset.live,
  nodes: Object.fromEntries([...document.querySelectorAll('#nodes [data-node]')].map((e) => [e.dataset.node, e.dataset.state])),
  rows: [...document.querySelectorAll('[data-service="dbtest/web"] li[data-slot]')].map((e) => ({ slot: e.dataset.slot, node: e.dataset.node, state: e.dataset.state })),
  events: document.querySelectorAll('#events li[data-action]').length,
  updates: window.fizzDashboard.updates,
  mark: window.fizzMark,
}))()`;

interface Shown {
  live: string;
  nodes: Record<string, string>;
  rows: Row[];
  events: number;
  updates: number;
  mark?: string;
}

describe(`the dashboard in headless Chromium on 3 real hosts${skip}`, { skip: skip !== '' }, () => {
  const cluster = new Cluster({ name: 'db', subnet: '10.245.0' });
  let browser: Chromium | undefined;
  let page: Page;
  let url = '';
  const requested: string[] = [];

  before(async () => {
    execFileSync('bash', [`${ROOT}scripts/ensure-chromium.sh`], { stdio: 'inherit' });
    await cluster.down();
    mkdirSync(DIR, { recursive: true });
    writeFileSync(
      `${DIR}/compose.yaml`,
      [
        'name: dbtest',
        'services:',
        '  web:',
        '    image: fizz/busybox:latest',
        '    command: ["httpd", "-f", "-p", "80", "-h", "/www"]',
        '    init: true',
        '    deploy:',
        '      replicas: 3',
        '    healthcheck:',
        '      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"]',
        '      interval: 1s',
        '      retries: 3',
        '',
      ].join('\n'),
    );
    await cluster.up(3);
  });
  after(async () => {
    await browser?.close();
    await cluster.down();
  });

  const fizz = fizzOn(cluster, DIR);
  const shown = () => page.evaluate<Shown>(READ_PAGE);

  it('fizz dashboard on h1’s own address prints it with a login token', async () => {
    await fizz('h1', ['up', '-d', '--wait']);
    const h1 = cluster.host('h1').address;
    url = (await fizz('h1', ['dashboard', '--address', `${h1}:7180`])).trim();
    assert.match(url, new RegExp(`^http://${h1.replaceAll('.', '\\.')}:7180/\\?token=[\\w-]{43}$`));
    // Asked again, it says the same.
    assert.equal((await fizz('h1', ['dashboard', '--status'])).trim(), url);
  });

  it('the page logs in with the token, then shows the 3 replicas on h1, h2 and h3, live', async () => {
    browser = await Chromium.launch({
      netnsPath: cluster.host('h1').netnsPath,
      allowHosts: [cluster.host('h1').address, '127.0.0.1'],
    });
    page = await browser.newPage();
    page.on('Network.requestWillBeSent', (p) => requested.push((p.request as { url: string }).url));
    await page.send('Network.enable');
    await page.navigate(url);
    // The token left the address bar; the cookie stands for it.
    const href = await page.evaluate<string>('location.href');
    assert.equal(href, url.replace(/\?token=.*$/, ''));
    await until('the page shows web on h1, h2 and h3, running', async () => {
      const s = await shown();
      return (
        s.live === 'on' &&
        s.rows.filter((r) => r.state === 'running').length === 3 &&
        new Set(s.rows.map((r) => r.node)).size === 3
      );
    });
    const s = await shown();
    assert.deepEqual(s.nodes, { h1: 'alive', h2: 'alive', h3: 'alive' });
  });

  it('h3 killed: the same page, never reloaded, shows h3 dead and its replica on a survivor', async (t) => {
    await page.evaluate('window.fizzMark = "before the kill"');
    const before = await shown();
    const onH3 = before.rows.find((r) => r.node === 'h3');
    assert.ok(onH3, JSON.stringify(before.rows));
    const killed = Date.now();
    await cluster.kill('h3');
    await until(
      `${onH3.slot} running on h1 or h2 and h3 dead, in the page`,
      async () => {
        const s = await shown();
        const moved = s.rows.find((r) => r.slot === onH3.slot && r.state === 'running');
        return s.nodes.h3 === 'dead' && moved !== undefined && moved.node !== 'h3';
      },
      60_000,
    );
    t.diagnostic(
      `kill → the page shows the replica on a survivor: ${((Date.now() - killed) / 1000).toFixed(2)} s`,
    );
    const after = await shown();
    assert.equal(after.mark, 'before the kill', 'the page was reloaded');
    assert.ok(after.updates > before.updates);
    assert.ok(after.events > 0, 'no recent event shown');
    assert.deepEqual(
      after.rows
        .filter((r) => r.state === 'running')
        .map((r) => r.node)
        .sort()
        .filter((n) => n === 'h3'),
      [],
    );
    // Nothing but the agent's own address was asked for: the page works offline.
    const origin = new URL(url).origin;
    assert.ok(requested.length >= 3, JSON.stringify(requested));
    assert.deepEqual(
      requested.filter((u) => !u.startsWith(`${origin}/`)),
      [],
    );
    const png = await page.screenshot();
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.length > 20_000, `a screenshot of ${png.length} bytes shows little`);
    const keep = process.env.FIZZ_DASHBOARD_SCREENSHOT;
    if (keep) writeFileSync(keep, png);
  });

  it('on a phone’s screen nothing needs scrolling sideways', async () => {
    await page.viewport(390, 844, true, 2);
    const fits = await page.evaluate<{ scroll: number; inner: number; columns: string }>(
      `({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
          columns: getComputedStyle(document.getElementById('nodes')).gridTemplateColumns })`,
    );
    assert.ok(fits.scroll <= fits.inner, JSON.stringify(fits));
    // One column of cards.
    assert.equal(fits.columns.split(' ').length, 1, fits.columns);
    const keep = process.env.FIZZ_DASHBOARD_SCREENSHOT;
    if (keep) writeFileSync(keep.replace(/\.png$/, '-phone.png'), await page.screenshot());
  });

  it('moved to loopback (where it starts by default), it asks for no token', async () => {
    await page.viewport(1200, 900, false);
    const local = (await fizz('h1', ['dashboard', '--address', '127.0.0.1:7180'])).trim();
    assert.equal(local, 'http://127.0.0.1:7180/');
    await page.navigate(local);
    assert.equal(await page.evaluate<string>('location.href'), local);
    await until('the page on loopback shows web running on h1 and h2', async () => {
      const s = await shown();
      return s.live === 'on' && s.rows.filter((r) => r.state === 'running').length === 3;
    });
    // The page served on h1's own address is gone.
    const gone = await cluster.exec('h1', ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', url]);
    assert.equal(gone.stdout, '000');
  });
});
