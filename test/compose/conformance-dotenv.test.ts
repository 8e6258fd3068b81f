/**
 * compose-go's dotenv tests, as data: every case of dotenv/expected.json, parse.json and
 * expansion.json runs here (none is hand-picked).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseDotenv, parseEnvFile } from '../../src/compose/dotenv.js';
import { substitute } from '../../src/compose/interpolate.js';
import { CONFORMANCE_DIR, lookupIn, readCases, readJson, skipName } from './conformance-helpers.js';

interface Expectation {
  api: string;
  env: Record<string, string>;
  exact?: boolean;
  expected?: Record<string, string>;
  absent?: string[];
  error?: boolean;
  errorContains?: string;
  skipForDotenv?: boolean;
  variants?: Expectation[];
}

/** Cases this parser does not follow, with the reason (also listed in docs/compose-conformance.md). */
const KNOWN: Record<string, string> = {
  'custom.format': 'a Go-registered custom env-file format; Fizz supports only dotenv and raw',
};

function checkMap(actual: Record<string, string>, e: Expectation): void {
  if (e.exact) assert.deepEqual(actual, e.expected);
  else for (const [k, v] of Object.entries(e.expected ?? {})) assert.equal(actual[k], v, `key ${k}`);
  for (const k of e.absent ?? []) assert.ok(!Object.hasOwn(actual, k), `${k} must be absent`);
}

const files = readJson<{ files: Record<string, Expectation> }>('dotenv/expected.json').files;
for (const [name, expectation] of Object.entries(files)) {
  const runs = [expectation, ...(expectation.variants ?? [])];
  runs.forEach((e, i) => {
    const id = `dotenv file ${name}${i ? ` variant ${i}` : ''}`;
    const reason = KNOWN[name];
    test(skipName(id, reason), { skip: reason }, () => {
      const text = readFileSync(`${CONFORMANCE_DIR}dotenv/fixtures/${name}`, 'utf8');
      const parse = () => (e.api === 'read' ? parseEnvFile : parseDotenv)(text, lookupIn(e.env));
      if (e.error) assert.throws(parse, (err: Error) => err.message.includes(e.errorContains ?? ''));
      else checkMap(parse(), e);
    });
  });
}

interface ParseCase {
  id: string;
  input: string;
  env: Record<string, string>;
  expected?: Record<string, string>;
  exact?: boolean;
  error?: boolean;
  errorContains?: string;
  errorMessage?: string;
}

for (const c of readCases<ParseCase>('dotenv/parse.json')) {
  test(`dotenv parse ${c.id}`, () => {
    const parse = () => parseDotenv(c.input, lookupIn(c.env));
    if (c.error) {
      assert.throws(parse, (err: Error) => {
        assert.equal(err.name, 'ComposeEnvFileError');
        if (c.errorMessage) assert.equal(err.message, c.errorMessage);
        if (c.errorContains) assert.ok(err.message.includes(c.errorContains), err.message);
        return true;
      });
    } else checkMap(parse(), c as unknown as Expectation);
  });
}

interface ExpansionCase extends ParseCase {
  kind: 'parse' | 'value' | 'files';
  vars?: Record<string, string>;
  inputs?: string[];
  expected?: Record<string, string> & string;
}

for (const c of readCases<ExpansionCase>('dotenv/expansion.json')) {
  test(`dotenv expansion ${c.id}`, () => {
    if (c.kind === 'parse')
      return checkMap(parseDotenv(c.input, lookupIn(c.env)), c as unknown as Expectation);
    if (c.kind === 'files') {
      const out: Record<string, string> = {};
      for (const input of c.inputs ?? [])
        Object.assign(
          out,
          parseEnvFile(input, lookupIn(c.env), (k) => out[k]),
        );
      return checkMap(out, c as unknown as Expectation);
    }
    const lookup = (k: string) => lookupIn(c.env)(k) ?? lookupIn(c.vars)(k);
    if (c.error)
      assert.throws(
        () => substitute(c.input, lookup),
        (err: Error) => err.message === c.errorMessage,
      );
    else assert.equal(substitute(c.input, lookup), c.expected);
  });
}
