import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ParseError,
  formatFromContentType,
  parsePrometheusText,
  tryParsePrometheusText,
  type MetricFamily,
} from '../../src/agent/index.js';

function family(families: MetricFamily[], name: string): MetricFamily {
  const f = families.find((x) => x.name === name);
  assert.ok(f, `family ${name} missing; have ${families.map((x) => x.name).join(', ')}`);
  return f;
}

test('0.0.4 text: HELP/TYPE, labels with escapes, timestamps, special values', () => {
  const text = [
    '# HELP http_requests_total The total number of HTTP requests. Back\\\\slash and\\nnewline',
    '# TYPE http_requests_total counter',
    'http_requests_total{method="post",code="200"} 1027 1395066363000',
    'http_requests_total{method="post",code="400"}    3 1395066363000',
    '',
    '# A plain comment',
    'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
    'metric_without_timestamp_and_labels 12.47',
    'something_weird{problem="division by zero"} +Inf -3982045',
    'neg_inf -Inf',
    'not_a_number NaN',
    '# TYPE rpc_duration_seconds summary',
    'rpc_duration_seconds{quantile="0.5"} 4773',
    'rpc_duration_seconds_sum 1.7560473e+07',
    'rpc_duration_seconds_count 2693',
    '# TYPE http_request_duration_seconds histogram',
    'http_request_duration_seconds_bucket{le="0.05"} 24054',
    'http_request_duration_seconds_bucket{le="+Inf"} 144320',
    'http_request_duration_seconds_sum 53423',
    'http_request_duration_seconds_count 144320',
    '',
  ].join('\n');
  const fams = parsePrometheusText(text);
  const c = family(fams, 'http_requests_total');
  assert.equal(c.type, 'counter');
  assert.equal(c.help, 'The total number of HTTP requests. Back\\slash and\nnewline');
  assert.equal(c.samples.length, 2);
  assert.deepEqual(c.samples[1], { name: 'http_requests_total', labels: { method: 'post', code: '400' }, value: 3, timestampMs: 1395066363000 });
  const ms = family(fams, 'msdos_file_access_time_seconds');
  assert.equal(ms.type, 'untyped');
  assert.deepEqual(ms.samples[0]?.labels, { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' });
  const weird = family(fams, 'something_weird').samples[0];
  assert.equal(weird?.value, Number.POSITIVE_INFINITY);
  assert.equal(weird?.timestampMs, -3982045);
  assert.equal(family(fams, 'neg_inf').samples[0]?.value, Number.NEGATIVE_INFINITY);
  assert.ok(Number.isNaN(family(fams, 'not_a_number').samples[0]?.value));
  const summary = family(fams, 'rpc_duration_seconds');
  assert.equal(summary.type, 'summary');
  assert.deepEqual(summary.samples.map((s) => s.name), ['rpc_duration_seconds', 'rpc_duration_seconds_sum', 'rpc_duration_seconds_count']);
  const hist = family(fams, 'http_request_duration_seconds');
  assert.equal(hist.type, 'histogram');
  assert.equal(hist.samples.length, 4);
  assert.equal(fams.some((f) => f.name === 'http_request_duration_seconds_bucket'), false);
});

test('OpenMetrics: counters declared without _total, _created, UNIT, exemplars, float-second timestamps, # EOF', () => {
  const text = [
    '# TYPE foo counter',
    '# UNIT foo seconds',
    '# HELP foo A \\"quoted\\" help.',
    'foo_total{a="1"} 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67',
    'foo_created{a="1"} 1520430000.123',
    '# TYPE bar histogram',
    'bar_bucket{le="1"} 1',
    'bar_bucket{le="+Inf"} 3',
    'bar_count 3',
    'bar_sum 4.5',
    'bar_created 1520430000',
    '# TYPE build info',
    'build_info{version="1.2"} 1',
    '# EOF',
    '',
  ].join('\n');
  const fams = parsePrometheusText(text, { format: 'openmetrics' });
  const foo = family(fams, 'foo');
  assert.equal(foo.type, 'counter');
  assert.equal(foo.unit, 'seconds');
  assert.equal(foo.help, 'A "quoted" help.');
  assert.deepEqual(foo.samples.map((s) => s.name), ['foo_total', 'foo_created']);
  assert.equal(foo.samples[0]?.timestampMs, 1520879607789);
  assert.equal(family(fams, 'bar').samples.length, 5);
  assert.equal(family(fams, 'build').samples[0]?.name, 'build_info');
});

test('OpenMetrics without # EOF (a truncated body) and content after it are errors', () => {
  assert.throws(() => parsePrometheusText('# TYPE a gauge\na 1\n', { format: 'openmetrics' }), ParseError);
  assert.throws(() => parsePrometheusText('a 1\n# EOF\nb 2\n', { format: 'openmetrics' }), ParseError);
  assert.doesNotThrow(() => parsePrometheusText('a 1\n# EOF', { format: 'openmetrics' }));
});

test('syntax errors are ParseErrors naming the line', () => {
  const cases = [
    'a{b="c} 1',
    'a{b="c"',
    'a{b="c",b="d"} 1',
    'a{b="\\q"} 1',
    'a{1b="c"} 1',
    'a notanumber',
    'a 0x10',
    'a',
    'a 1 notatimestamp',
    '# TYPE a histogramm',
    'a{b="c"}1',
  ];
  for (const text of cases) {
    const r = tryParsePrometheusText(`ok 1\n${text}\n`);
    assert.equal(r.ok, false, `expected failure for ${JSON.stringify(text)}`);
    if (!r.ok) assert.equal(r.error.line, 2, text);
  }
});

test('limits: too many samples, too long labels, too many labels → error outcome', () => {
  const many = Array.from({ length: 11 }, (_, i) => `m{i="${i}"} ${i}`).join('\n');
  const r1 = tryParsePrometheusText(many, { maxSamples: 10 });
  assert.equal(r1.ok, false);
  if (!r1.ok) assert.match(r1.error.message, /more than 10 samples/);
  assert.equal(tryParsePrometheusText(many, { maxSamples: 11 }).ok, true);
  const r2 = tryParsePrometheusText(`m{v="${'x'.repeat(101)}"} 1`, { maxLabelLength: 100 });
  assert.equal(r2.ok, false);
  const r3 = tryParsePrometheusText(`m{a="1",b="2",c="3"} 1`, { maxLabelsPerSample: 2 });
  assert.equal(r3.ok, false);
});

test('quoted UTF-8 metric names and label names (newer Prometheus)', () => {
  const fams = parsePrometheusText('# TYPE "my.metric" gauge\n{"my.metric","k.8s"="v"} 2\n');
  const f = family(fams, 'my.metric');
  assert.equal(f.type, 'gauge');
  assert.deepEqual(f.samples[0]?.labels, { 'k.8s': 'v' });
});

test('content type selects the grammar', () => {
  assert.equal(formatFromContentType('application/openmetrics-text; version=1.0.0; charset=utf-8'), 'openmetrics');
  assert.equal(formatFromContentType('text/plain; version=0.0.4'), 'prometheus');
  assert.equal(formatFromContentType(undefined), 'prometheus');
});

test('fuzz: random input never throws anything but ParseError', () => {
  const fragments = fc.constantFrom(
    '# HELP ', '# TYPE ', '# UNIT ', '# EOF', 'counter', 'histogram', 'summary', 'gauge', 'info', 'm', 'm_total', 'm_bucket',
    'm_created', '{', '}', '"', '\\', '\\"', '\\n', '=', ',', ' ', '\t', '\n', '\r\n', 'le', 'quantile', '+Inf', '-Inf', 'NaN',
    '1', '1.5e3', '-0', '#', ' # {a="b"} 1', 'x="y"', '__proto__', 'constructor', '\u0000', 'é',
  );
  const input = fc.oneof(fc.string({ maxLength: 300 }), fc.array(fragments, { maxLength: 60 }).map((a) => a.join('')));
  fc.assert(
    fc.property(input, fc.constantFrom('prometheus' as const, 'openmetrics' as const), (text, format) => {
      try {
        parsePrometheusText(text, { format, maxSamples: 50, maxLabelLength: 64 });
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
      }
      const r = tryParsePrometheusText(text, { format });
      if (r.ok) for (const f of r.families) for (const s of f.samples) assert.equal(typeof s.value, 'number');
    }),
    { numRuns: 3000 },
  );
});
