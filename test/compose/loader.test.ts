/** The loader end to end on temporary projects: discovery, files, environment, names. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempProject } from './helpers.js';

test('discovers compose.yaml in a parent directory, with its override file', async () => {
  const p = tempProject({
    'compose.yaml': 'services:\n  web:\n    image: nginx\n',
    'compose.override.yaml': 'services:\n  web:\n    environment: [A=1]\n',
    'sub/deeper/.keep': '',
  });
  try {
    const project = await p.load({ cwd: join(p.dir, 'sub', 'deeper') });
    assert.equal(project.name, 'proj');
    assert.equal(project.workingDir, p.dir);
    assert.deepEqual(project.services.web!.environment, { A: '1' });
  } finally {
    p.cleanup();
  }
});

test('prefers compose.yaml over docker-compose.yml and reports a missing file clearly', async () => {
  const p = tempProject({
    'compose.yaml': 'services:\n  a:\n    image: a\n',
    'docker-compose.yml': 'services:\n  b:\n    image: b\n',
  });
  try {
    assert.deepEqual(Object.keys((await p.load()).services), ['a']);
    const err = await p.fail({ cwd: '/' });
    assert.equal(err.errors[0]!.name, 'ComposeFileNotFoundError');
  } finally {
    p.cleanup();
  }
});

test('several -f files merge by the compose-spec rules', async () => {
  const p = tempProject({
    'base.yaml': `
services:
  web:
    image: nginx
    command: ["a", "b"]
    ports: ["8080:80"]
    volumes: ["./x:/data"]
    environment: {A: "1", B: "2"}
    labels: [one=1]
    dns: [1.1.1.1]
`,
    'over.yaml': `
services:
  web:
    image: nginx:2
    command: echo hi
    ports: ["8080:80", "9090:90"]
    volumes: ["./y:/data"]
    environment: {B: "3"}
    labels: {two: "2"}
    dns: [1.1.1.1, 8.8.8.8]
`,
  });
  try {
    const web = (await p.load({ files: ['base.yaml', 'over.yaml'] })).services.web!;
    assert.equal(web.image, 'nginx:2');
    assert.deepEqual(web.command, ['echo', 'hi']);
    assert.deepEqual(
      web.ports.map((x) => x.published),
      ['8080', '9090'],
    );
    assert.equal(web.volumes.length, 1);
    assert.equal(web.volumes[0]!.source, join(p.dir, 'y'));
    assert.deepEqual(web.environment, { A: '1', B: '3' });
    assert.deepEqual(web.labels, { one: '1', two: '2' });
    assert.deepEqual(web.dns, ['1.1.1.1', '8.8.8.8']);
  } finally {
    p.cleanup();
  }
});

test('!reset and !override in an override file', async () => {
  const p = tempProject({
    'a.yaml': 'services:\n  web:\n    image: x\n    ports: ["80:80"]\n    environment: {A: "1", B: "2"}\n',
    'b.yaml': 'services:\n  web:\n    ports: !reset []\n    environment: !override {C: "3"}\n',
  });
  try {
    const web = (await p.load({ files: ['a.yaml', 'b.yaml'] })).services.web!;
    assert.deepEqual(web.ports, []);
    assert.deepEqual(web.environment, { C: '3' });
  } finally {
    p.cleanup();
  }
});

test('-f - reads standard input', async () => {
  const p = tempProject();
  try {
    const project = await p.load({
      files: ['-'],
      stdin: async () => 'services:\n  s:\n    image: busybox\n',
    });
    assert.deepEqual(Object.keys(project.services), ['s']);
  } finally {
    p.cleanup();
  }
});

test('project name: flag, then COMPOSE_PROJECT_NAME, then name:, then the directory (normalized)', async () => {
  const p = tempProject(
    { 'compose.yaml': 'name: fromfile\nservices:\n  a:\n    image: a\n' },
    'My.Project_Dir',
  );
  const q = tempProject({ 'compose.yaml': 'services:\n  a:\n    image: a\n' }, 'My.Project_Dir');
  try {
    assert.equal((await p.load({ projectName: 'flag' })).name, 'flag');
    assert.equal((await p.load({ env: { COMPOSE_PROJECT_NAME: 'envname' } })).name, 'envname');
    assert.equal((await p.load()).name, 'fromfile');
    assert.equal((await q.load()).name, 'myproject_dir');
    const err = await q.fail({ projectName: 'Bad Name' });
    assert.equal(err.errors[0]!.name, 'ComposeProjectNameError');
    const project = await q.load({ projectName: 'x' });
    assert.equal(project.networks.default!.name, 'x_default');
  } finally {
    p.cleanup();
    q.cleanup();
  }
});

test('.env is read from the project directory; the process environment wins; --env-file replaces it', async () => {
  const p = tempProject({
    'compose.yaml': 'services:\n  a:\n    image: "img:${TAG}"\n    environment: ["X=${X:-none}"]\n',
    '.env': 'TAG=fromdotenv\nX=dot\n',
    'other.env': 'TAG=fromother\n',
  });
  try {
    assert.equal((await p.load()).services.a!.image, 'img:fromdotenv');
    assert.equal((await p.load({ env: { TAG: 'fromprocess' } })).services.a!.image, 'img:fromprocess');
    const viaFile = await p.load({ envFiles: ['other.env'] });
    assert.equal(viaFile.services.a!.image, 'img:fromother');
    assert.deepEqual(viaFile.services.a!.environment, { X: 'none' });
    const err = await p.fail({ envFiles: ['missing.env'] });
    assert.equal(err.errors[0]!.name, 'ComposeFileNotFoundError');
  } finally {
    p.cleanup();
  }
});

test('env_file: merged under environment, required and format honoured', async () => {
  const p = tempProject({
    'compose.yaml': `
services:
  a:
    image: a
    env_file:
      - common.env
      - path: optional.env
        required: false
      - path: raw.env
        format: raw
    environment:
      B: own
      FROM_PROCESS:
`,
    'common.env': 'A=1\nB=2\nQ="quoted $A"\n',
    'raw.env': 'R="kept as is"\n',
  });
  try {
    const env = (await p.load({ env: { FROM_PROCESS: 'p' } })).services.a!.environment;
    assert.deepEqual(env, { A: '1', B: 'own', Q: 'quoted 1', R: '"kept as is"', FROM_PROCESS: 'p' });
    p.write('compose.yaml', 'services:\n  a:\n    image: a\n    env_file: [nope.env]\n');
    const err = await p.fail();
    assert.equal(err.errors[0]!.name, 'ComposeFileNotFoundError');
    assert.equal(err.errors[0]!.path, 'services.a.env_file[0]');
  } finally {
    p.cleanup();
  }
});

test('profiles: --profile and COMPOSE_PROFILES enable services; * enables all', async () => {
  const p = tempProject({
    'compose.yaml': `
services:
  web: {image: w}
  debug: {image: d, profiles: [debug]}
  tools: {image: t, profiles: [tools, ops]}
`,
  });
  try {
    assert.deepEqual(Object.keys((await p.load()).services), ['web']);
    assert.deepEqual(Object.keys((await p.load({ profiles: ['debug'] })).services), ['web', 'debug']);
    assert.deepEqual(Object.keys((await p.load({ env: { COMPOSE_PROFILES: 'ops,debug' } })).services), [
      'web',
      'debug',
      'tools',
    ]);
    assert.equal(Object.keys((await p.load({ profiles: ['*'] })).services).length, 3);
  } finally {
    p.cleanup();
  }
});

test('a service depending on a disabled one is an error unless the dependency is optional', async () => {
  const p = tempProject({
    'compose.yaml': `
services:
  web: {image: w, depends_on: [db]}
  db: {image: d, profiles: [db]}
`,
  });
  try {
    const err = await p.fail();
    assert.equal(err.errors[0]!.name, 'ComposeUndefinedReferenceError');
    assert.match(
      err.errors[0]!.reason,
      /depends on service "db", which is not enabled by the active profiles/,
    );
    assert.match(err.errors[0]!.expected!, /--profile db/);
    p.write(
      'compose.yaml',
      'services:\n  web: {image: w, depends_on: {db: {condition: service_started, required: false}}}\n  db: {image: d, profiles: [db]}\n',
    );
    assert.deepEqual((await p.load()).services.web!.depends_on, {});
  } finally {
    p.cleanup();
  }
});

test('include: a sub-project with its own directory and env file', async () => {
  const p = tempProject({
    'compose.yaml':
      'include:\n  - path: lib/compose.yaml\n    env_file: lib/lib.env\nservices:\n  app: {image: app, depends_on: [db]}\n',
    'lib/compose.yaml':
      'services:\n  db:\n    image: "postgres:${PGV}"\n    volumes: ["./data:/var/lib/postgresql/data"]\n',
    'lib/lib.env': 'PGV=16\n',
  });
  try {
    const project = await p.load();
    assert.equal(project.services.db!.image, 'postgres:16');
    assert.equal(project.services.db!.volumes[0]!.source, join(p.dir, 'lib', 'data'));
  } finally {
    p.cleanup();
  }
});

test('extends: another file, recursively, with paths relative to that file; cycles rejected', async () => {
  const p = tempProject({
    'compose.yaml':
      'services:\n  web:\n    extends: {file: base/common.yaml, service: web}\n    environment: [MODE=prod]\n',
    'base/common.yaml':
      'services:\n  root:\n    image: nginx\n    build: ./ctx\n  web:\n    extends: root\n    environment: [MODE=dev, LEVEL=1]\n',
  });
  try {
    const web = (await p.load()).services.web!;
    assert.equal(web.image, 'nginx');
    assert.equal(web.build!.context, join(p.dir, 'base', 'ctx'));
    assert.deepEqual(web.environment, { MODE: 'prod', LEVEL: '1' });
    p.write('compose.yaml', 'services:\n  a: {extends: b, image: x}\n  b: {extends: a}\n');
    const err = await p.fail();
    assert.ok(
      err.errors.some((e) => e.name === 'ComposeCycleError'),
      err.message,
    );
  } finally {
    p.cleanup();
  }
});

test('docker-compose.yml with docker-compose.override.yml; --project-directory moves .env and relative paths', async () => {
  const p = tempProject({
    'docker-compose.yml': 'services:\n  a:\n    image: "a:${TAG}"\n    volumes: ["./d:/d"]\n',
    'docker-compose.override.yml': 'services:\n  a:\n    labels: [x=y]\n',
    '.env': 'TAG=here\n',
    'elsewhere/.env': 'TAG=there\n',
  });
  try {
    const a = (await p.load()).services.a!;
    assert.deepEqual([a.image, a.labels], ['a:here', { x: 'y' }]);
    const moved = await p.load({ files: ['docker-compose.yml'], projectDirectory: 'elsewhere' });
    assert.equal(moved.name, 'elsewhere');
    assert.equal(moved.services.a!.image, 'a:there');
    assert.equal(moved.services.a!.volumes[0]!.source, join(p.dir, 'elsewhere', 'd'));
    assert.deepEqual(moved.services.a!.labels, {});
  } finally {
    p.cleanup();
  }
});

test('COMPOSE_FILE names the files when no -f is given', async () => {
  const p = tempProject({
    'one.yaml': 'services:\n  one: {image: x}\n',
    'two.yaml': 'services:\n  two: {image: y}\n',
  });
  try {
    const project = await p.load({ env: { COMPOSE_FILE: 'one.yaml:two.yaml' } });
    assert.deepEqual(Object.keys(project.services), ['one', 'two']);
  } finally {
    p.cleanup();
  }
});
