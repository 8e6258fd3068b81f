/** `fizz run`'s container: the service's definition with the command line's overrides, labelled a one-off. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from 'clipanion';
import {
  oneOffName,
  oneOffRequest,
  oneOffSpec,
  parseRunFlags,
  type RunFlags,
  runDependencies,
} from '../../src/cli/oneoff.js';
import type { ProjectSpec, ServiceSpec } from '../../src/compose/types.js';
import { translate } from '../../src/runtime/translate.js';

function svc(over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    image: 'img',
    environment: { A: '1' },
    labels: { team: 'x' },
    ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }],
    volumes: [],
    networks: { back: { aliases: ['api'], ipv4_address: '10.0.0.5' } },
    depends_on: { db: { condition: 'service_started', required: true, restart: false } },
    restart: 'always',
    command: ['serve'],
    ...over,
  };
}

function flags(over: Partial<RunFlags> = {}): RunFlags {
  return {
    command: [],
    env: [],
    volumes: [],
    publish: [],
    servicePorts: false,
    tty: false,
    stdin: true,
    labels: [],
    ...over,
  };
}

function runSpec(f: RunFlags, cwd: string): ServiceSpec {
  return oneOffSpec(svc(), parseRunFlags(f, cwd));
}

const project: ProjectSpec = {
  name: 'shop',
  services: { web: svc(), db: svc({ depends_on: {} }) },
  networks: { back: { name: 'shop_back' } },
  volumes: { data: { name: 'shop_data' } },
} as unknown as ProjectSpec;

test('run: no published ports, no restart, no fixed address; the command, tty and stdin as asked', () => {
  const spec = runSpec(flags({ command: ['migrate', '--all'], tty: true }), '/src');
  assert.deepEqual(spec.ports, []);
  assert.equal(spec.restart, undefined);
  assert.deepEqual(spec.command, ['migrate', '--all']);
  assert.deepEqual(spec.networks, { back: { aliases: ['api'] } });
  assert.equal(spec.tty, true);
  assert.equal(spec.stdin_open, true);
  assert.deepEqual(runSpec(flags(), '/src').command, ['serve'], 'no command: the service’s');
});

test('run: --service-ports keeps the file’s ports, --publish adds; -e, -l, -u, -w, --entrypoint override', () => {
  const spec = runSpec(
    flags({
      servicePorts: true,
      publish: ['127.0.0.1:9000:90/udp'],
      env: ['A=2', 'B=x=y'],
      labels: ['k=v'],
      user: '1000:1000',
      workdir: '/tmp',
      entrypoint: 'sh -c',
    }),
    '/src',
  );
  assert.deepEqual(
    spec.ports.map((p) => `${p.host_ip ?? ''}:${p.published}:${p.target}/${p.protocol}`),
    [':8080:80/tcp', '127.0.0.1:9000:90/udp'],
  );
  assert.deepEqual(spec.environment, { A: '2', B: 'x=y' });
  assert.deepEqual(spec.labels, { team: 'x', k: 'v' });
  assert.equal(spec.user, '1000:1000');
  assert.equal(spec.working_dir, '/tmp');
  assert.deepEqual(spec.entrypoint, ['sh', '-c']);
  assert.deepEqual(runSpec(flags({ entrypoint: '' }), '/').entrypoint, [], '"" clears it');
});

test('run: -v binds a relative path from the working directory; named volumes too', () => {
  const spec = runSpec(flags({ volumes: ['./data:/data:ro', 'cache:/cache'] }), '/src/app');
  assert.deepEqual(
    spec.volumes.map((v) => [v.type, v.source, v.target, v.read_only ?? false]),
    [
      ['bind', '/src/app/data', '/data', true],
      ['volume', 'cache', '/cache', false],
    ],
  );
});

test('run: a bad -e, -l, --publish or -v is a usage error naming the flag', () => {
  const cases: Array<[Partial<RunFlags>, string]> = [
    [{ env: ['=1'] }, '-e'],
    [{ labels: ['novalue'] }, '-l'],
    [{ publish: ['99999:80'] }, '--publish'],
    [{ volumes: ['a:b:c:d'] }, '-v'],
  ];
  for (const [bad, flag] of cases) {
    assert.throws(
      () => parseRunFlags(flags(bad), '/'),
      (err: Error) => err instanceof UsageError && err.message.startsWith(flag),
      flag,
    );
  }
});

test('run: the container is labelled a one-off with no slot, joins without the service alias, removed on exit with -d --rm', () => {
  const spec = runSpec(flags({ volumes: ['cache:/c', 'data:/d'] }), '/');
  const name = oneOffName('shop', 'web', 'abc123');
  assert.equal(name, 'shop-web-run-abc123');
  const req = oneOffRequest(project, 'web', spec, { name, nodeId: 'n1', autoRemove: true });
  const t = translate(req);
  assert.equal(t.name, 'shop-web-run-abc123');
  const labels = t.body.Labels as Record<string, string>;
  assert.equal(labels['fizz.oneoff'], 'True');
  assert.equal(labels['com.docker.compose.oneoff'], 'True');
  assert.equal(labels['fizz.node'], 'n1');
  assert.equal(labels['fizz.project'], 'shop');
  assert.equal(labels['fizz.service'], 'web');
  assert.equal(labels.team, 'x');
  for (const k of ['fizz.slot', 'fizz.spec-hash', 'com.docker.compose.container-number'])
    assert.equal(labels[k], undefined, k);
  assert.equal(t.body.HostConfig?.AutoRemove, true);
  assert.equal(t.body.HostConfig?.RestartPolicy, undefined);
  assert.equal(t.body.StdinOnce, true);
  assert.deepEqual(t.body.NetworkingConfig, { EndpointsConfig: { shop_back: {} } });
  assert.deepEqual(req.volumeNames, { cache: 'cache', data: 'shop_data' }, 'a project volume by its name');
});

test('run: the dependencies are the services it names in depends_on', () => {
  assert.deepEqual(runDependencies(project, 'web'), ['db']);
  assert.deepEqual(runDependencies(project, 'db'), []);
});
