import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commands } from '../../src/cli/commands/index.js';

test('no two commands claim the same path (clipanion would refuse both as ambiguous)', () => {
  const seen = new Map<string, string>();
  for (const c of commands)
    for (const path of c.paths ?? []) {
      const key = path.join(' ');
      assert.equal(seen.get(key), undefined, `"fizz ${key}" is registered by ${seen.get(key)} and ${c.name}`);
      seen.set(key, c.name);
    }
  assert.ok(seen.has('events') && seen.has('init') && seen.has('run'));
});
