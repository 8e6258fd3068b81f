/** The pure parts of `cp`, `rm`, `stats`, `events`, `version --format json` and the containers they pick. */
import assert from 'node:assert/strict';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from 'clipanion';
import type { PsEntry } from '../../src/api/protocol.js';
import { planCp } from '../../src/cli/commands/cp.js';
import { removableServices } from '../../src/cli/commands/rm.js';
import { versionJson } from '../../src/cli/commands/version.js';
import { pickReplica, serviceContainers } from '../../src/cli/engine-command.js';
import { binarySize, statsRow } from '../../src/cli/stats-format.js';
import { extractTar, safeName } from '../../src/runtime/tar-read.js';
import { archivePath } from '../../src/runtime/tar-tree.js';
import type { ContainerInfo } from '../../src/runtime/types.js';

test('cp: SERVICE:PATH on exactly one side; a path starting with / or . is local', () => {
  assert.deepEqual(planCp('web:/etc/hosts', './h'), {
    direction: 'from',
    service: 'web',
    containerPath: '/etc/hosts',
    local: './h',
  });
  assert.deepEqual(planCp('./a:b', 'db:tmp'), {
    direction: 'to',
    service: 'db',
    containerPath: '/tmp',
    local: './a:b',
  });
  assert.deepEqual(planCp('-', 'web:/x').direction, 'to');
  assert.throws(() => planCp('web:/a', 'db:/b'), UsageError);
  assert.throws(() => planCp('./a', '/b'), UsageError);
  assert.throws(() => planCp('web:', '.'), UsageError);
});

function entry(service: string, name: string, state: PsEntry['state']): PsEntry {
  return {
    project: 'p',
    service,
    replica: 0,
    name,
    id: name,
    image: 'i',
    state,
    health: 'none',
    ports: [],
    createdAt: 0,
  };
}

test('rm: only services with no running container, unless -s; only the named ones', () => {
  const e = [
    entry('web', 'w1', 'running'),
    entry('web', 'w2', 'exited'),
    entry('job', 'j1', 'exited'),
    entry('db', 'd1', 'created'),
  ];
  assert.deepEqual(removableServices(e, [], false), ['db', 'job']);
  assert.deepEqual(removableServices(e, [], true), ['db', 'job', 'web']);
  assert.deepEqual(removableServices(e, ['web'], false), []);
  assert.deepEqual(removableServices(e, ['web', 'job'], true), ['job', 'web']);
});

test('stats: docker’s units and formulas (CPU over the sampled interval, memory without inactive cache)', () => {
  assert.equal(binarySize(0), '0B');
  assert.equal(binarySize(1536 * 1024), '1.5MiB');
  assert.equal(binarySize(8_175_000_000), '7.614GiB');
  const row = statsRow('shop-web-1', 'abcdef0123456789', {
    cpu_stats: {
      cpu_usage: { total_usage: 2_000_000_000 },
      system_cpu_usage: 20_000_000_000,
      online_cpus: 2,
    },
    precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 10_000_000_000 },
    memory_stats: {
      usage: 3 * 1024 * 1024,
      limit: 1024 * 1024 * 1024,
      stats: { inactive_file: 1024 * 1024 },
    },
    networks: { eth0: { rx_bytes: 1234, tx_bytes: 946 }, eth1: { rx_bytes: 1000, tx_bytes: 0 } },
    blkio_stats: {
      io_service_bytes_recursive: [
        { op: 'read', value: 4096 },
        { op: 'Write', value: 2_000_000 },
      ],
    },
    pids_stats: { current: 3 },
  });
  assert.deepEqual(row, {
    ID: 'abcdef012345',
    Name: 'shop-web-1',
    Container: 'abcdef012345',
    CPUPerc: '20.00%',
    MemUsage: '2MiB / 1GiB',
    MemPerc: '0.20%',
    NetIO: '2.23kB / 946B',
    BlockIO: '4.1kB / 2MB',
    PIDs: '3',
  });
  assert.equal(statsRow('x', 'y', {}).CPUPerc, '0.00%', 'no previous sample: 0, not NaN');
});

