/**
 * Sealing without an engine: the state's bytes (what is logged and gossiped) never hold a
 * value in clear text; the same value keeps its ciphertext (no recreate), a new one does
 * not; another cluster's identity cannot open it; bad input is refused by name.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateX25519Identity } from 'age-encryption';
import { ClusterState } from '../../../crdt/index.js';
import { SecretBox } from '../../../src/agent/secrets/box.js';
import { ClusterObjects } from '../../../src/agent/secrets/cluster-objects.js';
import { filesFor, targetOf } from '../../../src/agent/secrets/mounts.js';
import { sealProject } from '../../../src/agent/secrets/seal.js';
import type { ProjectSpec } from '../../../src/compose/types.js';
import { referencedResources } from '../../../src/reconcile/index.js';

const VALUE = 'sekrit-4f1d9a0c7e';

function project(secrets: ProjectSpec['secrets'], configs: ProjectSpec['configs'] = {}): ProjectSpec {
  return {
    name: 'p',
    services: {
      app: {
        image: 'x',
        volumes: [],
        networks: {},
        depends_on: {},
        secrets: Object.keys(secrets).map((source) => ({ source })),
        configs: Object.keys(configs).map((source) => ({ source, target: 'etc/c' })),
      },
    },
    networks: {},
    volumes: {},
    secrets,
    configs,
  } as unknown as ProjectSpec;
}

async function setup() {
  const id = await generateX25519Identity();
  const state = new ClusterState({ nodeId: 'n1', clock: () => 1_700_000_000_000 });
  const box = new SecretBox(async () => id);
  return { id, state, box, objects: new ClusterObjects(state, box) };
}

test('a sealed project and a cluster secret hold no clear text in the state bytes', async () => {
  const { state, box, objects } = await setup();
  const dir = mkdtempSync(join(tmpdir(), 'fz-seal-'));
  try {
    writeFileSync(join(dir, 's'), `${VALUE}-file`);
    const spec = project(
      { a: { name: 'p_a', content: `${VALUE}-content` }, b: { name: 'p_b', file: join(dir, 's') } },
      { c: { name: 'p_c', content: `${VALUE}-config` } },
    );
    const sealed = await sealProject(spec, undefined, box, objects);
    state.putProject(sealed);
    await objects.create('secret', 'ext', Buffer.from(`${VALUE}-ext`));
    const bytes = Buffer.from(state.encodeUpdate()).toString('latin1');
    assert.ok(!bytes.includes(VALUE), 'the state bytes hold a value in clear text');
    assert.ok(!JSON.stringify(sealed).includes(VALUE));
    assert.equal(sealed.secrets.b!.file, undefined);
    const files = await filesFor(sealed, 'app', sealed.services.app!, box, objects);
    assert.deepEqual(
      files.map((f) => [f.target, Buffer.from(f.data).toString()]),
      [
        ['/run/secrets/a', `${VALUE}-content`],
        ['/run/secrets/b', `${VALUE}-file`],
        ['/etc/c', `${VALUE}-config`],
      ],
    );
    assert.equal(Buffer.from(await objects.read('secret', 'ext')).toString(), `${VALUE}-ext`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the same value keeps its ciphertext and hash; a new value changes both', async () => {
  const { box, objects } = await setup();
  const one = await sealProject(project({ a: { name: 'p_a', content: 'v1' } }), undefined, box, objects);
  const same = await sealProject(project({ a: { name: 'p_a', content: 'v1' } }), one, box, objects);
  const other = await sealProject(project({ a: { name: 'p_a', content: 'v2' } }), same, box, objects);
  const hash = (p: ProjectSpec) => JSON.stringify(referencedResources(p, p.services.app!));
  assert.equal(hash(same), hash(one));
  assert.notEqual(hash(other), hash(one));
});

test('an external object: refused when missing; its version goes into the hash', async () => {
  const { box, objects } = await setup();
  const spec = project({ e: { name: 'e', external: true } });
  await assert.rejects(sealProject(spec, undefined, box, objects), { name: 'SecretNotFoundError' });
  await objects.create('secret', 'e', Buffer.from('1'));
  const sealed = await sealProject(spec, undefined, box, objects);
  const hash = () =>
    JSON.stringify(referencedResources(sealed, sealed.services.app!, (k, n) => objects.version(k, n)));
  const before = hash();
  await objects.create('secret', 'e', Buffer.from('2'));
  assert.notEqual(hash(), before);
});

test("another cluster's identity cannot open a value; bad input is refused by name", async () => {
  const { box, objects, state } = await setup();
  await objects.create('secret', 'x', Buffer.from(VALUE));
  const stranger = new ClusterObjects(state, new SecretBox(async () => generateX25519Identity()));
  await assert.rejects(stranger.read('secret', 'x'), { name: 'SecretDecryptError' });
  await assert.rejects(objects.create('secret', '../x', Buffer.from('v')), { name: 'SecretInputError' });
  await assert.rejects(objects.create('secret', 'big', Buffer.alloc(600 * 1024)), {
    name: 'SecretInputError',
  });
  await assert.rejects(objects.read('secret', 'nope'), { name: 'SecretNotFoundError' });
  await assert.rejects(
    sealProject(project({ a: { name: 'p_a', environment: 'UNSET_VAR' } }), undefined, box, objects),
    /environment variable UNSET_VAR is not set/,
  );
  assert.equal(targetOf('secret', { source: 'a', target: '/abs/x' }), '/abs/x');
  assert.equal(targetOf('config', { source: 'a' }), '/a');
});
