/**
 * `fizz config` prints keys in the order docker compose v2 does (compose-go's struct order,
 * config-order.ts): struct fields in declaration order, map keys sorted, the JSON top level
 * sorted. The content does not depend on the format.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { composeConfigModel } from '../../src/compose/render.js';
import { runFizz } from './cli-helpers.js';
import { tempProject } from './helpers.js';

const COMPOSE = `
x-common: {b: 1, a: 2}
services:
  web:
    volumes: ["./html:/html:ro", "data:/data"]
    ports: ["127.0.0.1:8080:80"]
    image: nginx
    healthcheck: {test: ["CMD", "true"], interval: 10s, retries: 3, timeout: 2s}
    environment: {Z: "1", A: "2"}
    build: {dockerfile: Dockerfile.web, context: ., args: {X: "1"}}
    command: ["run"]
    depends_on: {db: {condition: service_healthy}}
    restart: always
    deploy: {resources: {limits: {memory: 256m, cpus: "0.5"}}, replicas: 1}
  db:
    image: postgres
volumes:
  data: {driver: local, labels: {b: "1", a: "2"}}
networks:
  default: {driver: bridge, name: custom}
`;

test('fizz config keeps compose-go field order, map keys sorted', async () => {
  const p = tempProject({ 'compose.yaml': COMPOSE });
  try {
    const project = await p.load();
    const yaml = composeConfigModel(project, 'yaml');
    assert.deepEqual(Object.keys(yaml), ['name', 'services', 'networks', 'volumes', 'x-common']);
    const services = yaml.services as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(services), ['db', 'web']);
    const web = services.web!;
    assert.deepEqual(Object.keys(web), [
      'build',
      'command',
      'depends_on',
      'deploy',
      'environment',
      'healthcheck',
      'image',
      'networks',
      'ports',
      'restart',
      'volumes',
    ]);
    assert.deepEqual(Object.keys(web.build as object), ['context', 'dockerfile', 'args']);
    assert.deepEqual(Object.keys(web.environment as object), ['A', 'Z']);
    assert.deepEqual(Object.keys(web.healthcheck as object), ['test', 'timeout', 'interval', 'retries']);
    assert.deepEqual(Object.keys((web.ports as object[])[0]!), [
      'mode',
      'host_ip',
      'target',
      'published',
      'protocol',
    ]);
    const [bind, volume] = web.volumes as Array<Record<string, unknown>>;
    assert.deepEqual(Object.keys(bind!), ['type', 'source', 'target', 'read_only', 'bind']);
    assert.deepEqual(Object.keys(volume!), ['type', 'source', 'target']);
    assert.deepEqual(Object.keys(web.deploy as object), ['replicas', 'resources']);
    assert.deepEqual(Object.keys((web.depends_on as Record<string, object>).db!), ['condition', 'required']);
    const vols = yaml.volumes as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(vols.data!), ['name', 'driver', 'labels']);
    assert.deepEqual(Object.keys(vols.data!.labels as object), ['a', 'b']);
    assert.deepEqual(Object.keys((yaml.networks as Record<string, object>).default!), ['name', 'driver']);
    assert.deepEqual(Object.keys(yaml['x-common'] as object), ['a', 'b']);

    // JSON: compose-go builds the top level as a Go map, printed with sorted keys.
    const json = composeConfigModel(project, 'json');
    assert.deepEqual(Object.keys(json), ['name', 'networks', 'services', 'volumes', 'x-common']);
    assert.deepEqual(json, yaml);
    assert.deepEqual(Object.keys((json.services as Record<string, object>).web!), Object.keys(web));
  } finally {
    p.cleanup();
  }
});

test('fizz config prints the same content in YAML and JSON, in that order', async () => {
  const p = tempProject({ 'compose.yaml': COMPOSE });
  try {
    const y = await runFizz(['-f', `${p.dir}/compose.yaml`, 'config']);
    const j = await runFizz(['-f', `${p.dir}/compose.yaml`, 'config', '--format', 'json']);
    assert.equal(y.code, 0, y.err);
    assert.equal(j.code, 0, j.err);
    assert.deepEqual(parse(y.out), JSON.parse(j.out));
    assert.match(
      y.out,
      /\n {6}- type: bind\n {8}source: .*\n {8}target: \/html\n {8}read_only: true\n {8}bind:\n/,
    );
    assert.match(
      y.out,
      /\n {6}- mode: ingress\n {8}host_ip: 127\.0\.0\.1\n {8}target: 80\n {8}published: "8080"\n/,
    );
  } finally {
    p.cleanup();
  }
});
