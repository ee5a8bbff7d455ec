import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { globToRegExp, severityNumberOf } from '../../src/otlp/scan/index.js';
import { createOptInFilter } from '../helpers/model-opt-in.js';
import type {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  KeyValue,
  LogRecord,
  Metric,
  Span,
} from '../../src/otlp/model.js';

const NONE = { metrics: { names: [] }, logs: { attributes: {}, minSeverity: null }, traces: { attributes: {} } };

const kv = (key: string, value: string): KeyValue => ({ key, value: { stringValue: value } });
const metricNamed = (name: string): Metric => ({ name, description: '', unit: '', metadata: [], gauge: { dataPoints: [] } });
const logRecord = (severityNumber: number, attributes: KeyValue[], severityText = ''): LogRecord => ({
  timeUnixNano: 0n,
  observedTimeUnixNano: 0n,
  severityNumber,
  severityText,
  attributes,
  droppedAttributesCount: 0,
  flags: 0,
  traceId: new Uint8Array(0),
  spanId: new Uint8Array(0),
  eventName: '',
});
const span = (name: string, attributes: KeyValue[]): Span => ({
  traceId: new Uint8Array(16),
  spanId: new Uint8Array(8),
  traceState: '',
  parentSpanId: new Uint8Array(0),
  flags: 0,
  name,
  kind: 1,
  startTimeUnixNano: 0n,
  endTimeUnixNano: 0n,
  attributes,
  droppedAttributesCount: 0,
  events: [],
  droppedEventsCount: 0,
  links: [],
  droppedLinksCount: 0,
});

const attrsArb = fc.array(
  fc.tuple(fc.constantFrom('team', 'flow', 'env'), fc.constantFrom('orders', 'billing', 'prod')).map(([k, v]) => kv(k, v)),
  { maxLength: 3 },
);
const metricsReqArb: fc.Arbitrary<ExportMetricsServiceRequest> = fc
  .array(fc.array(fc.array(fc.constantFrom('orders_total', 'orders_latency', 'invoices_total', 'up', 'o', 'ord?rs'), { maxLength: 5 }), { maxLength: 3 }), { maxLength: 3 })
  .map((rms) => ({
    resourceMetrics: rms.map((sms) => ({
      resource: { attributes: [], droppedAttributesCount: 0 },
      schemaUrl: '',
      scopeMetrics: sms.map((names) => ({ schemaUrl: '', metrics: names.map(metricNamed) })),
    })),
  }));
const logsReqArb: fc.Arbitrary<ExportLogsServiceRequest> = fc
  .array(fc.tuple(attrsArb, fc.array(fc.tuple(fc.integer({ min: 0, max: 24 }), attrsArb), { maxLength: 5 })), { maxLength: 3 })
  .map((rls) => ({
    resourceLogs: rls.map(([resAttrs, records]) => ({
      resource: { attributes: resAttrs, droppedAttributesCount: 0 },
      schemaUrl: '',
      scopeLogs: [{ schemaUrl: '', logRecords: records.map(([sev, a]) => logRecord(sev, a)) }],
    })),
  }));
const tracesReqArb: fc.Arbitrary<ExportTraceServiceRequest> = fc
  .array(fc.tuple(attrsArb, fc.array(attrsArb, { maxLength: 5 })), { maxLength: 3 })
  .map((rss) => ({
    resourceSpans: rss.map(([resAttrs, spans]) => ({
      resource: { attributes: resAttrs, droppedAttributesCount: 0 },
      schemaUrl: '',
      scopeSpans: [{ schemaUrl: '', spans: spans.map((a, i) => span(`s${i}`, a)) }],
    })),
  }));
const wantedArb = fc.dictionary(fc.constantFrom('team', 'flow', 'env'), fc.constantFrom('orders', 'billing', 'prod'), { maxKeys: 2 });

function value(attrs: readonly KeyValue[], key: string): string | undefined {
  return attrs.filter((a) => a.key === key).at(-1)?.value?.stringValue;
}
function matches(wanted: Record<string, string>, res: readonly KeyValue[], item: readonly KeyValue[]): boolean {
  return Object.entries(wanted).every(([k, v]) => value(res, k) === v || value(item, k) === v);
}

test('empty include sends nothing', () => {
  const f = createOptInFilter(NONE);
  const m: ExportMetricsServiceRequest = { resourceMetrics: [{ schemaUrl: '', scopeMetrics: [{ schemaUrl: '', metrics: [metricNamed('a')] }] }] };
  assert.equal(f.metrics(m), undefined);
  const l: ExportLogsServiceRequest = { resourceLogs: [{ schemaUrl: '', scopeLogs: [{ schemaUrl: '', logRecords: [logRecord(21, [])] }] }] };
  assert.equal(f.logs(l), undefined);
  const t: ExportTraceServiceRequest = { resourceSpans: [{ schemaUrl: '', scopeSpans: [{ schemaUrl: '', spans: [span('x', [])] }] }] };
  assert.equal(f.traces(t), undefined);
});

