/** The hand-written text exposition: format, escaping, histogram buckets, bad definitions refused. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricDefinitionError, Registry } from '../../../src/agent/metrics/exposition.js';
import { MetricsAddressError, parseMetricsAddress } from '../../../src/agent/metrics/server.js';
import { parseExposition, sampleValue } from './prom-parse.js';

describe('metrics exposition (text format 0.0.4)', () => {
  it('renders HELP, TYPE and samples, families in name order, labels sorted by series', () => {
    const r = new Registry();
    const c = r.counter('fizz_b_total', 'B things.', ['kind']);
    r.gauge('fizz_a', 'A level.').set({}, 2.5);
    c.inc({ kind: 'stop' });
    c.inc({ kind: 'create' }, 3);
    assert.equal(
      r.render(),
      [
        '# HELP fizz_a A level.',
        '# TYPE fizz_a gauge',
        'fizz_a 2.5',
        '# HELP fizz_b_total B things.',
        '# TYPE fizz_b_total counter',
        'fizz_b_total{kind="create"} 3',
        'fizz_b_total{kind="stop"} 1',
        '',
      ].join('\n'),
    );
  });

  it('escapes backslash, quote and newline in label values, backslash and newline in help', () => {
    const r = new Registry();
    r.gauge('fizz_x', 'line one\nback\\slash "quoted"', ['v']).set({ v: 'a"b\\c\nd' }, 1);
    const text = r.render();
    assert.match(text, /^# HELP fizz_x line one\\nback\\\\slash "quoted"$/m);
    assert.match(text, /^fizz_x\{v="a\\"b\\\\c\\nd"\} 1$/m);
    const parsed = parseExposition(text);
    assert.equal(parsed.get('fizz_x')?.samples[0]?.labels.v, 'a"b\\c\nd');
    assert.equal(parsed.get('fizz_x')?.help, 'line one\nback\\slash "quoted"');
  });

  it('histogram buckets are cumulative, end in +Inf, with _sum and _count', () => {
    const r = new Registry();
    const h = r.histogram('fizz_d_seconds', 'D.', [0.1, 1, 10], ['method']);
    for (const v of [0.05, 0.1, 0.5, 2, 20]) h.observe({ method: 'list' }, v);
    const text = r.render();
    const f = parseExposition(text);
    const b = (le: string) => sampleValue(f, 'fizz_d_seconds_bucket', { method: 'list', le });
    assert.deepEqual([b('0.1'), b('1'), b('10'), b('+Inf')], [2, 3, 4, 5]);
    assert.equal(sampleValue(f, 'fizz_d_seconds_count', { method: 'list' }), 5);
    assert.ok(Math.abs(sampleValue(f, 'fizz_d_seconds_sum', { method: 'list' })! - 22.65) < 1e-9);
  });

  it('special values, and collectors that run at each render', () => {
    const r = new Registry();
    const g = r.gauge('fizz_v', 'V.', ['k']);
    let n = 0;
    r.collect(() => {
      n++;
      g.set({ k: 'nan' }, Number.NaN);
      g.set({ k: 'inf' }, Number.POSITIVE_INFINITY);
      g.set({ k: 'n' }, n);
    });
    r.render();
    const f = parseExposition(r.render());
    assert.equal(sampleValue(f, 'fizz_v', { k: 'n' }), 2);
    assert.equal(sampleValue(f, 'fizz_v', { k: 'inf' }), Number.POSITIVE_INFINITY);
    assert.ok(Number.isNaN(sampleValue(f, 'fizz_v', { k: 'nan' })));
  });

  it('refuses names, labels and values the format or the conventions do not allow', () => {
    const r = new Registry();
    const refused = (fn: () => unknown) => assert.throws(fn, { name: 'MetricDefinitionError' });
    refused(() => r.counter('fizz_no_suffix', 'x'));
    refused(() => r.gauge('9bad', 'x'));
    refused(() => r.gauge('fizz_ok', 'x', ['bad-label']));
    refused(() => r.gauge('fizz_ok2', 'x', ['__reserved']));
    refused(() => r.histogram('fizz_h', 'x', [1, 1]));
    refused(() => r.histogram('fizz_h2', 'x', [1], ['le']));
    const c = r.counter('fizz_c_total', 'x', ['kind']);
    refused(() => c.inc({ kind: 'a' }, -1));
    refused(() => c.inc({}));
    refused(() => c.inc({ kind: 'a', other: 'b' }));
    r.gauge('fizz_twice', 'x');
    refused(() => r.gauge('fizz_twice', 'x'));
    assert.ok(new MetricDefinitionError('x') instanceof Error);
  });

  it('the strict reader refuses what a scraper would', () => {
    const bad = [
      'fizz_a 1\n', // no family
      '# HELP fizz_a x\n# TYPE fizz_a gauge\nfizz_a{l="v} 1\n', // unterminated label
      '# HELP fizz_a x\n# TYPE fizz_a gauge\nfizz_a 1', // no final newline
      '# HELP fizz_a x\n# TYPE fizz_a counter\nfizz_a 1\n', // counter without _total
      '# HELP fizz_h x\n# TYPE fizz_h histogram\nfizz_h_bucket{le="1"} 2\nfizz_h_bucket{le="+Inf"} 1\nfizz_h_sum 1\nfizz_h_count 1\n',
    ];
    for (const text of bad) assert.throws(() => parseExposition(text), Error, text);
  });

  it('parses the --metrics address, and says what it wants when it cannot', () => {
    assert.deepEqual(parseMetricsAddress('127.0.0.1:9323'), { host: '127.0.0.1', port: 9323 });
    assert.deepEqual(parseMetricsAddress('[::1]:9323'), { host: '::1', port: 9323 });
    for (const bad of [
      '9323',
      'localhost:9323',
      '127.0.0.1:0',
      '127.0.0.1:70000',
      '127.0.0.1',
      ':9323',
      '::1:9323',
    ])
      assert.throws(
        () => parseMetricsAddress(bad),
        (err: Error) => {
          assert.equal(err.name, 'MetricsAddressError');
          assert.match(err.message, /expected IP:PORT/);
          return err instanceof MetricsAddressError;
        },
      );
  });
});
