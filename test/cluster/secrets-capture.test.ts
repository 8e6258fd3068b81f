/**
 * A secret on the wire and on disk (issue 12): tcpdump captures the cluster's bridge while a
 * secret is created on h1 and read by a container that placement puts on h2. Neither the
 * capture nor any file under either FIZZ_HOME or engine data root holds the value, as it is
 * or base64-encoded. A marker sent in clear across the same bridge is found in the capture:
 * the search would see a leak.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { run, SKIP_DOCKER, SKIP_REASON } from '../e2e/harness.js';
import { type Capture, capture, clearTextHits, containerOn } from './clear-text.js';
import { Cluster } from './harness.js';

const ROOT_NEEDED = process.getuid?.() !== 0;
const NO_TCPDUMP = !['/usr/bin/tcpdump', '/usr/sbin/tcpdump'].some((p) => existsSync(p));
const skip = SKIP_DOCKER
  ? SKIP_REASON
  : ROOT_NEEDED
    ? ' (skipped: the harness needs root)'
    : NO_TCPDUMP
      ? ' (skipped: no tcpdump; make test installs it (scripts/ensure-test-tools.sh))'
      : '';
const DIR = '/tmp/fizz-sq-capture-test';

describe(`a secret crosses 2 real hosts: no capture or disk holds it${skip}`, { skip: skip !== '' }, () => {
  const cluster = new Cluster({ name: 'sq', subnet: '10.249.0' });
  const secret = `FZCAP-${randomBytes(16).toString('hex')}`;
  const marker = `FZMARK-${randomBytes(16).toString('hex')}`;
  let cap: Capture | undefined;

  before(async () => {
    await cluster.down();
    mkdirSync(DIR, { recursive: true });
    writeFileSync(
      `${DIR}/compose.yaml`,
      [
        'name: sqtest',
        'services:',
        '  app:',
        '    image: fizz/busybox:latest',
        '    command: ["sleep", "100000"]',
        '    init: true',
        '    secrets: [cap]',
        '    deploy:',
        '      placement:',
        '        constraints: ["node.hostname == h2"]',
        'secrets:',
        '  cap:',
        '    external: true',
        '',
      ].join('\n'),
    );
    await cluster.up(2);
  });
  after(async () => {
    await cap?.stop();
    await cluster.down();
    rmSync(DIR, { recursive: true, force: true });
  });

  it('the value is in the container on h2 and nowhere on the bridge or the disks', async () => {
    cap = await capture(cluster.layout.bridge, `${DIR}/bridge.pcap`);
    const made = await cluster.exec('h1', ['fizz', 'secret', 'create', 'cap', '-'], { input: secret });
    assert.equal(made.code, 0, made.stderr);
    const up = await cluster.exec('h1', ['fizz', 'up', '-d'], { cwd: DIR, timeoutMs: 120_000 });
    assert.equal(up.code, 0, up.stderr + up.stdout);
    const id = await containerOn(cluster, 'h2', 'sqtest');
    const read = await cluster.exec('h2', ['docker', 'exec', id, 'cat', '/run/secrets/cap']);
    assert.equal(read.stdout, secret);

    // The control: clear text across the same bridge, h1 to h2.
    const h2 = cluster.host('h2').address;
    const sent = await cluster.exec('h1', ['bash', '-c', `printf %s "$0" > /dev/udp/${h2}/9`, marker]);
    assert.equal(sent.code, 0, sent.stderr);
    await cap.stop();

    const h1 = cluster.host('h1').address;
    const between = await run('tcpdump', ['-r', cap.file, '-n', `host ${h1} and host ${h2}`]);
    const packets = between.stdout.split('\n').filter(Boolean).length;
    assert.ok(packets > 20, `only ${packets} packets between h1 and h2 were captured`);
    assert.deepEqual(await clearTextHits([marker], [cap.file]), [`${cap.file}: ${marker}`]);

    const places = [cap.file, ...cluster.hosts().flatMap((h) => [h.home, h.dataRoot])];
    assert.deepEqual(await clearTextHits([secret], places), []);
    console.error(
      `# capture: ${packets} packets between h1 and h2, ${statSync(cap.file).size} bytes; value and its base64 forms not found`,
    );
  });
});
