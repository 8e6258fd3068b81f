/**
 * The behaviour every `Runtime` must show, as one suite run against each implementation
 * (FakeRuntime in memory, DockerRuntime on the real engine). Each test uses its own
 * project name and removes what it made.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import type { ServiceSpec } from '../../src/compose/types.js';
import {
  type CreateRequest,
  type ExecSession,
  LABELS,
  type LogLine,
  type Runtime,
} from '../../src/runtime/types.js';

export const IMAGE = 'fizz/busybox:latest';

export interface Harness {
  runtime: Runtime;
  /** Waits until `check` holds, polling the runtime (real engines need time; the fake is instant). */
  until(check: () => Promise<boolean>, what: string): Promise<void>;
}

export function spec(over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    image: IMAGE,
    command: ['sh', '-c', 'sleep 300'],
    init: true,
    environment: {},
    labels: {},
    ports: [],
    volumes: [],
    networks: {},
    depends_on: {},
    ...over,
  };
}

export function uniqueProject(): string {
  return `fizzt${randomBytes(4).toString('hex')}`;
}

export function request(
  project: string,
  service: string,
  replica: number,
  over: Partial<ServiceSpec> = {},
  extra: Partial<CreateRequest> = {},
): CreateRequest {
  return {
    slot: { project, service, replica },
    name: `${project}-${service}-${replica + 1}`,
    spec: spec(over),
    specHash: 'hash1',
    networks: [],
    volumeNames: {},
    labels: { [LABELS.node]: 'node-a' },
    ...extra,
  };
}

/** Removes every container, network and volume labelled with `project`. */
export async function cleanup(rt: Runtime, project: string): Promise<void> {
  for (const c of await rt.list(project))
    await rt.remove(c.id, { force: true, volumes: true }).catch(() => {});
  const res = await rt.projectResources(project);
  for (const n of res.networks) await rt.removeNetwork(n).catch(() => {});
  for (const v of res.volumes) await rt.removeVolume(v).catch(() => {});
}

/** An exec's whole output per stream, and its exit code. */
export async function drain(s: ExecSession): Promise<{ stdout: string; stderr: string; code: number }> {
  const out = { stdout: '', stderr: '' };
  for await (const c of s.output) out[c.stream] += c.data.toString('utf8');
  return { ...out, code: await s.exitCode() };
}

async function collect(it: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of it) out.push(l);
  return out;
}

