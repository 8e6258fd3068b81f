/**
 * `fizz scale`, `kill`, `port`, `images`, `top`, `pause` and `unpause` as the CLI reads and
 * prints them: arguments, usage errors (exit 1 before anything is sent; no agent is needed
 * for these), the printed tables and the help text.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { humanSize, renderImages, shortId, splitReference } from '../../src/cli/commands/images.js';
import { publicAddress } from '../../src/cli/commands/port.js';
import { renderTop } from '../../src/cli/commands/top.js';
import { buildCli } from '../../src/cli/main.js';
import { run } from './fixtures.js';

test('the commands read their arguments', () => {
  const scale = buildCli(false).process(['scale', 'web=3', 'db=0']) as unknown as { pairs: string[] };
  assert.deepEqual(scale.pairs, ['web=3', 'db=0']);
  const kill = buildCli(false).process(['kill', '-s', 'SIGHUP', 'web']) as unknown as {
    signal: string;
    services: string[];
  };
  assert.equal(kill.signal, 'SIGHUP');
  assert.deepEqual(kill.services, ['web']);
  const killAll = buildCli(false).process(['kill']) as unknown as { signal: string; services: string[] };
  assert.equal(killAll.signal, 'SIGKILL');
  assert.deepEqual(killAll.services, []);
  const port = buildCli(false).process([
    'port',
    '--protocol',
    'udp',
    '--index',
    '2',
    'dns',
    '53',
  ]) as unknown as {
    protocol: string;
    index: string;
    service: string;
    port: string;
  };
  assert.deepEqual([port.protocol, port.index, port.service, port.port], ['udp', '2', 'dns', '53']);
  const images = buildCli(false).process(['images', '-q', '--format', 'json', 'web']) as unknown as {
    quiet: boolean;
    format: string;
    services: string[];
  };
  assert.deepEqual([images.quiet, images.format, images.services], [true, 'json', ['web']]);
  const top = buildCli(false).process(['top', 'a', 'b']) as unknown as { services: string[] };
  assert.deepEqual(top.services, ['a', 'b']);
});

test('usage errors: exit 1, nothing sent', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['scale', 'web', '-p', 'demo'], /scale wants SERVICE=NUM/],
    [['scale', 'web=-1', '-p', 'demo'], /scale wants SERVICE=NUM/],
    [['scale', 'web=10001', '-p', 'demo'], /scale wants SERVICE=NUM with NUM from 0 to 10000/],
    [['scale', '-p', 'demo'], /Not enough positional arguments|SERVICE=NUM/],
    [['kill', '-s', 'KILL;ls', '-p', 'demo'], /-s wants a signal/],
    [['port', 'web', '80x', '-p', 'demo'], /PRIVATE_PORT wants a port number/],
    [['port', 'web', '70000', '-p', 'demo'], /PRIVATE_PORT wants a port number/],
    [['port', '--protocol', 'sctp', 'web', '80', '-p', 'demo'], /--protocol wants tcp or udp/],
    [['port', '--index', '0', 'web', '80', '-p', 'demo'], /--index wants a replica number/],
    [['images', '--format', 'yaml', '-p', 'demo'], /--format wants table, json or a Go template/],
  ];
  for (const [argv, msg] of cases) {
    const r = await run(argv);
    assert.equal(r.code, 1, argv.join(' '));
    assert.match(r.out + r.err, msg, argv.join(' '));
  }
});

test('port: the IPv4 binding of the private port and protocol, else nothing', () => {
  const entry = {
    ports: [
      { target: 80, published: 8080, protocol: 'tcp', hostIp: '::' },
      { target: 80, published: 8080, protocol: 'tcp', hostIp: '0.0.0.0' },
      { target: 53, published: 5353, protocol: 'udp', hostIp: '127.0.0.1' },
      { target: 443, protocol: 'tcp' },
      { target: 81, published: 8181, protocol: 'tcp', hostIp: '::' },
    ],
  };
  assert.equal(publicAddress(entry, 80, 'tcp'), '0.0.0.0:8080');
  assert.equal(publicAddress(entry, 53, 'udp'), '127.0.0.1:5353');
  assert.equal(publicAddress(entry, 53, 'tcp'), undefined);
  assert.equal(publicAddress(entry, 443, 'tcp'), undefined);
  assert.equal(publicAddress(entry, 81, 'tcp'), '[::]:8181');
  assert.equal(
    publicAddress({ ports: [{ target: 80, published: 9000, protocol: 'tcp' }] }, 80, 'tcp'),
    '0.0.0.0:9000',
  );
});

test('images: references, sizes as docker prints them, the table, JSON and -q', () => {
  assert.deepEqual(splitReference('fizz/busybox:latest'), ['fizz/busybox', 'latest']);
  assert.deepEqual(splitReference('busybox'), ['busybox', 'latest']);
  assert.deepEqual(splitReference('registry:5000/team/app:1.2'), ['registry:5000/team/app', '1.2']);
  assert.deepEqual(splitReference('registry:5000/team/app'), ['registry:5000/team/app', 'latest']);
  assert.deepEqual(splitReference('app@sha256:abc'), ['app', '<none>']);
  assert.deepEqual(splitReference('sha256:abc'), ['<none>', '<none>']);
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(999), '999B');
  assert.equal(humanSize(1984255), '1.98MB');
  assert.equal(humanSize(1000), '1kB');
  assert.equal(humanSize(4_261_574_000), '4.26GB');
  assert.equal(
    shortId('sha256:e1a89cb724b70d5ed5705ea0d59ebd8ff5152a3d3068b9acc6125b8d398af13c'),
    'e1a89cb724b7',
  );
  const id = 'sha256:e1a89cb724b70d5ed5705ea0d59ebd8ff5152a3d3068b9acc6125b8d398af13c';
  const images = [
    { container: 'demo-web-1', service: 'web', replica: 0, image: 'fizz/busybox:latest', id, size: 1984255 },
    { container: 'demo-web-2', service: 'web', replica: 1, image: 'fizz/busybox:latest', id, size: 1984255 },
    { container: 'demo-x-1', service: 'x', replica: 0, image: 'gone:1', id: '', size: 0 },
  ];
  assert.equal(
    renderImages(images, { quiet: false, format: 'table' }),
    [
      'CONTAINER    REPOSITORY     TAG      IMAGE ID       SIZE',
      'demo-web-1   fizz/busybox   latest   e1a89cb724b7   1.98MB',
      'demo-web-2   fizz/busybox   latest   e1a89cb724b7   1.98MB',
      'demo-x-1     gone           1                       0B',
      '',
    ].join('\n'),
  );
  assert.equal(renderImages(images, { quiet: true, format: 'table' }), `${id}\n`);
  assert.deepEqual(JSON.parse(renderImages(images, { quiet: false, format: 'json' }))[0], {
    ID: id,
    ContainerName: 'demo-web-1',
    Repository: 'fizz/busybox',
    Tag: 'latest',
    Size: 1984255,
  });
});

test('top: a header per container, then its processes aligned', () => {
  const titles = ['UID', 'PID', 'PPID', 'CMD'];
  const text = renderTop([
    { name: 'demo-a-1', service: 'a', replica: 0, titles, processes: [['root', '1', '0', 'sleep 3600']] },
    {
      name: 'demo-b-1',
      service: 'b',
      replica: 0,
      titles,
      processes: [
        ['root', '12345', '1', 'httpd -f'],
        ['nobody', '7', '12345', 'sh'],
      ],
    },
  ]);
  assert.equal(
    text,
    [
      'demo-a-1',
      'UID    PID   PPID   CMD',
      'root   1     0      sleep 3600',
      '',
      'demo-b-1',
      'UID      PID     PPID    CMD',
      'root     12345   1       httpd -f',
      'nobody   7       12345   sh',
      '',
    ].join('\n'),
  );
  assert.equal(renderTop([]), '');
});

test('fizz --help lists the new commands; each has usage with examples', async () => {
  const help = await run(['--help']);
  for (const cmd of ['scale', 'kill', 'port', 'images', 'top', 'pause', 'unpause'])
    assert.match(help.out, new RegExp(`fizz ${cmd}\\b`), `fizz --help lacks ${cmd}`);
  const expected: Record<string, string[]> = {
    scale: ['SERVICE=NUM', 'scale web=3', 'next'],
    kill: ['-s, --signal SIGNAL', 'kill -s SIGHUP web', 'restart'],
    port: ['--protocol PROTOCOL', '--index N', 'port web 80'],
    images: ['--format FORMAT', '-q, --quiet', 'images -q'],
    top: ['top web'],
    pause: ['pause web'],
    unpause: ['unpause web'],
  };
  for (const [cmd, parts] of Object.entries(expected)) {
    const h = await run([cmd, '--help']);
    for (const p of parts) assert.ok(h.out.includes(p), `${cmd} --help lacks ${p}`);
  }
});
