import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, ValueType, type HrTime } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import {
  countItems,
  decodeRequest,
  encodeExportResponse,
  encodeRequest,
  getStringAttribute,
  idToHex,
  type AnyValue,
  type KeyValue,
  type OtlpFormat,
  type Signal,
} from '../../src/otlp/index.js';

/*
 * Interop with the real OpenTelemetry JS encoders (@opentelemetry/otlp-transformer, as used by
 * the OTLP exporters) on data produced by the real SDKs.
 */

const FORMATS: readonly OtlpFormat[] = ['protobuf', 'json'];
const resource = resourceFromAttributes({ 'service.name': 'checkout', 'source.name': 'orders' });

/** 2023-11-14T22:13:20.123456789Z as HrTime and as unix nanoseconds. */
const T0: HrTime = [1700000000, 123456789];
const T0_NANOS = 1700000000123456789n;
const at = (offsetMs: number): HrTime => [T0[0], T0[1] + offsetMs * 1_000_000];
const nanosAt = (offsetMs: number): bigint => T0_NANOS + BigInt(offsetMs) * 1_000_000n;

function attr(attributes: readonly KeyValue[] | undefined, key: string): AnyValue | undefined {
  return attributes?.find((kv) => kv.key === key)?.value;
}

function mustSerialize(bytes: Uint8Array | undefined): Uint8Array {
  assert.ok(bytes, 'the OpenTelemetry serializer produced no bytes');
  return bytes;
}

/** Decodes, and checks that our own encoding of the result decodes to the same model. */
function decodeBoth<S extends Signal>(signal: S, body: Uint8Array, format: OtlpFormat): ReturnType<typeof decodeRequest<S>> {
  const model = decodeRequest(signal, body, format);
  for (const f of FORMATS) assert.deepStrictEqual(decodeRequest(signal, encodeRequest(signal, model, f), f), model);
  return model;
}

describe('traces from sdk-trace-base via otlp-transformer', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('orders-lib', '1.2.3');
  const parent = tracer.startSpan('parent', { kind: SpanKind.SERVER, startTime: at(0) }, ROOT_CONTEXT);
  const linked = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
  const child = tracer.startSpan(
    'child',
    {
      kind: SpanKind.CLIENT,
      startTime: at(1),
      attributes: { 'http.method': 'GET', retries: 3, ratio: 0.25, ok: true, tags: ['a', 'b'] },
      links: [{ context: linked, attributes: { 'link.kind': 'follows' } }],
    },
    trace.setSpan(ROOT_CONTEXT, parent),
  );
  child.addEvent('cache.miss', { key: 'k1' }, at(2));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timeout' });
  child.end(at(5));
  parent.setStatus({ code: SpanStatusCode.OK });
  parent.end(at(10));
  const spans = exporter.getFinishedSpans();

  for (const format of FORMATS) {
    it(`${format}: ids, times as bigint, kinds, attributes, events, links and status`, () => {
      const serializer = format === 'json' ? JsonTraceSerializer : ProtobufTraceSerializer;
      const req = decodeBoth('traces', mustSerialize(serializer.serializeRequest(spans)), format);
      assert.equal(countItems('traces', req), 2);
      const rs = req.resourceSpans[0];
      assert.equal(getStringAttribute(rs?.resource?.attributes ?? [], 'service.name'), 'checkout');
      const ss = rs?.scopeSpans[0];
      assert.equal(ss?.scope?.name, 'orders-lib');
      assert.equal(ss.scope.version, '1.2.3');
      const byName = new Map(ss.spans.map((s) => [s.name, s]));
      const p = byName.get('parent');
      const c = byName.get('child');
      assert.ok(p && c);

      assert.equal(idToHex(p.traceId), parent.spanContext().traceId);
      assert.equal(idToHex(p.spanId), parent.spanContext().spanId);
      assert.equal(p.parentSpanId.length, 0);
      assert.equal(idToHex(c.traceId), parent.spanContext().traceId);
      assert.equal(idToHex(c.spanId), child.spanContext().spanId);
      assert.equal(idToHex(c.parentSpanId), parent.spanContext().spanId);

      assert.equal(p.kind, 2); // SPAN_KIND_SERVER
      assert.equal(c.kind, 3); // SPAN_KIND_CLIENT
      assert.equal(p.startTimeUnixNano, T0_NANOS);
      assert.equal(p.endTimeUnixNano, nanosAt(10));
      assert.equal(c.startTimeUnixNano, nanosAt(1));
      assert.equal(c.endTimeUnixNano, nanosAt(5));
      assert.deepStrictEqual(p.status, { message: '', code: 1 });
      assert.deepStrictEqual(c.status, { message: 'upstream timeout', code: 2 });

      assert.deepStrictEqual(attr(c.attributes, 'http.method'), { stringValue: 'GET' });
      assert.deepStrictEqual(attr(c.attributes, 'retries'), { intValue: 3n });
      assert.deepStrictEqual(attr(c.attributes, 'ratio'), { doubleValue: 0.25 });
      assert.deepStrictEqual(attr(c.attributes, 'ok'), { boolValue: true });
      assert.deepStrictEqual(attr(c.attributes, 'tags'), {
        arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] },
      });

      assert.equal(c.events.length, 1);
      assert.equal(c.events[0]?.name, 'cache.miss');
      assert.equal(c.events[0]?.timeUnixNano, nanosAt(2));
      assert.deepStrictEqual(attr(c.events[0]?.attributes, 'key'), { stringValue: 'k1' });

      assert.equal(c.links.length, 1);
      assert.equal(idToHex(c.links[0]?.traceId ?? new Uint8Array(0)), linked.traceId);
      assert.equal(idToHex(c.links[0]?.spanId ?? new Uint8Array(0)), linked.spanId);
      assert.deepStrictEqual(attr(c.links[0]?.attributes, 'link.kind'), { stringValue: 'follows' });
      // Sampled spans carry trace flags in the low byte of flags.
      assert.equal(c.flags & 0xff, TraceFlags.SAMPLED);
    });

    it(`${format}: its response deserializer reads our ExportTraceServiceResponse`, () => {
      const serializer = format === 'json' ? JsonTraceSerializer : ProtobufTraceSerializer;
      const body = encodeExportResponse('traces', { rejected: 7n, errorMessage: 'missing source.name' }, format);
      const parsed = serializer.deserializeResponse(body);
      assert.equal(Number(parsed.partialSuccess?.rejectedSpans), 7);
      assert.equal(parsed.partialSuccess?.errorMessage, 'missing source.name');
      assert.equal(serializer.deserializeResponse(encodeExportResponse('traces', undefined, format)).partialSuccess, undefined);
    });
  }
});

class CollectingReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

describe('metrics from sdk-metrics via otlp-transformer', () => {
  async function collect(): Promise<Parameters<typeof ProtobufMetricsSerializer.serializeRequest>[0]> {
    const reader = new CollectingReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
    const provider = new MeterProvider({
      resource,
      readers: [reader],
      views: [{ instrumentName: 'order.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
    });
    const meter = provider.getMeter('orders-meter', '0.1.0');
    const counter = meter.createCounter('orders.placed');
    counter.add(2, { 'source.name': 'orders' });
    counter.add(3, { 'source.name': 'orders' });
    const upDown = meter.createUpDownCounter('orders.open', { valueType: ValueType.INT });
    upDown.add(-4, { region: 'eu' });
    const latency = meter.createHistogram('order.latency', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100] } });
    for (const v of [5, 50, 500]) latency.record(v, { 'source.name': 'orders' });
    const size = meter.createHistogram('order.size');
    for (const v of [1, 2, 4, 8, 0]) size.record(v);
    meter.createObservableGauge('queue.depth').addCallback((r) => r.observe(17.5, { queue: 'q1' }));
    const { resourceMetrics, errors } = await reader.collect();
    assert.deepStrictEqual(errors, []);
    await provider.shutdown();
    return resourceMetrics;
  }

  for (const format of FORMATS) {
    it(`${format}: sums, a gauge, a histogram and an exponential histogram with their values`, async () => {
      const serializer = format === 'json' ? JsonMetricsSerializer : ProtobufMetricsSerializer;
      const req = decodeBoth('metrics', mustSerialize(serializer.serializeRequest(await collect())), format);
      const sm = req.resourceMetrics[0]?.scopeMetrics[0];
      assert.equal(sm?.scope?.name, 'orders-meter');
      assert.equal(getStringAttribute(req.resourceMetrics[0]?.resource?.attributes ?? [], 'source.name'), 'orders');
      const byName = new Map(sm.metrics.map((m) => [m.name, m]));

      const placed = byName.get('orders.placed')?.sum;
      assert.ok(placed);
      assert.equal(placed.isMonotonic, true);
      assert.equal(placed.aggregationTemporality, 2); // CUMULATIVE
      assert.equal(placed.dataPoints[0]?.asDouble, 5);
      assert.deepStrictEqual(attr(placed.dataPoints[0]?.attributes, 'source.name'), { stringValue: 'orders' });
      assert.ok((placed.dataPoints[0]?.timeUnixNano ?? 0n) > 1_600_000_000_000_000_000n);

      const open = byName.get('orders.open')?.sum;
      assert.equal(open?.isMonotonic, false);
      assert.equal(open.dataPoints[0]?.asInt, -4n);

      assert.equal(byName.get('queue.depth')?.gauge?.dataPoints[0]?.asDouble, 17.5);

      const latency = byName.get('order.latency');
      assert.equal(latency?.unit, 'ms');
      const hp = latency.histogram?.dataPoints[0];
      assert.ok(hp);
      assert.equal(hp.count, 3n);
      assert.equal(hp.sum, 555);
      assert.equal(hp.min, 5);
      assert.equal(hp.max, 500);
      assert.deepStrictEqual(hp.explicitBounds, [10, 100]);
      assert.deepStrictEqual(hp.bucketCounts, [1n, 1n, 1n]);

      const ep = byName.get('order.size')?.exponentialHistogram?.dataPoints[0];
      assert.ok(ep);
      assert.equal(ep.count, 5n);
      assert.equal(ep.sum, 15);
      assert.equal(ep.zeroCount, 1n);
      assert.equal(ep.min, 0);
      assert.equal(ep.max, 8);
      assert.ok(ep.positive);
      assert.equal(ep.positive.bucketCounts.reduce((a, b) => a + b, 0n), 4n);
      assert.equal(countItems('metrics', req), 5);
    });

    it(`${format}: its response deserializer reads our ExportMetricsServiceResponse`, () => {
      const serializer = format === 'json' ? JsonMetricsSerializer : ProtobufMetricsSerializer;
      const parsed = serializer.deserializeResponse(encodeExportResponse('metrics', { rejected: 2n, errorMessage: 'no source.name' }, format));
      assert.equal(Number(parsed.partialSuccess?.rejectedDataPoints), 2);
      assert.equal(parsed.partialSuccess?.errorMessage, 'no source.name');
    });
  }
});

