import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { DependsOnSpec } from '../../src/compose/types.js';
import { DependencyCycleError } from '../../src/reconcile/errors.js';
import { waves, withDependencies } from '../../src/reconcile/waves.js';
import { project, service } from './fixtures.js';

const on = (...names: string[]) =>
  Object.fromEntries(
    names.map((n) => [n, { condition: 'service_started', required: true } as DependsOnSpec]),
  );

test('independent services form one sorted wave', () => {
  assert.deepEqual(waves(project('p', { b: service(), a: service(), c: service() })), [['a', 'b', 'c']]);
});

test('a chain gives one service per wave; a diamond gives three waves', () => {
  assert.deepEqual(
    waves(
      project('p', {
        web: service({ depends_on: on('api') }),
        api: service({ depends_on: on('db') }),
        db: service(),
      }),
    ),
    [['db'], ['api'], ['web']],
  );
  assert.deepEqual(
    waves(
      project('p', {
        top: service({ depends_on: on('l', 'r') }),
        l: service({ depends_on: on('base') }),
        r: service({ depends_on: on('base') }),
        base: service(),
      }),
    ),
    [['base'], ['l', 'r'], ['top']],
  );
});

test('dependencies on undefined services are ignored; a subset orders only itself', () => {
  const proj = project('p', {
    web: service({ depends_on: on('ghost', 'db') }),
    db: service(),
    cache: service(),
  });
  assert.deepEqual(waves(proj), [['cache', 'db'], ['web']]);
  assert.deepEqual(waves(proj, ['web']), [['web']]);
  assert.deepEqual(waves(proj, ['web', 'nope']), [['web']]);
});

test('a cycle is rejected with DependencyCycleError naming it', () => {
  const proj = project('shop', {
    a: service({ depends_on: on('b') }),
    b: service({ depends_on: on('c') }),
    c: service({ depends_on: on('a') }),
    d: service(),
  });
  assert.throws(
    () => waves(proj),
    (err: unknown) => {
      assert.ok(err instanceof DependencyCycleError);
      assert.equal(err.name, 'DependencyCycleError');
      assert.deepEqual(err.cycle, ['a', 'b', 'c', 'a']);
      assert.match(err.message, /shop.*a -> b -> c -> a/);
      return true;
    },
  );
});

test('a self-dependency is a cycle', () => {
  assert.throws(() => waves(project('p', { a: service({ depends_on: on('a') }) })), {
    name: 'DependencyCycleError',
  });
});

test('property: in an acyclic graph every service comes after all it depends on', () => {
  const names = ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7'];
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(7), fc.nat(7)), { maxLength: 20 }), (edges) => {
      // Only edges from a higher to a lower index: acyclic by construction.
      const deps = new Map<string, string[]>(names.map((n) => [n, []]));
      for (const [x, y] of edges) if (x > y) deps.get(names[x]!)!.push(names[y]!);
      const proj = project(
        'p',
        Object.fromEntries(names.map((n) => [n, service({ depends_on: on(...deps.get(n)!) })])),
      );
      const ws = waves(proj);
      const wave = new Map<string, number>();
      for (const [i, w] of ws.entries()) for (const n of w) wave.set(n, i);
      assert.equal(wave.size, names.length);
      for (const [n, ds] of deps)
        for (const d of ds) assert.ok(wave.get(n)! > wave.get(d)!, `${n} after ${d}`);
    }),
  );
});

test('withDependencies: the named services and what they depend on, transitively, sorted', () => {
  const proj = project('p', {
    web: service({ depends_on: on('api', 'ghost') }),
    api: service({ depends_on: on('db', 'cache') }),
    db: service(),
    cache: service(),
    other: service({ depends_on: on('db') }),
  });
  assert.deepEqual(withDependencies(proj, ['web']), ['api', 'cache', 'db', 'web']);
  assert.deepEqual(withDependencies(proj, ['api', 'other']), ['api', 'cache', 'db', 'other']);
  assert.deepEqual(withDependencies(proj, ['db', 'nope']), ['db']);
  assert.deepEqual(withDependencies(proj, []), []);
  // A cycle ends (the planner rejects it elsewhere).
  const cyc = project('p', { a: service({ depends_on: on('b') }), b: service({ depends_on: on('a') }) });
  assert.deepEqual(withDependencies(cyc, ['a']), ['a', 'b']);
});
