import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EngineUnreachableError } from '../../src/runtime/errors.js';
import { FakeRuntime, type FakeRuntimeOptions } from '../../src/runtime/fake.js';
import { LABELS, type LogLine } from '../../src/runtime/types.js';
import { complianceSuite, request } from './compliance.js';

/**
 * Plays the shell scripts the compliance suite runs: `echo X`, `echo X >&2`, `exit N`;
 * a script without `sleep` ends with code 0.
 */
export const shellLike: NonNullable<FakeRuntimeOptions['onStart']> = (c) => {
  const cmd = c.req.spec.command ?? [];
  if (cmd[0] !== 'sh' || cmd[1] !== '-c') return undefined;
  const output: Array<Pick<LogLine, 'stream' | 'text'>> = [];
  let exitCode: number | undefined = 0;
  for (const part of cmd[2]!.split(';').map((s) => s.trim())) {
    const err = /^echo (.*) >&2$/.exec(part);
    const out = /^echo (.*)$/.exec(part);
    const exit = /^exit (\d+)$/.exec(part);
    if (err) output.push({ stream: 'stderr', text: err[1]! });
    else if (out) output.push({ stream: 'stdout', text: out[1]! });
    else if (exit) return { output, exitCode: Number(exit[1]) };
    else if (part.startsWith('sleep')) exitCode = undefined;
  }
  return { output, ...(exitCode === undefined ? {} : { exitCode }) };
};

complianceSuite('FakeRuntime', () => ({
  runtime: new FakeRuntime({ onStart: shellLike }),
  until: async (check, what) => {
    for (let i = 0; i < 50; i++) {
      if (await check()) return;
      await new Promise((r) => setImmediate(r));
    }
    throw new Error(`fake: ${what} did not happen`);
  },
}));

describe('FakeRuntime hooks', () => {
  test('failNext fails the next matching call once, in order', async () => {
    const rt = new FakeRuntime();
    const boom = new Error('boom');
    rt.failNext('create', boom, (name) => name === 'p-web-2');
    await rt.create(request('p', 'web', 0));
    await assert.rejects(rt.create(request('p', 'web', 1)), boom);
    await rt.create(request('p', 'web', 1));
    assert.deepEqual(rt.calls, ['create p-web-1', 'create p-web-2', 'create p-web-2']);
  });

  test('an unreachable fake engine fails every call with EngineUnreachableError', async () => {
    const rt = new FakeRuntime();
    rt.setReachable(false);
    await assert.rejects(
      rt.list(),
      (err) => err instanceof EngineUnreachableError && /systemctl start docker/.test(err.message),
    );
    rt.setReachable(true);
    assert.deepEqual(await rt.list(), []);
  });

  test('setHealth and exit change what inspect and list report, and emit events', async () => {
    let t = 1000;
    const rt = new FakeRuntime({ now: () => t++, idPrefix: 'n1-' });
    const ac = new AbortController();
    const events: string[] = [];
    const reading = (async () => {
      for await (const ev of rt.events(ac.signal)) events.push(`${ev.action} ${ev.labels[LABELS.service]}`);
    })();
    await new Promise((r) => setImmediate(r));
    const id = await rt.create(request('p', 'web', 0, { healthcheck: { test: ['CMD', 'true'] } }));
    assert.match(id, /^n1-/);
    await rt.start(id);
    assert.equal((await rt.inspect(id))!.health, 'starting');
    rt.setHealth(id, 'unhealthy');
    assert.equal((await rt.list('p'))[0]!.health, 'unhealthy');
    rt.exit(id, 3);
    const info = (await rt.inspect(id))!;
    assert.deepEqual([info.state, info.exitCode, info.health], ['exited', 3, 'none']);
    await new Promise((r) => setImmediate(r));
    ac.abort();
    await reading;
    assert.deepEqual(events, ['create web', 'start web', 'health_status: unhealthy web', 'die web']);
  });

  test('a port held outside Fizz is refused; a stopped container frees its port', async () => {
    const rt = new FakeRuntime();
    rt.foreignPorts.add('tcp/8080');
    const ports = [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }];
    const a = await rt.create(request('p', 'web', 0, { ports }));
    await assert.rejects(rt.start(a), { name: 'PortInUseError' });
    rt.foreignPorts.clear();
    await rt.start(a);
    const b = await rt.create(request('p', 'web', 1, { ports }));
    await assert.rejects(rt.start(b), { name: 'PortInUseError' });
    await rt.stop(a);
    await rt.start(b);
  });

  test('create refuses an unknown network; networks with running endpoints cannot be removed', async () => {
    const rt = new FakeRuntime();
    await assert.rejects(
      rt.create(request('p', 'web', 0, {}, { networks: [{ name: 'p_default', aliases: [] }] })),
      {
        name: 'EngineError',
      },
    );
    await rt.ensureNetwork('p_default', { project: 'p' });
    const id = await rt.create(
      request('p', 'web', 0, {}, { networks: [{ name: 'p_default', aliases: [] }] }),
    );
    await rt.start(id);
    await assert.rejects(rt.removeNetwork('p_default'), /active endpoints/);
    await rt.remove(id, { force: true });
    await rt.removeNetwork('p_default');
  });

  test('containers are found by name and by id prefix', async () => {
    const rt = new FakeRuntime();
    const id = await rt.create(request('p', 'web', 0));
    assert.equal((await rt.inspect('p-web-1'))!.id, id);
    assert.equal((await rt.inspect(id.slice(0, 8)))!.id, id);
  });
});
