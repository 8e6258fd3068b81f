import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  DEFAULT_CLUSTER_PORT,
  decodeToken,
  encodeToken,
  newClusterKey,
  parseAddress,
  readClusterConfig,
  writeClusterConfig,
} from '../../../src/agent/cluster/config.js';

describe('cluster config and join tokens', () => {
  it('a token round-trips and names its addresses, key and tie rule', () => {
    const key = newClusterKey();
    const t = encodeToken({ addresses: ['10.0.0.1:7171', '[fd00::2]:7000'], key, tie: 'safety' });
    assert.match(t, /^FIZZ1-[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeToken(` ${t}\n`), {
      addresses: ['10.0.0.1:7171', '[fd00::2]:7000'],
      key,
      tie: 'safety',
    });
  });

  it('anything else is a JoinTokenError, never another error', () => {
    const good = encodeToken({ addresses: ['10.0.0.1:7171'], key: newClusterKey(), tie: 'availability' });
    const bad = [
      '',
      'garbage',
      'FIZZ1-',
      'FIZZ1-!!!!',
      good.slice(0, good.length - 5),
      `FIZZ1-${Buffer.from('{"a":[],"k":"short"}').toString('base64url')}`,
      `FIZZ1-${Buffer.from('{"a":["nope"],"k":"0123456789abcdef0123456789abcdef"}').toString('base64url')}`,
      `FIZZ1-${Buffer.from('null').toString('base64url')}`,
      `FIZZ1-${'A'.repeat(5000)}`,
    ];
    for (const b of bad) assert.throws(() => decodeToken(b), { name: 'JoinTokenError' }, b);
  });

  it('addresses take a default port; IPv6 in brackets', () => {
    assert.deepEqual(parseAddress('10.0.0.1'), { host: '10.0.0.1', port: DEFAULT_CLUSTER_PORT });
    assert.deepEqual(parseAddress('10.0.0.1:8000'), { host: '10.0.0.1', port: 8000 });
    assert.deepEqual(parseAddress('[fd00::1]:9'), { host: 'fd00::1', port: 9 });
    assert.deepEqual(parseAddress('h1.lan'), { host: 'h1.lan', port: DEFAULT_CLUSTER_PORT });
    assert.equal(parseAddress('h1:99999').port, 0);
  });

  it('the config file is written 0600 and read back; a damaged one is a ClusterConfigError', () => {
    const home = mkdtempSync(join(tmpdir(), 'fizz-cfg-'));
    try {
      assert.equal(readClusterConfig(home), undefined);
      const config = {
        version: 1 as const,
        key: newClusterKey(),
        address: '10.0.0.1:7171',
        name: 'h1',
        seeds: ['10.0.0.2:7171'],
        tie: 'safety' as const,
        labels: { disk: 'ssd' },
      };
      writeClusterConfig(home, config);
      assert.equal(statSync(join(home, 'cluster.json')).mode & 0o777, 0o600);
      assert.deepEqual(readClusterConfig(home), config);
      writeFileSync(
        join(home, 'cluster.json'),
        readFileSync(join(home, 'cluster.json'), 'utf8').slice(0, 20),
      );
      assert.throws(() => readClusterConfig(home), { name: 'ClusterConfigError' });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
