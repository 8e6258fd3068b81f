import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ClusterState, openStore, type StoreProblem } from '../../crdt/index.js';
import { decodeFrames, encodeFrame, LOG_MAGIC } from '../../crdt/log-format.js';

const clock = () => 1_000;

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('flushed changes survive a reopen', async (t) => {
  const dir = tempDir(t);
  const s1 = await openStore(dir, { nodeId: 'n1', clock });
  s1.state.putProject({ name: 'web', services: {} });
  s1.state.setScale('web', 'app', 3);
  await s1.flush();
  await s1.close();
  const s2 = await openStore(dir, { nodeId: 'n1', clock });
  assert.deepEqual(s2.state.listProjects(), ['web']);
  assert.equal(s2.state.getScale('web', 'app'), 3);
  assert.deepEqual(s2.problems, []);
  await s2.close();
});

test('compaction keeps everything and shrinks the log to its header', async (t) => {
  const dir = tempDir(t);
  const s1 = await openStore(dir, { nodeId: 'n1', clock, compactRecords: 50 });
  s1.state.putProject({ name: 'web' });
  for (let i = 0; i < 200; i++) {
    s1.state.setScale('web', 'app', i);
    await s1.flush();
  }
  assert.ok(s1.stats().compactions >= 3, `compactions: ${s1.stats().compactions}`);
  assert.ok(s1.stats().logRecords < 50);
  await s1.close();
  const s2 = await openStore(dir, { nodeId: 'n1', clock });
  assert.equal(s2.state.getScale('web', 'app'), 199);
  await s2.close();
});

test('a file that is not a state log is moved aside, never overwritten; the store opens untrusted', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'state.log'), 'hello world, not a log');
  const s = await openStore(dir, { nodeId: 'n', clock });
  assert.equal(s.trusted, false);
  assert.equal(s.problems[0]!.kind, 'bad-header');
  assert.match(s.problems[0]!.message, /moved to .*state\.log\.bad/);
  assert.equal(readFileSync(join(dir, 'state.log.bad'), 'utf8'), 'hello world, not a log');
  await s.close();
});

test('bytes overwritten mid-log: the hit record is reported lost, the intact records after it are kept', async (t) => {
  const dir = tempDir(t);
  const s = await openStore(dir, { nodeId: 'n1', clock });
  s.state.putProject({ name: 'p' });
  await s.flush();
  const ends: number[] = [];
  for (let i = 1; i <= 6; i++) {
    s.state.putProject({ name: `q${i}` });
    await s.flush();
    ends.push(statSync(join(dir, 'state.log')).size);
  }
  const peer = s.state.encodeUpdate();
  await s.close();
  assert.equal(s.trusted, true);
  const bytes = readFileSync(join(dir, 'state.log'));
  // 16 bytes of noise inside the record of q3.
  const at = ends[1]! + 10;
  for (let i = 0; i < 16; i++) bytes[at + i] = (i * 37 + 11) & 0xff;
  writeFileSync(join(dir, 'state.log'), bytes);
  const r = await openStore(dir, { nodeId: 'n1', clock });
  assert.equal(r.trusted, false);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0]!.offset, ends[1]);
  assert.match(
    r.problems[0]!.message,
    /kept 3 valid records before and 3 after \(those written after a lost/,
  );
  // Yjs holds the later records until the lost one arrives (they build on it).
  assert.deepEqual(r.state.listProjects(), ['p', 'q1', 'q2']);
  assert.equal(r.state.hasPending(), true);
  await r.close();
  // Repaired on disk: the next open is clean and still holds the records after the damage.
  const again = await openStore(dir, { nodeId: 'n1', clock });
  assert.deepEqual(again.problems, []);
  assert.equal(again.stats().logRecords, 6);
  // A peer that has the lost record sends it: everything written after it appears.
  again.state.applyUpdate(peer, 'peer');
  assert.deepEqual(again.state.listProjects(), ['p', 'q1', 'q2', 'q3', 'q4', 'q5', 'q6']);
  await again.close();
});

