/**
 * `fizz config` on saved examples: each folder of test/fixtures/compose/config holds compose
 * files and the expected output (expected.yaml, and expected.json where present). Absolute
 * paths are written as ${DIR} in the expected files.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runFizz } from './cli-helpers.js';

const ROOT = fileURLToPath(new URL('../../../test/fixtures/compose/config/', import.meta.url));

for (const name of readdirSync(ROOT).sort()) {
  const dir = join(ROOT, name);
  const files = ['compose.yaml', 'compose.override.yaml'].filter((f) => existsSync(join(dir, f)));
  const extra = existsSync(join(dir, 'args.json'))
    ? (JSON.parse(readFileSync(join(dir, 'args.json'), 'utf8')) as string[])
    : [];
  const base = [...files.flatMap((f) => ['-f', join(dir, f)]), ...extra, 'config'];
  for (const format of ['yaml', 'json'] as const) {
    const expectedFile = join(dir, `expected.${format}`);
    if (!existsSync(expectedFile)) continue;
    test(`fizz config --format ${format}: ${name}`, async () => {
      const r = await runFizz([...base, '--format', format]);
      assert.equal(r.err, '');
      assert.equal(r.code, 0);
      assert.equal(r.out.replaceAll(dir, '${DIR}'), readFileSync(expectedFile, 'utf8'));
    });
  }
}