test('globs: * and ? only, everything else literal', () => {
  assert.equal(globToRegExp('orders_*').test('orders_total'), true);
  assert.equal(globToRegExp('orders_*').test('xorders_total'), false);
  assert.equal(globToRegExp('ord?rs').test('orders'), true);
  assert.equal(globToRegExp('a.b').test('axb'), false);
  assert.equal(globToRegExp('(a|b)').test('a'), false);
});

test('severity names and numbers', () => {
  assert.equal(severityNumberOf('WARN'), 13);
  assert.equal(severityNumberOf('error'), 17);
  assert.equal(severityNumberOf('INFO3'), 11);
  assert.equal(severityNumberOf(5), 5);
  assert.equal(severityNumberOf('LOUD'), undefined);
  assert.throws(() => createOptInFilter({ ...NONE, logs: { attributes: {}, minSeverity: 'LOUD' } }), TypeError);
  const f = createOptInFilter({ ...NONE, logs: { attributes: {}, minSeverity: 'WARN' } });
  const req: ExportLogsServiceRequest = {
    resourceLogs: [{ schemaUrl: '', scopeLogs: [{ schemaUrl: '', logRecords: [logRecord(9, []), logRecord(0, [], 'ERROR'), logRecord(0, [], ''), logRecord(13, [])] }] }],
  };
  const out = f.logs(req)?.resourceLogs[0]?.scopeLogs[0]?.logRecords;
  assert.deepEqual(out?.map((r) => [r.severityNumber, r.severityText]), [
    [0, 'ERROR'],
    [13, ''],
  ]);
});

test('property: metrics output is exactly the input metrics whose name matches a glob', () => {
  const globArb = fc.array(fc.constantFrom('orders_*', '*_total', 'up', 'ord?rs', 'nothing*', 'o'), { maxLength: 3 });
  fc.assert(
    fc.property(metricsReqArb, globArb, (req, names) => {
      const before = JSON.stringify(req);
      const out = createOptInFilter({ ...NONE, metrics: { names } }).metrics(req);
      assert.equal(JSON.stringify(req), before, 'input not modified');
      const res = names.map(globToRegExp);
      const expected = req.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics)).filter((m) => res.some((re) => re.test(m.name)));
      const got = out?.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics)) ?? [];
      assert.equal(got.length, expected.length);
      got.forEach((m, i) => assert.equal(m, expected[i], 'the same objects, in order: a subset of the input'));
      if (out !== undefined) for (const rm of out.resourceMetrics) for (const sm of rm.scopeMetrics) assert.ok(sm.metrics.length > 0, 'no empty scopes');
    }),
    { numRuns: 500 },
  );
});

test('property: logs output is exactly the matching records (attributes on resource or record, min severity)', () => {
  fc.assert(
    fc.property(logsReqArb, wantedArb, fc.option(fc.integer({ min: 1, max: 24 })), (req, wanted, minSev) => {
      const before = JSON.stringify(req, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      const out = createOptInFilter({ ...NONE, logs: { attributes: wanted, minSeverity: minSev } }).logs(req);
      assert.equal(JSON.stringify(req, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)), before);
      const enabled = Object.keys(wanted).length > 0 || minSev !== null;
      const expected = enabled
        ? req.resourceLogs.flatMap((rl) =>
            rl.scopeLogs.flatMap((sl) =>
              sl.logRecords.filter((r) => (minSev === null || r.severityNumber >= minSev) && matches(wanted, rl.resource?.attributes ?? [], r.attributes)),
            ),
          )
        : [];
      const got = out?.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)) ?? [];
      assert.equal(got.length, expected.length);
      got.forEach((r, i) => assert.equal(r, expected[i]));
    }),
    { numRuns: 500 },
  );
});

test('property: traces output is exactly the matching spans', () => {
  fc.assert(
    fc.property(tracesReqArb, wantedArb, (req, wanted) => {
      const out = createOptInFilter({ ...NONE, traces: { attributes: wanted } }).traces(req);
      const expected =
        Object.keys(wanted).length === 0
          ? []
          : req.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.filter((s) => matches(wanted, rs.resource?.attributes ?? [], s.attributes))));
      const got = out?.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)) ?? [];
      assert.equal(got.length, expected.length);
      got.forEach((s, i) => assert.equal(s, expected[i]));
      if (out !== undefined) for (const rs of out.resourceSpans) assert.ok(req.resourceSpans.some((x) => x.resource === rs.resource));
    }),
    { numRuns: 500 },
  );
});