test('a snapshot that does not decode is moved aside and reported; the log still loads, untrusted', async (t) => {
  const dir = tempDir(t);
  const s = await openStore(dir, { nodeId: 'n1', clock });
  s.state.putProject({ name: 'old' });
  await s.compact();
  s.state.putProject({ name: 'new' });
  await s.flush();
  await s.close();
  writeFileSync(join(dir, 'state.snap'), 'garbage');
  const r = await openStore(dir, { nodeId: 'n1', clock });
  assert.equal(r.trusted, false);
  assert.equal(r.problems[0]!.kind, 'bad-snapshot');
  assert.equal(readFileSync(join(dir, 'state.snap.bad'), 'utf8'), 'garbage');
  assert.equal(existsSync(join(dir, 'state.snap')), false);
  await r.close();
});

/**
 * Writes `acked` flushed changes and one more record, then cuts the log at every byte
 * offset inside that last record (and flips bytes in it): every reload keeps all
 * acknowledged changes and reports the damage with its offset, never silently.
 */
test('crash: a log cut at every offset of its last records loses no acknowledged change', async (t) => {
  const dir = tempDir(t);
  const base = join(dir, 'base');
  const s = await openStore(base, { nodeId: 'n1', clock });
  s.state.putProject({ name: 'p' });
  const acked = 6;
  const boundaries: number[] = [];
  for (let i = 1; i <= acked; i++) {
    s.state.setScale('p', `s${i}`, i);
    await s.flush();
    boundaries.push(statSync(join(base, 'state.log')).size);
  }
  s.state.setScale('p', 'torn', 99);
  s.state.setScale('p', 'torn2', 98);
  await s.flush();
  await s.close();
  const full = readFileSync(join(base, 'state.log'));
  const frameStarts = new Set(decodeFrames(full, LOG_MAGIC.length).records.map((r) => r.offset));
  // Cut anywhere from the start of the second-to-last acked record to the end of the file.
  const from = boundaries[boundaries.length - 2]!;
  let reported = 0;
  for (let cut = from; cut < full.length; cut++) {
    const d = join(dir, `cut-${cut}`);
    const problems: StoreProblem[] = [];
    mkdirSync(d);
    writeFileSync(join(d, 'state.log'), full.subarray(0, cut));
    const r = await openStore(d, { nodeId: 'n1', clock, onProblem: (p) => problems.push(p) });
    const atBoundary = frameStarts.has(cut);
    if (atBoundary) assert.deepEqual(problems, [], `cut ${cut}`);
    else {
      assert.equal(problems.length, 1, `cut ${cut} must be reported`);
      assert.match(problems[0]!.message, /offset \d+/);
      reported++;
    }
    // Everything acknowledged before the cut record is there.
    const ackedBefore = boundaries.filter((b) => b <= cut).length;
    for (let i = 1; i <= ackedBefore; i++)
      assert.equal(r.state.getScale('p', `s${i}`), i, `cut ${cut}, s${i}`);
    // The reopened log accepts new changes after the kept prefix.
    r.state.setScale('p', 'after', 1);
    await r.flush();
    await r.close();
    const again = await openStore(d, { nodeId: 'n1', clock });
    assert.deepEqual(again.problems, [], `cut ${cut}: reopened cleanly after repair`);
    assert.equal(again.state.getScale('p', 'after'), 1);
    await again.close();
    rmSync(d, { recursive: true, force: true });
  }
  assert.ok(reported > 10);
});

test('crash: a flipped byte in the tail is caught by the checksum and reported', async (t) => {
  const dir = tempDir(t);
  const s = await openStore(dir, { nodeId: 'n1', clock });
  s.state.putProject({ name: 'p' });
  await s.flush();
  const good = statSync(join(dir, 'state.log')).size;
  s.state.setScale('p', 's', 4);
  await s.flush();
  await s.close();
  const bytes = readFileSync(join(dir, 'state.log'));
  const end = bytes.length;
  for (let i = good; i < end; i++) {
    const copy = new Uint8Array(bytes);
    copy[i] = copy[i]! ^ 0x5a;
    writeFileSync(join(dir, 'state.log'), copy);
    const problems: StoreProblem[] = [];
    const r = await openStore(dir, { nodeId: 'n1', clock, onProblem: (p) => problems.push(p) });
    assert.equal(problems.length, 1, `flip at ${i}`);
    assert.equal(problems[0]!.offset, good);
    assert.deepEqual(r.state.listProjects(), ['p']);
    await r.close();
  }
  truncateSync(join(dir, 'state.log'), good);
});

