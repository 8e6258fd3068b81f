import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ServiceSpec } from '../../src/compose/types.js';
import { healthcheck, restartPolicy, translate } from '../../src/runtime/translate.js';
import type { CreateRequest } from '../../src/runtime/types.js';

function svc(over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    image: 'img',
    environment: {},
    labels: {},
    ports: [],
    volumes: [],
    networks: {},
    depends_on: {},
    ...over,
  };
}

function req(over: Partial<ServiceSpec> = {}, extra: Partial<CreateRequest> = {}): CreateRequest {
  return {
    slot: { project: 'shop', service: 'web', replica: 2 },
    name: 'shop-web-3',
    spec: svc(over),
    specHash: 'abc',
    networks: [],
    volumeNames: {},
    labels: {},
    ...extra,
  };
}

test('a minimal service: image, env, labels, nothing else', () => {
  assert.deepEqual(translate(req()), {
    name: 'shop-web-3',
    body: {
      Image: 'img',
      Env: [],
      Labels: {
        'com.docker.compose.project': 'shop',
        'com.docker.compose.service': 'web',
        'com.docker.compose.container-number': '3',
        'fizz.project': 'shop',
        'fizz.service': 'web',
        'fizz.slot': '2',
        'fizz.spec-hash': 'abc',
      },
      HostConfig: {},
    },
    connect: [],
  });
});

test('labels: the service’s own, then compose’s and Fizz’s (which win), then the request’s', () => {
  const labels = translate(
    req({ labels: { team: 'a', 'fizz.slot': 'forged' } }, { labels: { 'fizz.node': 'n1', team: 'b' } }),
  ).body.Labels;
  assert.equal(labels['fizz.slot'], '2');
  assert.equal(labels['fizz.node'], 'n1');
  assert.equal(labels.team, 'b');
});

