/** Loader errors: one class per kind, with file:line:col, key path, expectation, did-you-mean; all reported. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ComposeError } from '../../src/compose/index.js';
import { tempProject } from './helpers.js';

async function errorsOf(yaml: string, env: Record<string, string> = {}): Promise<ComposeError[]> {
  const p = tempProject({ 'compose.yaml': yaml });
  try {
    return (await p.fail({ env })).errors;
  } finally {
    p.cleanup();
  }
}

const brief = (e: ComposeError) => `${e.name} ${e.line}:${e.column} ${e.path} ${e.reason}`;

test('every schema error of a file is reported, each with line, column, path and a suggestion', async () => {
  const errors = await errorsOf(
    'services:\n  web:\n    imgae: nginx\n    ports: 80\n  db:\n    image: postgres\n    restart: sometimes\n    enviroment: [A=1]\n',
  );
  assert.deepEqual(errors.map(brief), [
    "ComposeSchemaError 3:5 services.web.imgae unknown key 'imgae'",
    'ComposeSchemaError 4:12 services.web.ports must be a list, not number 80',
    'ComposeValueError 7:14 services.db.restart invalid restart policy "sometimes"',
    "ComposeSchemaError 8:5 services.db.enviroment unknown key 'enviroment'",
  ]);
  assert.equal(errors[0]!.suggestion, 'image');
  assert.equal(errors[3]!.suggestion, 'environment');
  assert.ok(errors[0]!.message.startsWith(`${errors[0]!.file}:3:5: services.web.imgae: unknown key 'imgae'`));
  assert.match(errors[0]!.message, /did you mean 'image'\?/);
});

test('bad ports are reported together with the schema errors of the same file, in line order', async () => {
  const errors = await errorsOf('services:\n  web:\n    image: x\n    ports: ["99999:80"]\n    imgae: y\n');
  assert.deepEqual(
    errors.map((e) => `${e.name} ${e.line} ${e.path}`),
    ['ComposeValueError 4 services.web.ports[0]', 'ComposeSchemaError 5 services.web.imgae'],
  );
});

test('a YAML syntax error names its line and column', async () => {
  const [e] = await errorsOf('services:\n  web:\n    image: [unclosed\n');
  assert.equal(e!.name, 'ComposeYamlError');
  assert.ok(e!.line! >= 3, brief(e!));
});

test('an unclosed quote is reported where the quote is, not where the parser gave up', async () => {
  for (const rest of ['    init: true\n', 'volumes: {}\n', '']) {
    const [e] = await errorsOf(`services:\n  web:\n    image: "busybox\n${rest}`);
    assert.equal(brief(e!), 'ComposeYamlError 3:12 services.web.image Missing closing "quote', rest);
  }
  const [s] = await errorsOf("services:\n  web:\n    image: x\n    user: 'it''s\n    init: true\n");
  assert.equal(`${s!.line}:${s!.column} ${s!.path}`, '4:11 services.web.user');
});

test('restart: a value docker does not take is an error with the allowed values and the one meant', async () => {
  const errors = await errorsOf(
    'services:\n  a:\n    image: x\n    restart: allways\n  b:\n    image: x\n    restart: on-failure:3\n  c:\n    image: x\n    restart: unless-stopped\n  d:\n    image: x\n    restart: "no"\n',
  );
  assert.deepEqual(errors.map(brief), [
    'ComposeValueError 4:14 services.a.restart invalid restart policy "allways"',
  ]);
  assert.equal(errors[0]!.expected, 'one of no, always, on-failure[:N], unless-stopped');
  assert.equal(errors[0]!.suggestion, 'always');
});

test('an empty file and a non-mapping top level are errors', async () => {
  assert.equal((await errorsOf('# only a comment\n'))[0]!.name, 'ComposeEmptyFileError');
  assert.equal((await errorsOf('- a\n- b\n'))[0]!.name, 'ComposeYamlError');
});

test('interpolation errors name the key path and position', async () => {
  const errors = await errorsOf('services:\n  web:\n    image: "${IMAGE:?set IMAGE}"\n    user: "${bad"\n');
  assert.deepEqual(
    errors.map((e) => `${e.name} ${e.path} ${e.line}`),
    ['ComposeMissingVariableError services.web.image 3', 'ComposeInterpolationError services.web.user 4'],
  );
  assert.match(errors[0]!.reason, /required variable IMAGE is missing a value: set IMAGE/);
});

test('semantic checks: undefined references, all of them, with did-you-mean', async () => {
  const errors = await errorsOf(`
services:
  web:
    image: w
    depends_on: [dbb]
    networks: [frontend]
    volumes: ["data:/data"]
    secrets: [token]
  db:
    image: d
networks:
  front: {}
volumes:
  date: {}
`);
  assert.deepEqual(
    errors.map((e) => `${e.name} ${e.path} ${e.suggestion ?? ''}`),
    [
      'ComposeUndefinedReferenceError services.web.depends_on.dbb db',
      'ComposeUndefinedReferenceError services.web.networks.frontend front',
      'ComposeUndefinedReferenceError services.web.volumes[0] date',
      'ComposeUndefinedReferenceError services.web.secrets[0] ',
    ],
  );
  assert.ok(errors.every((e) => e.line !== undefined));
});

test('dependency cycles and self-dependencies are rejected with the cycle spelled out', async () => {
  const cycle = await errorsOf(
    'services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: [c]}\n  c: {image: x, depends_on: [a]}\n',
  );
  assert.deepEqual(
    cycle.map((e) => `${e.name} ${e.reason}`),
    ['ComposeCycleError dependency cycle detected: a -> b -> c -> a'],
  );
  const self = await errorsOf('services:\n  a: {image: x, depends_on: [a]}\n');
  assert.equal(self[0]!.reason, 'dependency cycle detected: a -> a');
});

test('bad ports, durations, sizes: all in one run; then container_name and scale with replicas', async () => {
  const errors = await errorsOf(`
services:
  web:
    image: w
    ports: ["70000:80", "8000-8001:90", "1-2:3-5"]
    stop_grace_period: 10parsecs
    mem_limit: lots
    healthcheck: {interval: soon}
`);
  assert.deepEqual(
    errors.map((e) => `${e.name} ${e.path}`),
    [
      'ComposeValueError services.web.ports[0]',
      'ComposeValueError services.web.ports[2]',
      'ComposeValueError services.web.stop_grace_period',
      'ComposeValueError services.web.mem_limit',
      'ComposeValueError services.web.healthcheck.interval',
    ],
  );
  const later = await errorsOf(`
services:
  web:
    image: w
    stop_grace_period: 10parsecs
    container_name: web
    deploy: {replicas: 3}
    depends_on: [nothere]
`);
  assert.deepEqual(
    later.map((e) => `${e.name} ${e.path}`),
    [
      'ComposeValueError services.web.stop_grace_period',
      'ComposeValueError services.web.container_name',
      'ComposeUndefinedReferenceError services.web.depends_on.nothere',
    ],
  );
  const scale = await errorsOf('services:\n  web:\n    image: w\n    scale: 2\n    deploy: {replicas: 3}\n');
  assert.deepEqual(
    scale.map((e) => `${e.name} ${e.path} ${e.line}`),
    ['ComposeValueError services.web.scale 4'],
  );
});

test('one run reports schema, value and nothing twice', async () => {
  const errors = await errorsOf(`
services:
  web:
    image: w
    imgae: typo
    ports: ["99999:80"]
    stop_grace_period: 10parsecs
    environment: 5
    mem_limit: [1]
`);
  assert.deepEqual(
    errors.map((e) => `${e.name} ${e.line} ${e.path}`),
    [
      'ComposeSchemaError 5 services.web.imgae',
      'ComposeValueError 6 services.web.ports[0]',
      'ComposeValueError 7 services.web.stop_grace_period',
      'ComposeSchemaError 8 services.web.environment',
      'ComposeSchemaError 9 services.web.mem_limit',
    ],
  );
});

test('extends errors: missing service attribute, unknown service', async () => {
  assert.equal(
    (await errorsOf('services:\n  a:\n    extends: {file: compose.yaml}\n'))[0]!.name,
    'ComposeSchemaError',
  );
  const [e] = await errorsOf('services:\n  a:\n    extends: nothere\n');
  assert.equal(e!.name, 'ComposeExtendsError');
  assert.equal(e!.path, 'services.a.extends.service');
});

test('a service with neither image nor build is rejected, as docker compose does', async () => {
  const errors = await errorsOf('services:\n  web:\n  db:\n    environment: {A: "1"}\n  ok:\n    build: .\n');
  assert.deepEqual(
    errors.map((e) => `${e.name} ${e.line} ${e.path}`),
    ['ComposeValueError 2 services.web', 'ComposeValueError 4 services.db'],
  );
  assert.match(errors[0]!.message, /service "web" has neither an image nor a build context specified/);
});

test('a missing required variable does not hide the schema errors of the same file', async () => {
  const errors = await errorsOf(
    'services:\n  web:\n    image: nginx\n    portz: []\n    environment:\n      A: ${NOPE:?set NOPE}\n    ports: ${P:?need P}\n',
  );
  assert.deepEqual(
    errors.map((e) => `${e.name} ${e.line} ${e.path}`),
    [
      'ComposeSchemaError 4 services.web.portz',
      'ComposeMissingVariableError 6 services.web.environment.A',
      'ComposeMissingVariableError 7 services.web.ports',
    ],
  );
});

test('an undefined reference in a short-syntax list points at its own item', async () => {
  const errors = await errorsOf(
    'services:\n  web:\n    image: nginx\n    networks: [front, bak]\n    depends_on:\n      - db\n      - dbb\n  db:\n    image: x\nnetworks:\n  back:\n',
  );
  assert.deepEqual(
    errors.map((e) => `${e.line}:${e.column} ${e.path}`),
    ['4:16 services.web.networks.front', '4:23 services.web.networks.bak', '7:9 services.web.depends_on.dbb'],
  );
});

test('YAML syntax errors name the key path of their line and what was expected, once per line', async () => {
  const tab = await errorsOf('services:\n  web:\n\timage: nginx\n');
  assert.deepEqual(tab.map(brief), [
    'ComposeYamlError 3:2 services.web.image Tabs are not allowed as indentation',
  ]);
  assert.match(tab[0]!.message, /expected spaces for indentation/);
  const indent = await errorsOf(
    'services:\n  web:\n    image: nginx\n    environment:\n      - A=1\n      B: 2\n',
  );
  assert.equal(indent.length, 1);
  assert.equal(
    `${indent[0]!.line}:${indent[0]!.column} ${indent[0]!.path}`,
    '6:7 services.web.environment.B',
  );
  assert.ok(indent[0]!.expected);
  const dash = await errorsOf(
    'services:\n  web:\n    image: x\n    volumes:\n      - ./a:/a\n      - type: bind\n        bind:\n          x: "a\n',
  );
  assert.equal(dash[0]!.path, 'services.web.volumes[1].bind.x');
  const items = await errorsOf(
    'services:\n  web:\n    image: nginx\n    ports:\n      - 80:80\n     - 81:81\n',
  );
  assert.equal(items.length, 1, items.map(brief).join('\n'));
  assert.match(items[0]!.path!, /^services\.web\.ports/);
});

test('extends errors point at the extends key, with did-you-mean, for a missing file too', async () => {
  const p = tempProject({
    'compose.yaml':
      'services:\n  a:\n    extends: {file: lib/base.yml, service: scv}\n  b:\n    extends: {file: lib/nope.yml, service: svc}\n  c:\n    image: x\n  d:\n    extends: cc\n',
    'lib/base.yml': 'services:\n  svc:\n    image: busybox\n',
  });
  try {
    const errors = (await p.fail()).errors;
    assert.deepEqual(
      errors.map((e) => `${e.name} ${e.file?.endsWith('compose.yaml')} ${e.line} ${e.path} ${e.suggestion}`),
      [
        'ComposeExtendsError true 3 services.a.extends.service svc',
        'ComposeExtendsError true 5 services.b.extends.file undefined',
        'ComposeExtendsError true 9 services.d.extends.service c',
      ],
    );
  } finally {
    p.cleanup();
  }
});

test('a value failing a schema pattern is shown with the pattern and the word meant', async () => {
  const errors = await errorsOf('services:\n  web:\n    image: nginx\n    pull_policy: allways\n');
  assert.deepEqual(errors.map(brief), [
    'ComposeSchemaError 4:18 services.web.pull_policy invalid value "allways"',
  ]);
  assert.equal(errors[0]!.suggestion, 'always');
  assert.match(errors[0]!.expected!, /^a value matching always\|never\|/);
});

test('a missing included file is reported at its include entry', async () => {
  const p = tempProject({
    'compose.yaml':
      'include:\n  - nothere.yaml\n  - path: [one.yml, missing2.yml]\nservices:\n  c:\n    image: c\n',
    'one.yml': 'services:\n  a:\n    image: a\n',
  });
  try {
    const errors = (await p.fail()).errors;
    assert.deepEqual(
      errors.map((e) => `${e.name} ${e.file?.endsWith('compose.yaml')} ${e.line}:${e.column} ${e.path}`),
      ['ComposeIncludeError true 2:5 include[0]', 'ComposeIncludeError true 3:21 include[1].path[1]'],
    );
  } finally {
    p.cleanup();
  }
});

test('an env_file that is a directory is a loader error, in raw format too', async () => {
  const p = tempProject({
    'compose.yaml':
      'services:\n  web:\n    image: nginx\n    env_file:\n      - path: conf\n        format: raw\n',
    'conf/x': '',
  });
  try {
    const errors = (await p.fail()).errors;
    assert.deepEqual(
      errors.map((e) => `${e.name} ${e.path}`),
      ['ComposeFileNotFoundError services.web.env_file[0]'],
    );
  } finally {
    p.cleanup();
  }
});

test('a malformed service or volume name is called an invalid name, not an unknown key', async () => {
  const errors = await errorsOf('services:\n  "my service":\n    image: nginx\nvolumes:\n  "bad vol":\n');
  assert.deepEqual(errors.map(brief), [
    "ComposeSchemaError 2:3 services.my service invalid name 'my service'",
    "ComposeSchemaError 5:3 volumes.bad vol invalid name 'bad vol'",
  ]);
  assert.match(errors[0]!.expected!, /a name matching \^\[a-zA-Z0-9\._-\]\+\$/);
});

test('an unknown YAML alias names the key path and the anchor expected', async () => {
  const errors = await errorsOf('services:\n  web:\n    <<: *nope\n    image: x\n');
  assert.deepEqual(errors.map(brief), ['ComposeYamlError 3:9 services.web.<< unknown alias nope']);
  assert.equal(errors[0]!.expected, 'an anchor &nope defined above the alias');
});

test('a schema error and an undefined network are reported in one run, in line order', async () => {
  const errors = await errorsOf(`services:
  web:
    image: nginx
    networks: [frontnet]
    ports: 80
  db:
    imgae: postgres
    depends_on: [web, cache, db]
    container_name: db
    deploy: {replicas: 2}
networks:
  front: {}
`);
  assert.deepEqual(errors.map(brief), [
    'ComposeUndefinedReferenceError 4:16 services.web.networks.frontnet service "web" refers to undefined network frontnet',
    'ComposeSchemaError 5:12 services.web.ports must be a list, not number 80',
    "ComposeSchemaError 7:5 services.db.imgae unknown key 'imgae'",
    'ComposeCycleError 8:17 services.db.depends_on dependency cycle detected: db -> db',
    'ComposeUndefinedReferenceError 8:23 services.db.depends_on.cache service "db" depends on undefined service "cache"',
    'ComposeValueError 9:21 services.db.container_name container_name "db" cannot be used with 2 replicas',
  ]);
  assert.equal(errors[0]!.suggestion, 'front');
  assert.ok(errors.every((e) => e.file === errors[0]!.file && e.file?.endsWith('compose.yaml')));
  // No "neither an image nor a build" for db: its image key is the typo already reported.
});

test('with several files, each error names the file it is in, files in -f order', async () => {
  const p = tempProject({
    'a.yaml': 'services:\n  web:\n    image: x\n    stop_grace_period: [1]\n',
    'b.yaml': 'services:\n  web:\n    networks: [back]\n  db:\n    image: y\n    depends_on: [wbe]\n',
  });
  try {
    const { errors } = await p.fail({ files: ['a.yaml', 'b.yaml'] });
    assert.deepEqual(
      errors.map((e) => `${e.file?.slice(p.dir.length + 1)}:${e.line}:${e.column} ${e.name} ${e.path}`),
      [
        'a.yaml:4:24 ComposeSchemaError services.web.stop_grace_period',
        'b.yaml:3:16 ComposeUndefinedReferenceError services.web.networks.back',
        'b.yaml:6:18 ComposeUndefinedReferenceError services.db.depends_on.wbe',
      ],
    );
    assert.equal(errors[2]!.suggestion, 'web');
  } finally {
    p.cleanup();
  }
});

test('a definition that fails its schema still counts as defined for the references to it', async () => {
  const errors = await errorsOf(`services:
  web:
    image: x
    networks: [front, back]
    volumes: ["data:/data"]
    secrets: [token]
    depends_on: [db, "ca che", nope]
  db: 5
  "ca che": {image: x}
netwroks:
  front: {}
networks:
  back: {driver: [x]}
volumes:
  data: {driver: 1}
secrets:
  token: {file: 5}
`);
  assert.deepEqual(
    errors.map((e) => `${e.name} ${e.path}`),
    [
      'ComposeUndefinedReferenceError services.web.depends_on.nope',
      'ComposeSchemaError services.db',
      'ComposeSchemaError services.ca che',
      'ComposeSchemaError netwroks',
      'ComposeSchemaError networks.back.driver',
      'ComposeSchemaError volumes.data.driver',
      'ComposeSchemaError secrets.token.file',
    ],
  );
});

test('a missing variable, a bad port and a bad duration leave the references of the rest checked', async () => {
  const errors = await errorsOf(
    'services:\n  web:\n    image: ${IMG:?set IMG}\n    ports: ["99999:80"]\n    healthcheck: {interval: soon}\n    depends_on: [nope]\n',
  );
  assert.deepEqual(
    errors.map((e) => `${e.name} ${e.line} ${e.path}`),
    [
      'ComposeMissingVariableError 3 services.web.image',
      'ComposeValueError 4 services.web.ports[0]',
      'ComposeValueError 5 services.web.healthcheck.interval',
      'ComposeUndefinedReferenceError 6 services.web.depends_on.nope',
    ],
  );
  const values = await errorsOf(
    'services:\n  web:\n    image: w\n    ports: ["99999:80"]\n    healthcheck: {interval: soon}\n    depends_on: [nope]\n',
  );
  assert.deepEqual(
    values.map((e) => `${e.name} ${e.line} ${e.path}`),
    [
      'ComposeValueError 4 services.web.ports[0]',
      'ComposeValueError 5 services.web.healthcheck.interval',
      'ComposeUndefinedReferenceError 6 services.web.depends_on.nope',
    ],
  );
});

test('when what is left of a file cannot be trusted (a broken include), only its own errors are reported', async () => {
  const errors = await errorsOf('include: [5]\nservices:\n  web: {image: x, depends_on: [nope]}\n');
  assert.deepEqual(
    errors.map((e) => `${e.name} ${e.path}`),
    ['ComposeSchemaError include[0]'],
  );
});
