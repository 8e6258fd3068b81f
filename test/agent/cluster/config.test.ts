import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  DEFAULT_CLUSTER_PORT,
  newClusterKey,
  parseAddress,
  readClusterConfig,
  writeClusterConfig,
} from '../../../src/agent/cluster/config.js';

describe('cluster config', () => {
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
