/** Registry credentials read as the docker CLI reads them, and image references normalized as it does. */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { authKey, isLatest, loginCommand, parseImageRef, pullParams } from '../../src/runtime/image-ref.js';
import {
  dockerConfigDir,
  type HelperRunner,
  hostnameOf,
  RegistryCredentials,
  runCredentialHelper,
} from '../../src/runtime/registry-auth.js';

function configDir(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'fz-dcfg-'));
  writeFileSync(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('references: Docker Hub is the default registry, a host has a dot, a colon or is localhost', () => {
  const cases: Array<[string, ReturnType<typeof parseImageRef>]> = [
    ['busybox', { registry: 'docker.io', path: 'library/busybox' }],
    ['busybox:1.36', { registry: 'docker.io', path: 'library/busybox', tag: '1.36' }],
    ['fizz/busybox:latest', { registry: 'docker.io', path: 'fizz/busybox', tag: 'latest' }],
    ['127.0.0.1:5000/team/app:v1', { registry: '127.0.0.1:5000', path: 'team/app', tag: 'v1' }],
    ['localhost/app', { registry: 'localhost', path: 'app' }],
    ['ghcr.io/o/r@sha256:abc', { registry: 'ghcr.io', path: 'o/r', digest: 'sha256:abc' }],
    ['index.docker.io/library/x', { registry: 'docker.io', path: 'library/x' }],
  ];
  for (const [ref, want] of cases) assert.deepEqual(parseImageRef(ref), want, ref);
  assert.deepEqual(pullParams('127.0.0.1:5000/app'), { fromImage: '127.0.0.1:5000/app', tag: 'latest' });
  assert.deepEqual(pullParams('127.0.0.1:5000/app:v2'), { fromImage: '127.0.0.1:5000/app', tag: 'v2' });
  assert.deepEqual(pullParams('a/b@sha256:1'), { fromImage: 'a/b', tag: 'sha256:1' });
  assert.equal(authKey('docker.io'), 'https://index.docker.io/v1/');
  assert.equal(authKey('127.0.0.1:5000'), '127.0.0.1:5000');
  assert.equal(loginCommand('docker.io'), 'docker login');
  assert.equal(loginCommand('127.0.0.1:5000'), 'docker login 127.0.0.1:5000');
  assert.ok(isLatest('x') && isLatest('x:latest') && !isLatest('x:1') && !isLatest('x@sha256:1'));
});

test('DOCKER_CONFIG wins over ~/.docker; keys compare by host name', () => {
  assert.equal(dockerConfigDir({ DOCKER_CONFIG: '/etc/dc' }, '/home/u'), '/etc/dc');
  assert.equal(dockerConfigDir({}, '/home/u'), '/home/u/.docker');
  assert.equal(hostnameOf('https://127.0.0.1:5000/v2/'), '127.0.0.1:5000');
  assert.equal(hostnameOf('registry.local'), 'registry.local');
});

test('auths: base64 user:password, username/password fields, identity tokens, legacy URL keys', async () => {
  const dir = configDir({
    auths: {
      '127.0.0.1:5000': { auth: b64('alice:s3:cret') },
      'https://reg.example:443/v1/': { username: 'bob', password: 'pw' },
      'tok.example': { identitytoken: 'T0K' },
      'https://index.docker.io/v1/': { auth: b64('hub:hubpw') },
      'empty.example': {},
    },
  });
  try {
    const creds = new RegistryCredentials(dir);
    assert.deepEqual(await creds.get('127.0.0.1:5000'), {
      auth: { username: 'alice', password: 's3:cret', serveraddress: '127.0.0.1:5000' },
      source: join(dir, 'config.json'),
    });
    assert.deepEqual((await creds.get('reg.example:443'))?.auth, {
      username: 'bob',
      password: 'pw',
      serveraddress: 'reg.example:443',
    });
    assert.deepEqual((await creds.get('tok.example'))?.auth, {
      identitytoken: 'T0K',
      serveraddress: 'tok.example',
    });
    assert.equal((await creds.get('docker.io'))?.auth.username, 'hub');
    assert.equal(await creds.get('empty.example'), undefined);
    assert.equal(await creds.get('other:5000'), undefined);
    assert.deepEqual(Object.keys(await creds.all()), [
      '127.0.0.1:5000',
      'https://index.docker.io/v1/',
      'reg.example:443',
      'tok.example',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('credential helpers: credHelpers per registry, else credsStore; <token> is an identity token', async () => {
  const dir = configDir({
    auths: { '127.0.0.1:5000': { auth: b64('file:filepw') } },
    credsStore: 'store',
    credHelpers: { 'special.example': 'special' },
  });
  const asked: string[] = [];
  const helper: HelperRunner = async (name, action, input) => {
    asked.push(`${name} ${action} ${input}`);
    if (name === 'special') return JSON.stringify({ ServerURL: input, Username: '<token>', Secret: 'idtok' });
    if (name === 'store' && action === 'list') return JSON.stringify({ 'store.example': 'sue' });
    if (name === 'store' && input === 'store.example')
      return JSON.stringify({ ServerURL: input, Username: 'sue', Secret: 'suepw' });
    return undefined; // not found: the file's entry is used
  };
  try {
    const creds = new RegistryCredentials(dir, helper);
    assert.deepEqual(await creds.get('special.example'), {
      auth: { identitytoken: 'idtok', serveraddress: 'special.example' },
      source: 'docker-credential-special',
    });
    assert.deepEqual((await creds.get('store.example'))?.auth, {
      username: 'sue',
      password: 'suepw',
      serveraddress: 'store.example',
    });
    assert.equal((await creds.get('127.0.0.1:5000'))?.auth.username, 'file');
    assert.ok(asked.includes('store get 127.0.0.1:5000'));
    assert.deepEqual(Object.keys(await creds.all()), ['127.0.0.1:5000', 'special.example', 'store.example']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a real helper on PATH is run; a missing one is skipped', async () => {
  const bin = mkdtempSync(join(tmpdir(), 'fz-bin-'));
  const script = join(bin, 'docker-credential-fizztest');
  writeFileSync(
    script,
    '#!/bin/sh\nread url\n[ "$1" = get ] && printf \'{"ServerURL":"%s","Username":"u","Secret":"p"}\' "$url"\n',
  );
  chmodSync(script, 0o755);
  const oldPath = process.env.PATH;
  process.env.PATH = `${bin}:${oldPath}`;
  try {
    const out = await runCredentialHelper('fizztest', 'get', 'reg.example\n');
    assert.deepEqual(JSON.parse(out ?? ''), { ServerURL: 'reg.example', Username: 'u', Secret: 'p' });
    assert.equal(await runCredentialHelper('fizz-no-such-helper', 'get', 'x'), undefined);
    assert.equal(await runCredentialHelper('../evil', 'get', 'x'), undefined);
  } finally {
    process.env.PATH = oldPath;
    rmSync(bin, { recursive: true, force: true });
  }
});

test('no config file is no credentials; a broken one is a RegistryConfigError naming it', async () => {
  const none = mkdtempSync(join(tmpdir(), 'fz-dcfg-'));
  const broken = configDir('{ not json');
  const dirAsFile = mkdtempSync(join(tmpdir(), 'fz-dcfg-'));
  mkdirSync(join(dirAsFile, 'config.json'));
  try {
    assert.equal(await new RegistryCredentials(none).get('docker.io'), undefined);
    for (const dir of [broken, dirAsFile])
      await assert.rejects(new RegistryCredentials(dir).get('docker.io'), (err: Error) => {
        assert.equal(err.name, 'RegistryConfigError');
        assert.match(err.message, /config\.json/);
        return true;
      });
  } finally {
    for (const d of [none, broken, dirAsFile]) rmSync(d, { recursive: true, force: true });
  }
});
