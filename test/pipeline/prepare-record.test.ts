import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHubPolicies, prepareRecord, readRecord, rejectionMessage } from '../../src/pipeline/index.js';
import { decodeRequest, encodeRequest, getStringAttribute } from '../../src/otlp/index.js';
import { DEFAULT_OTLP_LIMITS, type ScanRule } from '../../src/otlp/scan/index.js';
import type { ExportMetricsServiceRequest, ExportTraceServiceRequest, KeyValue, RequestBySignal, Signal } from '../../src/otlp/model.js';

const s = (key: string, v: string): KeyValue => ({ key, value: { stringValue: v } });
const DEFAULT_RULES: ScanRule[] = [
  { signal: 'metrics', attribute: 'source.name', on: 'datapoint' },
  { signal: 'logs', attribute: 'source.name', on: 'resource' },
  { signal: 'traces', attribute: 'source.name', on: 'resource' },
];
const policies = createHubPolicies(DEFAULT_OTLP_LIMITS, DEFAULT_RULES);

function prepare<S extends Signal>(signal: S, request: RequestBySignal[S], format: 'protobuf' | 'json' = 'protobuf') {
  const out = prepareRecord({ signal, body: encodeRequest(signal, request, format), format, accountId: '123', receivedAtMs: 9, policy: policies.forSignal(signal), maxJsonContainers: 1000 });
  assert.equal(out.kind, 'ok');
  if (out.kind !== 'ok') throw new Error('unreachable');
  const read = out.record === undefined ? undefined : readRecord(out.record);
  const stored = read?.ok === true ? decodeRequest(signal, read.record.payload, 'protobuf') : undefined;
  return { out, read, stored };
}

function point(attrs: KeyValue[]) {
  return { attributes: attrs, startTimeUnixNano: 0n, timeUnixNano: 1n, asDouble: 1, exemplars: [], flags: 0 };
}

describe('preparing a request into a queue record', () => {
  it('drops metric data points without source.name and keeps the rest, counting per rule', () => {
    const req: ExportMetricsServiceRequest = {
      resourceMetrics: [
        {
          resource: { attributes: [s('source.name', 'on-resource-only')], droppedAttributesCount: 0 },
          schemaUrl: '',
          scopeMetrics: [
            {
              schemaUrl: '',
              metrics: [
                { name: 'a', description: '', unit: '', metadata: [], gauge: { dataPoints: [point([s('source.name', 'x')]), point([])] } },
                { name: 'b', description: '', unit: '', metadata: [], sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [point([])] } },
              ],
            },
          ],
        },
      ],
    };
    const { out, read, stored } = prepare('metrics', req);
    assert.equal(out.accepted, 1);
    assert.equal(out.rejected, 2);
    assert.deepEqual(out.rejections.map((r) => [r.name, r.count]), [['metrics.datapoint.source.name', 2]]);
    assert.equal(stored?.resourceMetrics[0]?.scopeMetrics[0]?.metrics.length, 1, 'metric left without points is removed');
    assert.equal(read?.ok === true ? read.record.items : -1, 1);
    assert.equal(
      rejectionMessage('metrics', out.rejections),
      "2 data points rejected by rule metrics.datapoint.source.name: datapoint attribute 'source.name' is required",
    );
  });

  it('writes no record when nothing is accepted', () => {
    const req: ExportTraceServiceRequest = { resourceSpans: [{ resource: { attributes: [s('source.name', '')], droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ schemaUrl: '', spans: [] }] }] };
    const { out } = prepare('traces', req);
    assert.equal(out.accepted, 0);
    assert.equal(out.record, undefined);
  });

  it('stamps the account over every e2e.account.id the sender set, on every resource (JSON too)', () => {
    const span = { traceId: new Uint8Array(16).fill(1), spanId: new Uint8Array(8).fill(2), traceState: '', parentSpanId: new Uint8Array(0), flags: 0, name: 'x', kind: 1, startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes: [], droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0 };
    const req: ExportTraceServiceRequest = {
      resourceSpans: [
        { resource: { attributes: [s('e2e.account.id', 'evil'), s('source.name', 'y'), s('e2e.account.id', 'evil2')], droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ schemaUrl: '', spans: [span] }] },
      ],
    };
    for (const format of ['protobuf', 'json'] as const) {
      const { read, stored } = prepare('traces', req, format);
      const attrs = stored?.resourceSpans[0]?.resource?.attributes ?? [];
      assert.equal(attrs.filter((a) => a.key === 'e2e.account.id').length, 1);
      assert.equal(getStringAttribute(attrs, 'e2e.account.id'), '123');
      assert.equal(read?.ok === true ? read.record.accountId : '', '123');
    }
  });

  it('refuses JSON nested beyond the limit or with too many containers before parsing it', () => {
    const deep = new TextEncoder().encode(`{"resourceLogs":${'['.repeat(500)}${']'.repeat(500)}}`);
    const outDeep = prepareRecord({ signal: 'logs', body: deep, format: 'json', accountId: '1', receivedAtMs: 1, policy: policies.forSignal('logs'), maxJsonContainers: 1000 });
    assert.equal(outDeep.kind, 'invalid');
    if (outDeep.kind === 'invalid') assert.match(outDeep.message, /nesting deeper than/);
    const wide = new TextEncoder().encode(`{"resourceLogs":[${Array.from({ length: 2000 }, () => '{}').join(',')}]}`);
    const outWide = prepareRecord({ signal: 'logs', body: wide, format: 'json', accountId: '1', receivedAtMs: 1, policy: policies.forSignal('logs'), maxJsonContainers: 1000 });
    assert.equal(outWide.kind, 'invalid');
    if (outWide.kind === 'invalid') assert.match(outWide.message, /more than 1000 objects and arrays \(limit maxJsonContainers\)/);
  });
});
