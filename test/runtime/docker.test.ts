/**
 * DockerRuntime against the real engine (`bash scripts/ensure-docker.sh` starts one).
 * Set FIZZ_SKIP_DOCKER=1 to skip; the skipped tests say so in their names.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { DockerRuntime } from '../../src/runtime/docker.js';
import { LABELS } from '../../src/runtime/types.js';
import { cleanup, complianceSuite, IMAGE, request, uniqueProject } from './compliance.js';

const SKIP = process.env.FIZZ_SKIP_DOCKER === '1' ? 'FIZZ_SKIP_DOCKER=1' : undefined;

async function until(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting: ${what}`);
}

complianceSuite('DockerRuntime', () => ({ runtime: new DockerRuntime(), until }), SKIP ? { skip: SKIP } : {});

describe(SKIP ? `DockerRuntime on the real engine (skipped: ${SKIP})` : 'DockerRuntime on the real engine', {
  skip: SKIP ?? false,
}, () => {
  const rt = SKIP ? undefined! : new DockerRuntime();
  const projects: string[] = [];
  const project = () => {
    const p = uniqueProject();
    projects.push(p);
    return p;
  };
  after(async () => {
    if (!SKIP) for (const p of projects) await cleanup(rt, p);
  });

  test('negotiates the API version with the engine (min of client max and engine)', async () => {
    const raw = (await rt.docker.version()) as { ApiVersion: string };
    const info = await rt.info();
    assert.equal(
      info.apiVersion,
      raw.ApiVersion.localeCompare('1.45', undefined, { numeric: true }) < 0 ? raw.ApiVersion : '1.45',
    );
    const old = new DockerRuntime({ clientMaxApi: '1.40' });
    assert.equal((await old.info()).apiVersion, '1.40');
    assert.ok(Array.isArray(await old.list()));
  });

  test('an engine that does not answer is an EngineUnreachableError saying how to start one', async () => {
    const gone = new DockerRuntime({ socket: '/nonexistent/fizz-test.sock' });
    await assert.rejects(gone.list(), (err: Error) => {
      assert.equal(err.name, 'EngineUnreachableError');
      assert.match(err.message, /\/nonexistent\/fizz-test\.sock/);
      assert.match(err.message, /systemctl start docker|dockerd/);
      assert.match(err.message, /make docker/);
      return true;
    });
  });

  test('DOCKER_HOST is honoured, and an explicit socket wins over it', async () => {
    const viaEnv = new DockerRuntime({ env: { DOCKER_HOST: 'unix:///var/run/docker.sock' } });
    assert.ok(Array.isArray(await viaEnv.list()));
    const badEnv = new DockerRuntime({ env: { DOCKER_HOST: 'unix:///nonexistent/env.sock' } });
    await assert.rejects(badEnv.list(), { name: 'EngineUnreachableError' });
    const socketWins = new DockerRuntime({
      socket: '/var/run/docker.sock',
      env: { DOCKER_HOST: 'unix:///nonexistent/env.sock' },
    });
    assert.ok(Array.isArray(await socketWins.list()));
  });

  test('the service’s settings reach the engine', async () => {
    const p = project();
    await rt.ensureNetwork(`${p}_default`, { project: p });
    await rt.ensureNetwork(`${p}_back`, { project: p });
    await rt.ensureVolume(`${p}_data`, { project: p });
    const id = await rt.create(
      request(
        p,
        'api',
        0,
        {
          environment: { GREETING: 'hello', EMPTY: '' },
          working_dir: '/tmp',
          user: '65534',
          hostname: 'apihost',
          stop_signal: 'SIGINT',
          stop_grace_period: 3_500_000_000,
          restart: 'on-failure:2',
          mem_limit: 64 * 1024 * 1024,
          cpus: 0.5,
          pids_limit: 50,
          cap_drop: ['NET_RAW'],
          extra_hosts: { 'db.local': ['10.1.2.3'] },
          volumes: [
            { type: 'volume', source: 'data', target: '/data' },
            { type: 'tmpfs', target: '/scratch', tmpfs: { size: 1024 * 1024 } },
          ],
          healthcheck: { test: ['CMD', 'true'], interval: 300_000_000, retries: 2 },
          // Carried by the loader without a typed field:
          ...({
            security_opt: ['no-new-privileges:true'],
            cpu_shares: 512,
            mem_reservation: 32 * 1024 * 1024,
            group_add: [1001],
          } as object),
        },
        {
          networks: [
            { name: `${p}_default`, aliases: ['api'] },
            { name: `${p}_back`, aliases: ['api', 'backend-api'] },
          ],
          volumeNames: { data: `${p}_data` },
        },
      ),
    );
    const raw = (await rt.docker.getContainer(id).inspect()) as unknown as {
      Config: Record<string, unknown> & { Env: string[]; Healthcheck: Record<string, unknown> };
      HostConfig: Record<string, unknown> & {
        RestartPolicy: Record<string, unknown>;
        Mounts: Array<Record<string, unknown>>;
      };
      NetworkSettings: { Networks: Record<string, { Aliases: string[] | null }> };
    };
    assert.ok(raw.Config.Env.includes('GREETING=hello'));
    assert.ok(raw.Config.Env.includes('EMPTY='));
    assert.equal(raw.Config.WorkingDir, '/tmp');
    assert.equal(raw.Config.User, '65534');
    assert.equal(raw.Config.Hostname, 'apihost');
    assert.equal(raw.Config.StopSignal, 'SIGINT');
    assert.equal(raw.Config.StopTimeout, 4);
    assert.deepEqual(raw.Config.Healthcheck.Test, ['CMD', 'true']);
    assert.equal(raw.Config.Healthcheck.Interval, 300_000_000);
    assert.deepEqual(raw.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
    assert.equal(raw.HostConfig.Memory, 64 * 1024 * 1024);
    assert.equal(raw.HostConfig.NanoCpus, 500_000_000);
    assert.equal(raw.HostConfig.PidsLimit, 50);
    assert.equal(raw.HostConfig.Init, true);
    assert.deepEqual(raw.HostConfig.CapDrop, ['NET_RAW']);
    assert.deepEqual(raw.HostConfig.ExtraHosts, ['db.local:10.1.2.3']);
    assert.deepEqual(raw.HostConfig.SecurityOpt, ['no-new-privileges:true']);
    assert.equal(raw.HostConfig.CpuShares, 512);
    assert.equal(raw.HostConfig.MemoryReservation, 32 * 1024 * 1024);
    assert.deepEqual(raw.HostConfig.GroupAdd, ['1001']);
    assert.deepEqual(
      raw.HostConfig.Mounts.map((m) => [m.Type, m.Source ?? '', m.Target]),
      [
        ['volume', `${p}_data`, '/data'],
        ['tmpfs', '', '/scratch'],
      ],
    );
    assert.deepEqual(Object.keys(raw.NetworkSettings.Networks).sort(), [`${p}_back`, `${p}_default`]);
    assert.ok(raw.NetworkSettings.Networks[`${p}_back`]!.Aliases!.includes('backend-api'));
    await rt.start(id);
    await until(async () => (await rt.inspect(id))!.health === 'healthy', 'healthy');
    assert.equal((await rt.list(p))[0]!.health, 'healthy');
  });

  test('a named volume keeps data between containers; aliases resolve on the project network', async () => {
    const p = project();
    await rt.ensureNetwork(`${p}_default`, { project: p });
    await rt.ensureVolume(`${p}_data`, { project: p });
    const common = {
      networks: [{ name: `${p}_default`, aliases: ['store'] }],
      volumeNames: { data: `${p}_data` },
    };
    const vols = [{ type: 'volume' as const, source: 'data', target: '/data' }];
    const writer = await rt.create(
      request(
        p,
        'store',
        0,
        { command: ['sh', '-c', 'echo kept > /data/f; httpd -f -p 80 -h /data'], volumes: vols },
        common,
      ),
    );
    await rt.start(writer);
    const reader = await rt.create(
      request(
        p,
        'reader',
        0,
        {
          command: [
            'sh',
            '-c',
            'for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://store/f && exit 0; sleep 0.3; done; exit 1',
          ],
        },
        { networks: [{ name: `${p}_default`, aliases: ['reader'] }] },
      ),
    );
    await rt.start(reader);
    await until(async () => (await rt.inspect(reader))!.state === 'exited', 'reader done');
    assert.equal((await rt.inspect(reader))!.exitCode, 0);
    const out: string[] = [];
    for await (const l of rt.logs(reader, {})) out.push(l.text);
    assert.deepEqual(out, ['kept']);
  });

  test('a TTY container’s output is not multiplexed: it all comes as stdout', async () => {
    const p = project();
    const id = await rt.create(
      request(p, 'tty', 0, { tty: true, command: ['sh', '-c', 'echo a; echo b >&2'] }),
    );
    await rt.start(id);
    await until(async () => (await rt.inspect(id))!.state === 'exited', 'tty job exits');
    const lines: string[] = [];
    for await (const l of rt.logs(id, {})) lines.push(`${l.stream}:${l.text}`);
    assert.deepEqual(lines, ['stdout:a', 'stdout:b']);
  });

  test('a followed quiet container: stopping the reader ends the read at once', async () => {
    const p = project();
    const id = await rt.create(request(p, 'quiet', 0, { command: ['sh', '-c', 'echo hi; exec sleep 3600'] }));
    await rt.start(id);
    const it = rt.logs(id, { follow: true })[Symbol.asyncIterator]();
    assert.equal((await it.next()).value?.text, 'hi');
    const waiting = it.next(); // no more output will come
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<'stuck'>((resolve) => {
      timer = setTimeout(() => resolve('stuck'), 20_000);
    });
    try {
      const outcome = await Promise.race([it.return!().then(() => 'returned' as const), stuck]);
      assert.equal(outcome, 'returned', 'return() waited for a line that never comes');
      assert.equal((await waiting).done, true);
    } finally {
      clearTimeout(timer);
    }
  });

  test('labels carry the slot, so list finds containers by project only', async () => {
    const p = project();
    const q = project();
    const a = await rt.create(request(p, 'web', 0));
    const b = await rt.create(request(q, 'web', 0));
    const inP = await rt.list(p);
    assert.deepEqual(
      inP.map((c) => c.id),
      [a],
    );
    assert.equal(inP[0]!.labels[LABELS.slot], '0');
    assert.ok((await rt.list(q)).every((c) => c.id === b));
    assert.equal((await rt.inspect(a))!.image, IMAGE);
  });
});