describe('logs from sdk-logs via otlp-transformer', () => {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('orders-logger', '2.0.0');
  const spanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };
  logger.emit({
    body: 'order placed',
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    timestamp: T0,
    observedTimestamp: at(1),
    attributes: { 'order.id': 'o-1', amount: 12 },
    context: trace.setSpanContext(ROOT_CONTEXT, spanContext),
  });
  logger.emit({ body: 42, severityNumber: SeverityNumber.WARN, timestamp: at(2) });
  logger.emit({
    body: { order: 'o-2', items: [1, 2], nested: { paid: true } },
    severityNumber: SeverityNumber.ERROR,
    eventName: 'order.failed',
    timestamp: at(3),
  });
  const records = exporter.getFinishedLogRecords();

  for (const format of FORMATS) {
    it(`${format}: string, int and map bodies, severities, times, ids and event names`, () => {
      const serializer = format === 'json' ? JsonLogsSerializer : ProtobufLogsSerializer;
      const req = decodeBoth('logs', mustSerialize(serializer.serializeRequest(records)), format);
      assert.equal(countItems('logs', req), 3);
      const sl = req.resourceLogs[0]?.scopeLogs[0];
      assert.equal(sl?.scope?.name, 'orders-logger');
      const [a, b, c] = sl.logRecords;
      assert.ok(a && b && c);

      assert.deepStrictEqual(a.body, { stringValue: 'order placed' });
      assert.equal(a.severityNumber, SeverityNumber.INFO);
      assert.equal(a.severityText, 'INFO');
      assert.equal(a.timeUnixNano, T0_NANOS);
      assert.equal(a.observedTimeUnixNano, nanosAt(1));
      assert.equal(idToHex(a.traceId), spanContext.traceId);
      assert.equal(idToHex(a.spanId), spanContext.spanId);
      assert.equal(a.flags & 0xff, TraceFlags.SAMPLED);
      assert.deepStrictEqual(attr(a.attributes, 'order.id'), { stringValue: 'o-1' });
      assert.deepStrictEqual(attr(a.attributes, 'amount'), { intValue: 12n });

      assert.deepStrictEqual(b.body, { intValue: 42n });
      assert.equal(b.severityNumber, SeverityNumber.WARN);
      assert.equal(b.traceId.length, 0);

      assert.equal(c.eventName, 'order.failed');
      const body = c.body?.kvlistValue?.values;
      assert.ok(body);
      assert.deepStrictEqual(attr(body, 'order'), { stringValue: 'o-2' });
      assert.deepStrictEqual(attr(body, 'items'), { arrayValue: { values: [{ intValue: 1n }, { intValue: 2n }] } });
      assert.deepStrictEqual(attr(body, 'nested'), { kvlistValue: { values: [{ key: 'paid', value: { boolValue: true } }] } });
    });

    it(`${format}: its response deserializer reads our ExportLogsServiceResponse`, () => {
      const serializer = format === 'json' ? JsonLogsSerializer : ProtobufLogsSerializer;
      const parsed = serializer.deserializeResponse(encodeExportResponse('logs', { rejected: 1n, errorMessage: 'revoked' }, format));
      assert.equal(Number(parsed.partialSuccess?.rejectedLogRecords), 1);
      assert.equal(parsed.partialSuccess?.errorMessage, 'revoked');
    });
  }
});