test('a crash in the middle of compaction loses nothing: stale temp file, snapshot plus the old log', async (t) => {
  const dir = tempDir(t);
  const s = await openStore(dir, { nodeId: 'n1', clock });
  s.state.putProject({ name: 'p' });
  s.state.setScale('p', 'a', 2);
  await s.flush();
  await s.close();
  const log = readFileSync(join(dir, 'state.log'));
  // Compact, then put the old log back as if the crash came before its truncation.
  const c = await openStore(dir, { nodeId: 'n1', clock });
  c.state.setScale('p', 'b', 5);
  await c.compact();
  await c.close();
  const logAfter = readFileSync(join(dir, 'state.log'));
  writeFileSync(join(dir, 'state.log'), Buffer.concat([log, logAfter.subarray(LOG_MAGIC.length)]));
  writeFileSync(join(dir, 'state.snap.tmp'), 'half a snapshot');
  const r = await openStore(dir, { nodeId: 'n1', clock });
  assert.deepEqual(r.problems, []);
  assert.equal(r.state.getScale('p', 'a'), 2);
  assert.equal(r.state.getScale('p', 'b'), 5);
  assert.equal(existsSync(join(dir, 'state.snap.tmp')), false);
  await r.close();
});

test('a record that passes its checksum but is not an update is reported as bad-update', async (t) => {
  const dir = tempDir(t);
  const s = await openStore(dir, { nodeId: 'n1', clock });
  s.state.putProject({ name: 'p' });
  await s.flush();
  await s.close();
  const good = readFileSync(join(dir, 'state.log'));
  writeFileSync(
    join(dir, 'state.log'),
    Buffer.concat([good, encodeFrame(new Uint8Array([9, 9, 9, 9, 9, 9, 9]))]),
  );
  const problems: StoreProblem[] = [];
  const warnings: string[] = [];
  const r = await openStore(dir, {
    nodeId: 'n1',
    clock,
    onProblem: (p) => problems.push(p),
    logger: { warn: (_f, m) => warnings.push(m) },
  });
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.kind, 'bad-update');
  assert.equal(problems[0]!.offset, good.length);
  assert.match(warnings[0]!, /offset/);
  assert.deepEqual(r.state.listProjects(), ['p']);
  assert.equal(readFileSync(join(dir, 'state.log.bad')).length, 15);
  await r.close();
});

test('a short write is completed before the change is acknowledged', async (t) => {
  const dir = tempDir(t);
  const s1 = await openStore(dir, { nodeId: 'n1', clock });
  // Make the next write(2) on any file handle take only part of its bytes, as a nearly
  // full disk or a signal can.
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { write: (...a: unknown[]) => Promise<unknown> };
  await probe.close();
  const original = proto.write;
  let shortened = 0;
  proto.write = function (
    this: unknown,
    buf: unknown,
    offset?: unknown,
    length?: unknown,
    ...rest: unknown[]
  ) {
    if (shortened === 0 && buf instanceof Uint8Array && buf.length > 8) {
      shortened++;
      const off = typeof offset === 'number' ? offset : 0;
      const len = typeof length === 'number' ? length : buf.length - off;
      return original.call(this, buf, off, Math.floor(len / 2));
    }
    return original.call(this, buf, offset, length, ...rest);
  };
  try {
    s1.state.putProject({ name: 'web', services: {} });
    await s1.flush();
  } finally {
    proto.write = original;
  }
  assert.equal(shortened, 1, 'the store wrote through FileHandle.write');
  s1.state.setScale('web', 'app', 4);
  await s1.flush();
  await s1.close();
  const problems: StoreProblem[] = [];
  const s2 = await openStore(dir, { nodeId: 'n1', clock, onProblem: (p) => problems.push(p) });
  assert.deepEqual(problems, []);
  assert.deepEqual(s2.state.listProjects(), ['web']);
  assert.equal(s2.state.getScale('web', 'app'), 4);
  await s2.close();
});

