/** The search the secrets tests rely on finds a value however base64 aligns it in a file. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { clearTextHits } from './clear-text.js';

test('a value is found as it is and base64-encoded at any offset, in either alphabet', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fz-clear-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const value = 'FZTEST-0123456789abcdef?>?>';
  for (let k = 0; k < 3; k++)
    for (const enc of ['base64', 'base64url'] as const) {
      const file = join(dir, `f-${k}-${enc}`);
      writeFileSync(
        file,
        `x${Buffer.concat([Buffer.alloc(k, 7), Buffer.from(value), Buffer.from('tail')]).toString(enc)}y`,
      );
      assert.equal((await clearTextHits([value], [file])).length, 1, `offset ${k}, ${enc}`);
    }
  writeFileSync(join(dir, 'other'), Buffer.from('FZTEST-0123456789abcdeX').toString('base64'));
  assert.deepEqual(await clearTextHits([value], [join(dir, 'other')]), []);
});