describe('fields', () => {
  const cases: Array<[string, Partial<ServiceSpec>, (t: ReturnType<typeof translate>) => unknown, unknown]> =
    [
      [
        'command and entrypoint',
        { command: ['a', 'b'], entrypoint: ['/x'] },
        (t) => [t.body.Cmd, t.body.Entrypoint],
        [['a', 'b'], ['/x']],
      ],
      ['null command keeps the image’s', { command: null }, (t) => 'Cmd' in t.body, false],
      [
        'environment sorted, null values left out',
        { environment: { B: '2', A: '1', C: null } },
        (t) => t.body.Env,
        ['A=1', 'B=2'],
      ],
      [
        'ports with host ip, protocols, random host port, expose',
        {
          ports: [
            { mode: 'ingress', target: 80, published: '8080', protocol: 'tcp', host_ip: '127.0.0.1' },
            { mode: 'ingress', target: 80, published: '8081', protocol: 'tcp' },
            { mode: 'ingress', target: 53, published: '5353', protocol: 'udp' },
            { mode: 'ingress', target: 9000, protocol: 'tcp' },
          ],
          expose: ['7000', '7001/udp'],
        },
        (t) => [t.body.ExposedPorts, t.body.HostConfig.PortBindings],
        [
          { '7000/tcp': {}, '7001/udp': {}, '80/tcp': {}, '53/udp': {}, '9000/tcp': {} },
          {
            '80/tcp': [
              { HostIp: '127.0.0.1', HostPort: '8080' },
              { HostIp: '', HostPort: '8081' },
            ],
            '53/udp': [{ HostIp: '', HostPort: '5353' }],
            '9000/tcp': [{ HostIp: '', HostPort: '' }],
          },
        ],
      ],
      [
        'binds, named and anonymous volumes, tmpfs mounts',
        {
          volumes: [
            { type: 'bind', source: '/srv/site', target: '/www', read_only: true },
            {
              type: 'bind',
              source: '/srv/x',
              target: '/x',
              bind: { create_host_path: false, propagation: 'rslave' },
            },
            { type: 'volume', source: 'data', target: '/data', volume: { nocopy: true } },
            { type: 'volume', target: '/anon' },
            { type: 'tmpfs', target: '/run', tmpfs: { size: 1000, mode: 0o1777 } },
            { type: 'npipe', source: 'x', target: 'y' },
          ],
          tmpfs: ['/tmp:size=64k', '/cache'],
        },
        (t) => [t.body.HostConfig.Binds, t.body.HostConfig.Mounts, t.body.HostConfig.Tmpfs],
        [
          ['/srv/site:/www:ro'],
          [
            { Type: 'bind', Source: '/srv/x', Target: '/x', BindOptions: { Propagation: 'rslave' } },
            { Type: 'volume', Source: 'shop_data', Target: '/data', VolumeOptions: { NoCopy: true } },
            { Type: 'volume', Target: '/anon' },
            { Type: 'tmpfs', Target: '/run', TmpfsOptions: { SizeBytes: 1000, Mode: 0o1777 } },
          ],
          { '/tmp': 'size=64k', '/cache': '' },
        ],
      ],
      [
        'user, working_dir, hostname, tty, stdin, signal, grace period rounded up to seconds',
        {
          user: '1000:1000',
          working_dir: '/app',
          hostname: 'h',
          domainname: 'd',
          tty: true,
          stdin_open: true,
          stop_signal: 'SIGQUIT',
          stop_grace_period: 1_500_000_000,
        },
        (t) => [
          t.body.User,
          t.body.WorkingDir,
          t.body.Hostname,
          t.body.Domainname,
          t.body.Tty,
          t.body.OpenStdin,
          t.body.StopSignal,
          t.body.StopTimeout,
        ],
        ['1000:1000', '/app', 'h', 'd', true, true, 'SIGQUIT', 2],
      ],
      [
        'resources from the top-level keys',
        { mem_limit: 1 << 20, cpus: 1.5, pids_limit: 10, shm_size: 1 << 16 },
        (t) => [
          t.body.HostConfig.Memory,
          t.body.HostConfig.NanoCpus,
          t.body.HostConfig.PidsLimit,
          t.body.HostConfig.ShmSize,
        ],
        [1 << 20, 1_500_000_000, 10, 1 << 16],
      ],
      [
        'resources from deploy.resources.limits',
        { deploy: { resources: { limits: { memory: 2048, cpus: 0.25, pids: 7 } } } },
        (t) => [t.body.HostConfig.Memory, t.body.HostConfig.NanoCpus, t.body.HostConfig.PidsLimit],
        [2048, 250_000_000, 7],
      ],
      [
        'init, privileged, read_only, caps, dns, sysctls, ulimits, extra_hosts',
        {
          init: true,
          privileged: true,
          read_only: true,
          cap_add: ['NET_ADMIN'],
          cap_drop: ['ALL'],
          dns: ['10.0.0.2'],
          dns_search: ['corp'],
          sysctls: { 'net.core.somaxconn': '1024' },
          ulimits: { nproc: 65535, nofile: { soft: 20000, hard: 40000 } },
          extra_hosts: { 'b.local': ['10.0.0.4', '::1'], 'a.local': ['10.0.0.3'] },
        },
        (t) => t.body.HostConfig,
        {
          Init: true,
          Privileged: true,
          ReadonlyRootfs: true,
          CapAdd: ['NET_ADMIN'],
          CapDrop: ['ALL'],
          Dns: ['10.0.0.2'],
          DnsSearch: ['corp'],
          Sysctls: { 'net.core.somaxconn': '1024' },
          Ulimits: [
            { Name: 'nofile', Soft: 20000, Hard: 40000 },
            { Name: 'nproc', Soft: 65535, Hard: 65535 },
          ],
          ExtraHosts: ['a.local:10.0.0.3', 'b.local:10.0.0.4', 'b.local:::1'],
        },
      ],
      [
        'logging driver and options',
        { logging: { driver: 'json-file', options: { 'max-size': '1m' } } },
        (t) => t.body.HostConfig.LogConfig,
        { Type: 'json-file', Config: { 'max-size': '1m' } },
      ],
      [
        'network_mode host',
        { network_mode: 'host' },
        (t) => [t.body.HostConfig.NetworkMode, t.body.NetworkingConfig, t.connect],
        ['host', undefined, []],
      ],
      [
        'network_mode service:db',
        { network_mode: 'service:db' },
        (t) => t.body.HostConfig.NetworkMode,
        'container:shop-db-1',
      ],
    ];
  for (const [name, over, pick, want] of cases) {
    test(name, () =>
      assert.deepEqual(pick(translate(req(over, { volumeNames: { data: 'shop_data' } }))), want),
    );
  }
});

test('networks: the first at create with its endpoint, the rest connected after', () => {
  const t = translate(
    req(
      { networks: { front: { ipv4_address: '172.30.0.5', mac_address: '02:42:ac:11:00:02' }, back: null } },
      {
        networks: [
          { name: 'shop_front', aliases: ['web'], key: 'front' },
          { name: 'shop_back', aliases: ['web', 'www'], key: 'back' },
          { name: 'ext', aliases: [] },
        ],
      },
    ),
  );
  assert.equal(t.body.HostConfig.NetworkMode, 'shop_front');
  assert.deepEqual(t.body.NetworkingConfig, {
    EndpointsConfig: {
      shop_front: {
        Aliases: ['web'],
        IPAMConfig: { IPv4Address: '172.30.0.5' },
        MacAddress: '02:42:ac:11:00:02',
      },
    },
  });
  assert.deepEqual(t.connect, [
    { network: 'shop_back', endpoint: { Aliases: ['web', 'www'] } },
    { network: 'ext', endpoint: {} },
  ]);
});

