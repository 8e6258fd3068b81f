/**
 * Secrets across real hosts: a secret created on h1 (`fizz secret create`) and one brought
 * up from a file on h1 are read by a container that placement puts on h2; no file of either
 * host's FIZZ_HOME or engine data root holds a value in clear text (nor base64 of it).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SKIP_DOCKER, SKIP_REASON } from '../e2e/harness.js';
import { clearTextHits, containerOn } from './clear-text.js';
import { Cluster } from './harness.js';

const ROOT_NEEDED = process.getuid?.() !== 0;
const skip = SKIP_DOCKER ? SKIP_REASON : ROOT_NEEDED ? ' (skipped: the harness needs root)' : '';
const DIR = '/tmp/fizz-sa-secrets-test';

describe(`secrets on 2 real hosts${skip}`, { skip: skip !== '' }, () => {
  const cluster = new Cluster({ name: 'sa', subnet: '10.235.0' });
  const ext = `FZEXT-${randomBytes(12).toString('hex')}`;
  const file = `FZFILE-${randomBytes(12).toString('hex')}`;

  before(async () => {
    await cluster.down();
    mkdirSync(DIR, { recursive: true });
    writeFileSync(`${DIR}/pw.txt`, file);
    writeFileSync(
      `${DIR}/compose.yaml`,
      [
        'name: satest',
        'services:',
        '  app:',
        '    image: fizz/busybox:latest',
        '    command: ["sleep", "100000"]',
        '    init: true',
        '    secrets: [ext, pw]',
        '    deploy:',
        '      placement:',
        '        constraints: ["node.hostname == h2"]',
        'secrets:',
        '  ext:',
        '    external: true',
        '  pw:',
        '    file: ./pw.txt',
        '',
      ].join('\n'),
    );
    await cluster.up(2);
  });
  after(async () => {
    await cluster.down();
    rmSync(DIR, { recursive: true, force: true });
  });

  it('a container on h2 reads the secrets created on h1; no disk holds them', async () => {
    const made = await cluster.exec('h1', ['fizz', 'secret', 'create', 'ext', '-'], { input: ext });
    assert.equal(made.code, 0, made.stderr);
    const up = await cluster.exec('h1', ['fizz', 'up', '-d'], { cwd: DIR, timeoutMs: 120_000 });
    assert.equal(up.code, 0, up.stderr + up.stdout);
    const id = await containerOn(cluster, 'h2', 'satest');
    const cat = async (p: string) => (await cluster.exec('h2', ['docker', 'exec', id, 'cat', p])).stdout;
    assert.equal(await cat('/run/secrets/ext'), ext);
    assert.equal(await cat('/run/secrets/pw'), file);
    const h1 = await cluster.exec('h1', ['docker', 'ps', '-q', '--filter', 'label=fizz.project=satest']);
    assert.equal(h1.stdout.trim(), '', 'nothing runs on h1');
    const dirs = cluster.hosts().flatMap((h) => [h.home, h.dataRoot]);
    assert.deepEqual(await clearTextHits([ext, file], dirs), []);
  });
});
