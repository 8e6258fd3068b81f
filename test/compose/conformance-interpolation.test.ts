/**
 * compose-go's template and interpolation tests, as data: every case of interpolation/*.json.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interpolateTree } from '../../src/compose/file-loader.js';
import { substitute, variablesOf } from '../../src/compose/interpolate.js';
import { Issues } from '../../src/compose/issues.js';
import { lookupIn, readCases } from './conformance-helpers.js';

interface Case {
  id: string;
  template: string;
  env: Record<string, string>;
  expected?: string;
  error?: boolean;
  errorKind?: 'invalid-template' | 'missing-required';
  errorContains?: string;
  warnings?: number;
}

const ERROR_NAME = {
  'invalid-template': 'ComposeInterpolationError',
  'missing-required': 'ComposeMissingVariableError',
};

for (const c of readCases<Case>('interpolation/cases.json')) {
  test(`interpolation ${c.id}`, () => {
    const unset: string[] = [];
    const run = () => substitute(c.template, lookupIn(c.env), (name) => unset.push(name));
    if (c.error) {
      assert.throws(run, (err: Error) => {
        assert.equal(err.name, ERROR_NAME[c.errorKind!]);
        assert.ok(err.message.includes(c.errorContains ?? ''), err.message);
        return true;
      });
    } else assert.equal(run(), c.expected);
    if (c.warnings !== undefined) assert.equal(unset.length, c.warnings, `warnings: ${unset.join(', ')}`);
  });
}

for (const c of readCases<{ id: string; inside: string; operator: string }>('interpolation/operators.json')) {
  test(`operator ${c.id}`, () => {
    // The operator that applies decides what an unset variable gives.
    const template = `\${${c.inside}}`;
    const arg = c.inside.slice('VARNAME'.length + c.operator.length);
    const unset = () => substitute(template, () => undefined);
    const set = substitute(template, (k) => (k === 'VARNAME' ? 'v' : undefined));
    if (c.operator.endsWith('?')) {
      assert.throws(unset, { name: 'ComposeMissingVariableError' });
      assert.equal(set, 'v');
    } else if (c.operator.endsWith('-')) {
      assert.equal(unset(), arg);
      assert.equal(set, 'v');
    } else {
      assert.equal(unset(), '');
      assert.equal(set, arg);
    }
  });
}

interface DocCase {
  id: string;
  env: Record<string, string>;
  input: unknown;
  expected?: unknown;
  error?: boolean;
}

for (const c of readCases<DocCase>('interpolation/documents.json')) {
  test(`interpolate document ${c.id}`, () => {
    const issues = new Issues();
    const out = interpolateTree(c.input, lookupIn(c.env), issues, undefined);
    if (c.error) {
      const errors = issues.resolve([]);
      assert.equal(errors.length, 1);
      assert.equal(errors[0]!.name, 'ComposeInterpolationError');
      assert.equal(errors[0]!.path, 'servicea.image');
    } else {
      assert.equal(issues.size, 0);
      assert.deepEqual(out, c.expected);
    }
  });
}

function collect(value: unknown, into: Map<string, unknown>): void {
  if (typeof value === 'string') variablesOf(value, into as Map<string, never>);
  else if (Array.isArray(value)) for (const v of value) collect(v, into);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) collect(v, into);
}

for (const c of readCases<{ id: string; input: unknown; expected: Record<string, unknown> }>(
  'interpolation/variables.json',
)) {
  test(`variables ${c.id}`, () => {
    const found = new Map<string, unknown>();
    collect(c.input, found);
    assert.deepEqual(Object.fromEntries(found), c.expected);
  });
}