test('healthcheck: durations stay nanoseconds; disable means NONE', () => {
  assert.equal(healthcheck(undefined), undefined);
  assert.deepEqual(healthcheck({ disable: true, test: ['CMD', 'x'] }), { Test: ['NONE'] });
  assert.deepEqual(
    healthcheck({
      test: ['CMD-SHELL', 'wget -q localhost'],
      interval: 5e9,
      timeout: 1e9,
      retries: 3,
      start_period: 2e9,
      start_interval: 5e8,
    }),
    {
      Test: ['CMD-SHELL', 'wget -q localhost'],
      Interval: 5e9,
      Timeout: 1e9,
      Retries: 3,
      StartPeriod: 2e9,
      StartInterval: 5e8,
    },
  );
});

test('restart policy: restart wins, deploy.restart_policy maps any/none', () => {
  const cases: Array<[Partial<ServiceSpec>, unknown]> = [
    [{}, undefined],
    [{ restart: 'always' }, { Name: 'always' }],
    [{ restart: 'no' }, { Name: 'no' }],
    [{ restart: 'on-failure:5' }, { Name: 'on-failure', MaximumRetryCount: 5 }],
    [{ deploy: { restart_policy: { condition: 'any' } } }, { Name: 'always' }],
    [{ deploy: { restart_policy: { condition: 'none' } } }, { Name: 'no' }],
    [
      { deploy: { restart_policy: { condition: 'on-failure', max_attempts: 3 } } },
      { Name: 'on-failure', MaximumRetryCount: 3 },
    ],
    [
      { restart: 'unless-stopped', deploy: { restart_policy: { condition: 'none' } } },
      { Name: 'unless-stopped' },
    ],
  ];
  for (const [over, want] of cases) assert.deepEqual(restartPolicy(svc(over)), want, JSON.stringify(over));
});

test('keys the loader carries without a typed field reach the engine', () => {
  const spec = {
    security_opt: ['no-new-privileges:true'],
    devices: [
      '/dev/fuse',
      '/dev/sda:/dev/xvda:r',
      { source: '/dev/net/tun', target: '/dev/net/tun' },
      42,
      '',
    ],
    device_cgroup_rules: ['c 1:3 mr'],
    group_add: ['audio', 1001],
    ipc: 'shareable',
    pid: 'host',
    cgroup_parent: 'fizz.slice',
    mem_reservation: 1024,
    memswap_limit: -1,
    cpu_shares: 512,
    cpuset: '0-1',
    oom_score_adj: 100,
    oom_kill_disable: true,
    storage_opt: { size: '1G' },
    volumes_from: ['db', 'service:cache:ro', 'container:legacy'],
  } as unknown as Partial<ServiceSpec>;
  const h = translate(req(spec)).body.HostConfig;
  assert.deepEqual(h.SecurityOpt, ['no-new-privileges:true']);
  assert.deepEqual(h.Devices, [
    { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' },
    { PathOnHost: '/dev/sda', PathInContainer: '/dev/xvda', CgroupPermissions: 'r' },
    { PathOnHost: '/dev/net/tun', PathInContainer: '/dev/net/tun', CgroupPermissions: 'rwm' },
  ]);
  assert.deepEqual(h.DeviceCgroupRules, ['c 1:3 mr']);
  assert.deepEqual(h.GroupAdd, ['audio', '1001']);
  assert.deepEqual(
    [
      h.IpcMode,
      h.PidMode,
      h.CgroupParent,
      h.MemoryReservation,
      h.MemorySwap,
      h.CpuShares,
      h.CpusetCpus,
      h.OomScoreAdj,
      h.OomKillDisable,
    ],
    ['shareable', 'host', 'fizz.slice', 1024, -1, 512, '0-1', 100, true],
  );
  assert.deepEqual(h.StorageOpt, { size: '1G' });
  assert.deepEqual(h.VolumesFrom, ['shop-db-1', 'shop-cache-1:ro', 'legacy']);
});

test('carried keys of the wrong shape are left out', () => {
  const spec = {
    security_opt: 'no-new-privileges',
    devices: 'x',
    ipc: 3,
    cpu_shares: '512',
    group_add: [{}],
    storage_opt: [],
  } as unknown as Partial<ServiceSpec>;
  assert.deepEqual(translate(req(spec)).body.HostConfig, {});
});
