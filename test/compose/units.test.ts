/** Table tests of the loader's small pure pieces: ports, durations, sizes, merge, names, words. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { didYouMean } from '../../src/compose/levenshtein.js';
import { mergeValue } from '../../src/compose/merge.js';
import { parsePortSpec } from '../../src/compose/ports.js';
import { normalizeProjectName } from '../../src/compose/project-name.js';
import { shellSplit } from '../../src/compose/shell-split.js';
import { formatDuration, parseByteSize, parseDuration } from '../../src/compose/units.js';
import { parseVolumeSpec } from '../../src/compose/volumes-short.js';
import { OverrideTag, ResetTag } from '../../src/compose/yaml-source.js';

test('short port syntax', () => {
  const table: Array<[string, string]> = [
    ['80', 'tcp ->80'],
    ['8080:80', 'tcp 8080->80'],
    ['127.0.0.1:8080:80/udp', 'udp 127.0.0.1:8080->80'],
    ['[::1]:8080:80', 'tcp ::1:8080->80'],
    ['127.0.0.1::80', 'tcp 127.0.0.1:->80'],
    ['9000-9001:90-91', 'tcp 9000->90,tcp 9001->91'],
    ['8000-8010:80', 'tcp 8000-8010->80'],
    ['3000-3001', 'tcp ->3000,tcp ->3001'],
  ];
  for (const [spec, want] of table) {
    const got = parsePortSpec(spec)
      .map((p) => `${p.protocol} ${p.host_ip ? `${p.host_ip}:` : ''}${p.published ?? ''}->${p.target}`)
      .join(',');
    assert.equal(got, want, spec);
  }
  for (const bad of ['70000:80', '80:0', 'x:80', '1-3:4-5', '90-80:1-11', '8080:80/', ':'])
    assert.throws(() => parsePortSpec(bad), { name: 'ComposeValueError' }, bad);
});

test('short volume syntax', () => {
  assert.deepEqual(parseVolumeSpec('/data'), { type: 'volume', target: '/data' });
  assert.deepEqual(parseVolumeSpec('./src:/app:ro,z'), {
    type: 'bind',
    source: './src',
    target: '/app',
    read_only: true,
    bind: { create_host_path: true, selinux: 'z' },
  });
  assert.deepEqual(parseVolumeSpec('db:/var/lib/db:nocopy'), {
    type: 'volume',
    source: 'db',
    target: '/var/lib/db',
    volume: { nocopy: true },
  });
  assert.deepEqual(parseVolumeSpec('c:/data'), { type: 'volume', source: 'c', target: '/data', volume: {} });
  assert.throws(() => parseVolumeSpec('a:/b:sideways'), { name: 'ComposeValueError' });
});

test('durations in nanoseconds and back', () => {
  const table: Array<[unknown, number]> = [
    ['10s', 10e9],
    ['1m30s', 90e9],
    ['1h', 3600e9],
    ['500ms', 5e8],
    ['1.5s', 1.5e9],
    ['2us', 2000],
    ['0', 0],
    [5, 5e9],
  ];
  for (const [input, ns] of table) assert.equal(parseDuration(input), ns, String(input));
  for (const bad of ['10', '10 s', 'soon', '1x', '', 's'])
    assert.throws(() => parseDuration(bad), { name: 'ComposeValueError' }, bad);
  assert.equal(formatDuration(90e9), '1m30s');
  assert.equal(formatDuration(3600e9), '1h0m0s');
  assert.equal(formatDuration(5e8), '500ms');
  assert.equal(formatDuration(10e9), '10s');
});

test('byte sizes in bytes', () => {
  const table: Array<[unknown, number]> = [
    ['512m', 512 * 1024 ** 2],
    ['1g', 1024 ** 3],
    ['1.5GB', 1.5 * 1024 ** 3],
    ['100', 100],
    ['64k', 65536],
    ['2kb', 2048],
    [1024, 1024],
  ];
  for (const [input, bytes] of table) assert.equal(parseByteSize(input), bytes, String(input));
  for (const bad of ['lots', '1x', '-5m', ''])
    assert.throws(() => parseByteSize(bad), { name: 'ComposeValueError' }, bad);
});

test('merge rules', () => {
  const base = {
    image: 'a',
    command: ['x', 'y'],
    environment: { A: '1', B: '2' },
    ports: [{ target: 80, published: '8080', protocol: 'tcp', mode: 'ingress' }],
    volumes: [{ type: 'bind', source: '/a', target: '/data' }],
    dns: ['1.1.1.1'],
    devices: ['/dev/a:/dev/a'],
  };
  const over = {
    image: 'b',
    command: ['z'],
    environment: { B: '3' },
    ports: [
      { target: 80, published: '8080', protocol: 'tcp', mode: 'ingress', host_ip: undefined },
      { target: 81, published: '8081', protocol: 'tcp', mode: 'ingress' },
    ],
    volumes: [{ type: 'bind', source: '/b', target: '/data' }],
    dns: ['1.1.1.1', '8.8.8.8'],
  };
  const merged = mergeValue(base, over, 'services.*') as typeof base;
  assert.equal(merged.image, 'b');
  assert.deepEqual(merged.command, ['z']);
  assert.deepEqual(merged.environment, { A: '1', B: '3' });
  assert.equal(merged.ports.length, 2);
  assert.deepEqual(merged.volumes, [{ type: 'bind', source: '/b', target: '/data' }]);
  assert.deepEqual(merged.dns, ['1.1.1.1', '8.8.8.8']);
  const reset = mergeValue(
    base,
    { ports: new ResetTag(null), environment: new OverrideTag({ C: '3' }) },
    'services.*',
  );
  assert.deepEqual((reset as typeof base).ports, undefined);
  assert.deepEqual((reset as typeof base).environment, { C: '3' });
  const logging = mergeValue(
    { logging: { driver: 'syslog', options: { a: '1' } } },
    { logging: { driver: 'json-file', options: { b: '2' } } },
    'services.*',
  );
  assert.deepEqual(logging, { logging: { driver: 'json-file', options: { b: '2' } } });
});

test('project names, shell words, suggestions', () => {
  assert.equal(normalizeProjectName('My.Project_Dir'), 'myproject_dir');
  assert.equal(normalizeProjectName('__x-Y'), 'x-y');
  assert.deepEqual(shellSplit(`sh -c 'echo "a b"' "c d" e\\ f`), ['sh', '-c', 'echo "a b"', 'c d', 'e f']);
  assert.deepEqual(shellSplit('  '), []);
  assert.throws(() => shellSplit('"open'), { name: 'ComposeValueError' });
  assert.equal(didYouMean('imgae', ['image', 'command', 'ports']), 'image');
  assert.equal(didYouMean('frontend', ['front', 'back']), 'front');
  assert.equal(didYouMean('zzzzzz', ['image', 'ports']), undefined);
});
