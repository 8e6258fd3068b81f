/**
 * Ahead-of-time code for the compose-spec schema validator. Compiling the schema with ajv
 * costs 0.2–1 s per process (code generation); the generated code, saved in
 * `compose-spec-validator.json` with the hash of the schema it came from, loads in a
 * fraction of that. Regenerate after changing compose-spec.json:
 *   node_modules/.bin/tsc -p . && node dist/src/compose/validator-codegen.js
 * (a test fails while the saved code and the schema disagree).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import * as standaloneModule from 'ajv/dist/standalone/index.js';
import { AJV_OPTIONS, type SavedValidator, sha256 } from './validator-options.js';

export { AJV_OPTIONS, type SavedValidator, sha256 };

export function generateValidator(schemaText: string): SavedValidator {
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
  const validate = ajv.compile(JSON.parse(schemaText) as object);
  // A CommonJS module: its function is the namespace's default (and that default's default).
  type Standalone = (ajv: Ajv, validate: unknown) => string;
  const ns = standaloneModule as unknown as { default: Standalone & { default?: Standalone } };
  const standalone = ns.default.default ?? ns.default;
  return { schemaSha256: sha256(schemaText), code: standalone(ajv, validate) };
}

/** Run directly (from dist/src/compose): writes src/compose/compose-spec-validator.json. */
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = new URL('../../../src/compose/', import.meta.url);
  const schemaText = readFileSync(new URL('compose-spec.json', dir), 'utf8');
  const out = fileURLToPath(new URL('compose-spec-validator.json', dir));
  writeFileSync(out, `${JSON.stringify(generateValidator(schemaText))}\n`);
  process.stdout.write(`wrote ${out}\n`);
}