test('version --format json: the CLI’s version under docker compose’s key; null for what does not answer', () => {
  const none = versionJson(undefined);
  assert.equal(typeof none.version, 'string');
  assert.equal(none.agent, null);
  assert.equal(none.engine, null);
  const up = versionJson({
    version: '1',
    apiVersion: 1,
    nodeId: 'n',
    pid: 5,
    home: '/h',
    projects: [],
    engine: { engineVersion: '20.10', apiVersion: '1.41' },
  });
  assert.deepEqual(up.engine, { version: '20.10', apiVersion: '1.41' });
  assert.deepEqual(up.agent, { version: '1', pid: 5, nodeId: 'n', apiVersion: 1 });
});

function info(id: string, service: string, labels: Record<string, string>): ContainerInfo {
  return {
    id,
    name: id,
    image: 'i',
    labels: { 'fizz.project': 'p', 'fizz.service': service, ...labels },
    state: 'running',
    health: 'none',
    createdAt: 0,
    ports: [],
  };
}

test('the containers a direct command picks: this agent’s, no one-offs, by service then replica', () => {
  const all = [
    info('w2', 'web', { 'fizz.slot': '1', 'fizz.node': 'me' }),
    info('w1', 'web', { 'fizz.slot': '0', 'fizz.node': 'me' }),
    info('other', 'web', { 'fizz.slot': '0', 'fizz.node': 'someone' }),
    info('run', 'web', { 'fizz.oneoff': 'True', 'fizz.node': 'me' }),
    info('d1', 'db', { 'fizz.slot': '0', 'fizz.node': 'me' }),
  ];
  const mine = serviceContainers(all, 'me');
  assert.deepEqual(
    mine.map((c) => c.id),
    ['d1', 'w1', 'w2'],
  );
  assert.equal(pickReplica(mine, 'web', 2).id, 'w2');
  assert.throws(() => pickReplica(mine, 'web', 3), {
    name: 'ContainerTargetError',
    message: /index 3 \(it has 2\)/,
  });
  assert.throws(() => pickReplica(mine, 'cache', 1), {
    name: 'ContainerTargetError',
    message: /has no container/,
  });
});

async function* chunked(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  const all: Buffer[] = [];
  for await (const c of source) all.push(c);
  const buf = Buffer.concat(all);
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

test('cp’s tar: a tree archived and unpacked under another name, in odd chunk sizes; long names too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fz-tar-'));
  try {
    const src = join(dir, 'src');
    const long = 'n'.repeat(120);
    mkdirSync(join(src, 'sub', long), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'alpha\n');
    writeFileSync(join(src, 'sub', long, 'b.bin'), Buffer.alloc(70_000, 7));
    writeFileSync(join(src, 'empty'), '');
    symlinkSync('a.txt', join(src, 'link'));
    for (const size of [1, 511, 4096]) {
      const out = join(dir, `out${size}`);
      mkdirSync(out);
      await extractTar(chunked(archivePath(src), size), out, 'copy');
      assert.equal(readFileSync(join(out, 'copy', 'a.txt'), 'utf8'), 'alpha\n');
      assert.deepEqual(readFileSync(join(out, 'copy', 'sub', long, 'b.bin')), Buffer.alloc(70_000, 7));
      assert.equal(readFileSync(join(out, 'copy', 'empty'), 'utf8'), '');
      assert.ok(lstatSync(join(out, 'copy', 'link')).isSymbolicLink());
      assert.equal(readlinkSync(join(out, 'copy', 'link')), 'a.txt');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cp’s tar: a name that leaves the destination, or a damaged header, is refused', async () => {
  assert.equal(safeName('./a/b'), 'a/b');
  for (const bad of ['../x', 'a/../../x', '/etc/passwd', ''])
    assert.throws(() => safeName(bad), { name: 'TarReadError' }, bad);
  const dir = mkdtempSync(join(tmpdir(), 'fz-tar-'));
  try {
    writeFileSync(join(dir, 'f'), 'x');
    const chunks: Buffer[] = [];
    for await (const c of archivePath(join(dir, 'f'))) chunks.push(c);
    const tar = Buffer.concat(chunks);
    tar[10] = tar[10]! ^ 0xff;
    await assert.rejects(
      extractTar(
        (async function* () {
          yield tar;
        })(),
        dir,
      ),
      { name: 'TarReadError', message: /checksum/ },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