test('a second process cannot open a store in use; a dead owner’s lock is taken over', async (t) => {
  const dir = tempDir(t);
  const storeModule = new URL('../../crdt/index.js', import.meta.url).href;
  const owner = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { openStore } = await import(${JSON.stringify(storeModule)});
       const s = await openStore(process.argv[1], { nodeId: 'owner', clock: () => 1000 });
       s.state.putProject({ name: 'web', services: {} });
       await s.flush();
       process.stdout.write('ready\\n');
       setInterval(() => {}, 1000);`,
      dir,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => owner.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    owner.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    owner.on('exit', (code) => reject(new Error(`owner exited with ${code}`)));
  });
  const logBefore = readFileSync(join(dir, 'state.log'));
  await assert.rejects(
    openStore(dir, { nodeId: 'intruder', clock }),
    (e: Error) => e.name === 'StoreLockedError',
  );
  assert.deepEqual(readFileSync(join(dir, 'state.log')), logBefore, 'the log is untouched');
  const exited = new Promise((resolve) => owner.on('exit', resolve));
  owner.kill('SIGKILL');
  await exited;
  const s = await openStore(dir, { nodeId: 'next', clock });
  assert.deepEqual(s.state.listProjects(), ['web']);
  await s.close();
  assert.equal(existsSync(join(dir, 'state.lock')), false, 'close releases the lock');
});

/** Changes of three kinds, local and remote, to a store whose first listener always throws. */
async function writeThroughThrowingListener(s: Awaited<ReturnType<typeof openStore>>): Promise<string[]> {
  const seen: string[] = [];
  s.state.on('change', () => {
    throw new Error('listener bug');
  });
  s.state.on('change', (e) => seen.push(e.kind));
  s.state.putProject({ name: 'web' });
  s.state.setScale('web', 'app', 3);
  const remote = new ClusterState({ nodeId: 'other', clock: () => 2_000 });
  remote.putProject({ name: 'db' });
  s.state.applyUpdate(remote.encodeUpdate(), 'net');
  await s.flush();
  return seen;
}

test('a change listener that throws is reported to onListenerError; every change is still stored', async (t) => {
  const dir = tempDir(t);
  const errors: string[] = [];
  const s = await openStore(dir, {
    nodeId: 'n1',
    clock,
    onListenerError: (err, change) => errors.push(`${change.kind}: ${(err as Error).message}`),
  });
  const seen = await writeThroughThrowingListener(s);
  assert.deepEqual(errors, ['project-put: listener bug', 'scale: listener bug', 'project-put: listener bug']);
  assert.deepEqual(seen, ['project-put', 'scale', 'project-put'], 'the other listener got every change');
  assert.equal(s.stats().listenerErrors, 3);
  await s.close();
  const again = await openStore(dir, { nodeId: 'n1', clock });
  assert.deepEqual(again.state.listProjects(), ['db', 'web']);
  assert.equal(again.state.getScale('web', 'app'), 3);
  await again.close();
});

test('without onListenerError a listener error goes to logger.warn; a throwing handler is logged too', async (t) => {
  const dir = tempDir(t);
  const warnings: string[] = [];
  const logger = { warn: (f: Record<string, unknown>, m: string) => warnings.push(`${m}: ${String(f.err)}`) };
  const s = await openStore(dir, { nodeId: 'n1', clock, logger });
  await writeThroughThrowingListener(s);
  assert.equal(warnings.length, 3);
  assert.match(warnings[0]!, /a change listener threw: Error: listener bug/);
  await s.close();

  const dir2 = tempDir(t);
  const s2 = await openStore(dir2, {
    nodeId: 'n1',
    clock,
    logger,
    onListenerError: () => {
      throw new Error('handler bug');
    },
  });
  warnings.length = 0;
  await writeThroughThrowingListener(s2);
  assert.equal(warnings.length, 3);
  assert.match(warnings[0]!, /onListenerError threw: Error: handler bug/);
  await s2.close();
  const again = await openStore(dir2, { nodeId: 'n1', clock });
  assert.deepEqual(again.state.listProjects(), ['db', 'web']);
  await again.close();
});
