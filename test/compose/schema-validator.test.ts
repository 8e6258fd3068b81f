/**
 * The validator code saved ahead of time (src/compose/compose-spec-validator.json) must come
 * from the schema in use and judge exactly as a fresh ajv compile does.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse } from 'yaml';
import { compileValidator, savedValidator } from '../../src/compose/schema.js';
import { sha256 } from '../../src/compose/validator-codegen.js';

const dir = fileURLToPath(new URL('../../../src/compose/', import.meta.url));
const schemaText = readFileSync(`${dir}compose-spec.json`, 'utf8');

test('the saved validator was generated from this compose-spec.json (else: node dist/src/compose/validator-codegen.js)', () => {
  const saved = JSON.parse(readFileSync(`${dir}compose-spec-validator.json`, 'utf8')) as {
    schemaSha256: string;
  };
  assert.equal(saved.schemaSha256, sha256(schemaText));
  assert.equal(savedValidator(`${schemaText} `), undefined, 'a changed schema is not served stale code');
});

test('saved and freshly compiled validators give the same verdicts and errors', () => {
  const saved = savedValidator(schemaText);
  assert.ok(saved);
  const fresh = compileValidator(schemaText);
  const fixtures = ['web', 'override', 'extends-include', 'anchors'].map((n) =>
    parse(
      readFileSync(
        fileURLToPath(new URL(`../../../test/fixtures/compose/config/${n}/compose.yaml`, import.meta.url)),
        'utf8',
      ),
    ),
  );
  const verdict = (v: typeof fresh, doc: unknown) => [
    v(doc),
    (v.errors ?? []).map((e) => `${e.instancePath} ${e.keyword} ${JSON.stringify(e.params)}`),
  ];
  for (const doc of fixtures) assert.deepEqual(verdict(saved!, doc), verdict(fresh, doc));
  fc.assert(
    fc.property(
      fc.dictionary(
        fc.constantFrom('image', 'ports', 'environment', 'depends_on', 'deploy', 'imagee', 'healthcheck'),
        fc.jsonValue({ maxDepth: 2 }),
        { maxKeys: 4 },
      ),
      (svc) => {
        const doc = { services: { web: svc } };
        assert.deepEqual(verdict(saved!, doc), verdict(fresh, doc));
      },
    ),
    { numRuns: 200 },
  );
});