export function complianceSuite(name: string, make: () => Harness, opts: { skip?: string } = {}): void {
  const title = opts.skip ? `${name} compliance (skipped: ${opts.skip})` : `${name} compliance`;
  describe(title, { skip: opts.skip ?? false }, () => {
    const h = opts.skip ? undefined : make();
    const projects: string[] = [];
    const project = () => {
      const p = uniqueProject();
      projects.push(p);
      return p;
    };
    after(async () => {
      if (h) for (const p of projects) await cleanup(h.runtime, p);
    });

    test('create labels the container and leaves it created; list filters by project', async () => {
      const rt = h!.runtime;
      const p = project();
      const id = await rt.create(request(p, 'web', 1, { labels: { 'com.example.team': 'shop' } }));
      const c = await rt.inspect(id);
      assert.ok(c);
      assert.equal(c.name, `${p}-web-2`);
      assert.equal(c.state, 'created');
      assert.equal(c.image, IMAGE);
      assert.equal(c.labels[LABELS.project], p);
      assert.equal(c.labels[LABELS.service], 'web');
      assert.equal(c.labels[LABELS.slot], '1');
      assert.equal(c.labels[LABELS.specHash], 'hash1');
      assert.equal(c.labels[LABELS.node], 'node-a');
      assert.equal(c.labels[LABELS.composeProject], p);
      assert.equal(c.labels[LABELS.composeService], 'web');
      assert.equal(c.labels[LABELS.composeNumber], '2');
      assert.equal(c.labels['com.example.team'], 'shop');
      assert.deepEqual(
        (await rt.list(p)).map((x) => x.id),
        [id],
      );
      assert.ok((await rt.list()).some((x) => x.id === id));
      assert.deepEqual(await rt.list(`${p}x`), []);
      assert.equal(await rt.inspect(`${id}nope`), undefined);
    });

    test('start, stop, start again, restart, remove', async () => {
      const rt = h!.runtime;
      const p = project();
      const id = await rt.create(request(p, 'web', 0));
      await rt.start(id);
      assert.equal((await rt.inspect(id))!.state, 'running');
      assert.ok((await rt.inspect(id))!.startedAt! > 0);
      await rt.start(id); // starting a running container is not an error
      await rt.stop(id, 1000);
      const stopped = (await rt.inspect(id))!;
      assert.equal(stopped.state, 'exited');
      assert.equal(typeof stopped.exitCode, 'number');
      await rt.stop(id, 1000); // nor is stopping a stopped one
      await rt.start(id);
      await rt.restart(id, 1000);
      assert.equal((await rt.inspect(id))!.state, 'running');
      await assert.rejects(rt.remove(id), { name: 'EngineError' });
      await rt.remove(id, { force: true });
      assert.equal(await rt.inspect(id), undefined);
      await assert.rejects(rt.remove(id), { name: 'ContainerNotFoundError' });
      await assert.rejects(rt.start(id), { name: 'ContainerNotFoundError' });
    });

    test('a missing image is an ImageNotFoundError naming it, and nothing is created', async () => {
      const rt = h!.runtime;
      const p = project();
      const image = 'fizz/not-there:1.0';
      await assert.rejects(rt.create(request(p, 'web', 0, { image })), (err: Error & { image?: string }) => {
        assert.equal(err.name, 'ImageNotFoundError');
        assert.equal(err.image, image);
        assert.match(err.message, /fizz\/not-there:1\.0/);
        return true;
      });
      assert.deepEqual(await rt.list(p), []);
      assert.equal(await rt.hasImage(image), false);
      assert.equal(await rt.hasImage(IMAGE), true);
    });

    test('a taken host port is a PortInUseError naming the port', async () => {
      const rt = h!.runtime;
      const p = project();
      const port = 20000 + (Number.parseInt(p.slice(-4), 16) % 20000);
      const ports = [{ mode: 'ingress', target: 80, published: String(port), protocol: 'tcp' }];
      const a = await rt.create(request(p, 'web', 0, { ports }));
      const b = await rt.create(request(p, 'web', 1, { ports }));
      await rt.start(a);
      await assert.rejects(rt.start(b), (err: Error & { port?: number }) => {
        assert.equal(err.name, 'PortInUseError');
        assert.equal(err.port, port);
        assert.match(err.message, new RegExp(String(port)));
        return true;
      });
      const info = (await rt.inspect(a))!;
      assert.ok(info.ports.some((x) => x.target === 80 && x.published === port && x.protocol === 'tcp'));
    });

    test('a taken container name is a NameConflictError', async () => {
      const rt = h!.runtime;
      const p = project();
      await rt.create(request(p, 'web', 0));
      await assert.rejects(rt.create(request(p, 'web', 0)), { name: 'NameConflictError' });
    });

    test('networks and volumes: idempotent ensure, listed by project, idempotent remove', async () => {
      const rt = h!.runtime;
      const p = project();
      await rt.ensureNetwork(`${p}_default`, { project: p });
      await rt.ensureNetwork(`${p}_default`, { project: p });
      await rt.ensureNetwork(`${p}_back`, { project: p, labels: { x: 'y' } });
      await rt.ensureVolume(`${p}_data`, { project: p });
      await rt.ensureVolume(`${p}_data`, { project: p });
      assert.deepEqual(await rt.projectResources(p), {
        networks: [`${p}_back`, `${p}_default`],
        volumes: [`${p}_data`],
      });
      const id = await rt.create(
        request(
          p,
          'web',
          0,
          { volumes: [{ type: 'volume', source: 'data', target: '/data' }] },
          {
            networks: [
              { name: `${p}_default`, aliases: ['web'] },
              { name: `${p}_back`, aliases: ['web', 'api'] },
            ],
            volumeNames: { data: `${p}_data` },
          },
        ),
      );
      await rt.start(id);
      await rt.remove(id, { force: true });
      await rt.removeNetwork(`${p}_back`);
      await rt.removeNetwork(`${p}_back`);
      await rt.removeVolume(`${p}_data`);
      await rt.removeVolume(`${p}_data`);
      assert.deepEqual(await rt.projectResources(p), { networks: [`${p}_default`], volumes: [] });
    });

    test('logs: both streams, demultiplexed, with tail and timestamps', async () => {
      const rt = h!.runtime;
      const p = project();
      const id = await rt.create(
        request(p, 'job', 0, { command: ['sh', '-c', 'echo one; echo two >&2; echo three'] }),
      );
      await rt.start(id);
      await h!.until(async () => (await rt.inspect(id))!.state === 'exited', 'job exits');
      const lines = await collect(rt.logs(id, {}));
      assert.deepEqual(lines.map((l) => [l.stream, l.text]).sort(), [
        ['stderr', 'two'],
        ['stdout', 'one'],
        ['stdout', 'three'],
      ]);
      assert.ok(lines.every((l) => l.containerId === id));
      const tail = await collect(rt.logs(id, { tail: 1 }));
      assert.equal(tail.length, 1);
      const stamped = await collect(rt.logs(id, { timestamps: true }));
      assert.equal(stamped.length, 3);
      for (const l of stamped)
        assert.ok(typeof l.time === 'number' && l.time > 0 && !/^\d{4}-/.test(l.text), l.text);
      assert.equal((await rt.inspect(id))!.exitCode, 0);
    });

    test('logs with follow end when the container stops', async () => {
      const rt = h!.runtime;
      const p = project();
      const id = await rt.create(request(p, 'web', 0, { command: ['sh', '-c', 'echo ready; sleep 300'] }));
      await rt.start(id);
      const seen: string[] = [];
      const reading = (async () => {
        for await (const l of rt.logs(id, { follow: true })) {
          seen.push(l.text);
        }
      })();
      await h!.until(async () => seen.includes('ready'), 'first line followed');
      await rt.stop(id, 1000);
      await reading;
      assert.deepEqual(seen, ['ready']);
    });

    test('a reader that stops following early releases the stream', async () => {
      const rt = h!.runtime;
      const p = project();
      const id = await rt.create(
        request(p, 'web', 0, { command: ['sh', '-c', 'echo first; echo second; sleep 300'] }),
      );
      await rt.start(id);
      await h!.until(async () => (await collect(rt.logs(id, {}))).length === 2, 'two lines written');
      const seen: string[] = [];
      for await (const l of rt.logs(id, { follow: true })) {
        seen.push(l.text);
        break;
      }
      assert.deepEqual(seen, ['first']);
      // Not iterating at all asks nothing of the engine and holds nothing open.
      rt.logs(id, { follow: true });
      await rt.remove(id, { force: true });
    });

    test('events report create, start and die of Fizz containers until aborted', async () => {
      const rt = h!.runtime;
      const p = project();
      const ac = new AbortController();
      const seen: Array<[string, string]> = [];
      const stream = rt.events(ac.signal)[Symbol.asyncIterator]();
      const first = stream.next(); // subscribes
      const reading = (async () => {
        let r = await first;
        while (!r.done) {
          if (r.value.labels[LABELS.project] === p) seen.push([r.value.action, r.value.containerId]);
          r = await stream.next();
        }
      })();
      // Give a real engine's event stream a moment to attach before acting.
      await h!.until(async () => true, 'subscribed');
      await new Promise((r) => setTimeout(r, 200));
      const id = await rt.create(request(p, 'web', 0));
      await rt.start(id);
      await rt.stop(id, 1000);
      await h!.until(async () => seen.some(([a]) => a === 'die'), 'die event');
      ac.abort();
      await reading;
      const actions = seen.filter(([, cid]) => cid === id).map(([a]) => a);
      for (const a of ['create', 'start', 'die'])
        assert.ok(actions.includes(a), `${a} in ${actions.join(',')}`);
    });

    test('a network that does not exist fails create or start, without blaming the image or a container', async () => {
      const rt = h!.runtime;
      const p = project();
      // The engine refuses at create or at start, depending on its version.
      await assert.rejects(
        (async () => {
          const id = await rt.create(
            request(p, 'web', 0, {}, { networks: [{ name: `${p}_missing`, aliases: [] }] }),
          );
          await rt.start(id);
        })(),
        (err: Error) => {
          assert.equal(err.name, 'EngineError');
          assert.match(err.message, new RegExp(`${p}_missing`));
          return true;
        },
      );
    });

    test('operations on a container that does not exist: inspect gives undefined, the rest ContainerNotFoundError', async () => {
      const rt = h!.runtime;
      const ghost = `${project()}-ghost`;
      assert.equal(await rt.inspect(ghost), undefined);
      for (const op of [
        () => rt.stop(ghost),
        () => rt.restart(ghost),
        () => rt.remove(ghost, { force: true }),
      ])
        await assert.rejects(op(), { name: 'ContainerNotFoundError' });
      await assert.rejects(collect(rt.logs(ghost, {})), { name: 'ContainerNotFoundError' });
    });

    test('exec: output, stdin until its end, exit code; refused in a stopped or missing container', async () => {
      const rt = h!.runtime;
      const p = project();
      const id = await rt.create(request(p, 'web', 0));
      await rt.start(id);
      const echo = await drain(
        await rt.exec(id, { cmd: ['echo', 'hello', 'there'], tty: false, stdin: false }),
      );
      assert.deepEqual(echo, { stdout: 'hello there\n', stderr: '', code: 0 });
      const cat = await rt.exec(id, { cmd: ['cat'], tty: false, stdin: true });
      await cat.write(Buffer.from('one\n'));
      await cat.write(Buffer.from('two\n'));
      cat.endInput();
      assert.deepEqual(await drain(cat), { stdout: 'one\ntwo\n', stderr: '', code: 0 });
      const exit = await drain(await rt.exec(id, { cmd: ['sh', '-c', 'exit 3'], tty: false, stdin: false }));
      assert.equal(exit.code, 3);
      await rt.stop(id, 1000);
      await assert.rejects(rt.exec(id, { cmd: ['echo'], tty: false, stdin: false }), { name: 'EngineError' });
      await assert.rejects(rt.exec(`${id}gone`, { cmd: ['echo'], tty: false, stdin: false }), {
        name: 'ContainerNotFoundError',
      });
    });

    test('kill, pause, unpause, top and imageInfo', async () => {
      const rt = h!.runtime;
      const p = project();
      const id = await rt.create(request(p, 'web', 0, { command: ['sleep', '300'] }));
      await rt.start(id);
      const top = await rt.top(id);
      assert.ok(top.titles.includes('PID'), top.titles.join(' '));
      const cmd = top.titles.indexOf('CMD');
      assert.ok(cmd >= 0, top.titles.join(' '));
      assert.ok(
        top.processes.some((row) => row[cmd]?.includes('sleep 300')),
        JSON.stringify(top.processes),
      );
      await rt.pause(id);
      assert.equal((await rt.inspect(id))!.state, 'paused');
      await rt.unpause(id);
      assert.equal((await rt.inspect(id))!.state, 'running');
      await rt.kill(id, 'SIGKILL');
      await h!.until(async () => (await rt.inspect(id))!.state === 'exited', 'killed');
      assert.equal((await rt.inspect(id))!.exitCode, 137);
      await assert.rejects(rt.kill(id, 'SIGKILL'), { name: 'EngineError' }); // not running
      await assert.rejects(rt.kill(`${id}nope`, 'SIGKILL'), { name: 'ContainerNotFoundError' });
      const image = await rt.imageInfo(IMAGE);
      assert.ok(image);
      assert.match(image.id, /^sha256:[0-9a-f]{64}$/);
      assert.ok(image.repoTags.includes(IMAGE));
      assert.ok(image.size > 0);
      assert.equal(await rt.imageInfo('fizz/not-here:0'), undefined);
    });

    test('info names the engine and the API version in use', async () => {
      const i = await h!.runtime.info();
      assert.ok(i.engineVersion.length > 0);
      assert.match(i.apiVersion, /^1\.\d+$/);
    });
  });
}
