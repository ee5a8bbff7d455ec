import fc from 'fast-check';
import type {
  AnyValue,
  Exemplar,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  HistogramDataPoint,
  InstrumentationScope,
  KeyValue,
  LogRecord,
  Metric,
  NumberDataPoint,
  Resource,
  Span,
  SummaryDataPoint,
} from '../../src/otlp/model.js';

/*
 * Model arbitraries covering every field of every OTLP message the codec knows. Optional fields
 * are omitted (never set to undefined), as the decoders do, so deepStrictEqual can compare.
 */

const MAX_ITEMS = 3;

/** fc.record, but with Object.prototype (decoders build plain objects; deepStrictEqual checks prototypes). */
const record = ((model: never, constraints?: fc.RecordConstraints<never>) =>
  fc.record(model, { ...constraints, noNullPrototype: true })) as typeof fc.record;

export const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
export const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
export const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
/** Any double, NaN, ±Infinity and -0 included. */
export const double = fc.double();
/** Full Unicode (no lone surrogates, which no UTF-8 encoding can carry). */
export const text = fc.string({ unit: 'binary', maxLength: 12 });
export const bytes = fc.uint8Array({ maxLength: 10 });
const id = (length: number): fc.Arbitrary<Uint8Array> =>
  fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ minLength: length, maxLength: length }));
export const traceId = id(16);
export const spanId = id(8);

const { anyValue, keyValue } = fc.letrec<{ anyValue: AnyValue; keyValue: KeyValue }>((tie) => ({
  anyValue: fc.oneof(
    { maxDepth: 3, depthSize: 'small' },
    text.map((stringValue): AnyValue => ({ stringValue })),
    fc.constant<AnyValue>({}),
    fc.boolean().map((boolValue): AnyValue => ({ boolValue })),
    i64.map((intValue): AnyValue => ({ intValue })),
    double.map((doubleValue): AnyValue => ({ doubleValue })),
    bytes.map((bytesValue): AnyValue => ({ bytesValue })),
    fc.array(tie('anyValue'), { maxLength: MAX_ITEMS }).map((values): AnyValue => ({ arrayValue: { values } })),
    fc.array(tie('keyValue'), { maxLength: MAX_ITEMS }).map((values): AnyValue => ({ kvlistValue: { values } })),
  ),
  keyValue: record({ key: text, value: tie('anyValue') }, { requiredKeys: ['key'] }),
}));
export { anyValue, keyValue };

export const attributes = fc.array(keyValue, { maxLength: MAX_ITEMS });

export const resource: fc.Arbitrary<Resource> = record({ attributes, droppedAttributesCount: u32 });
export const scope: fc.Arbitrary<InstrumentationScope> = record({
  name: text,
  version: text,
  attributes,
  droppedAttributesCount: u32,
});

const items = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T[]> => fc.array(arb, { maxLength: MAX_ITEMS });

// ---- traces ----

export const span: fc.Arbitrary<Span> = record(
  {
    traceId,
    spanId,
    traceState: text,
    parentSpanId: spanId,
    flags: u32,
    name: text,
    kind: i32,
    startTimeUnixNano: u64,
    endTimeUnixNano: u64,
    attributes,
    droppedAttributesCount: u32,
    events: items(record({ timeUnixNano: u64, name: text, attributes, droppedAttributesCount: u32 })),
    droppedEventsCount: u32,
    links: items(
      record({ traceId, spanId, traceState: text, attributes, droppedAttributesCount: u32, flags: u32 }),
    ),
    droppedLinksCount: u32,
    status: record({ message: text, code: i32 }),
  },
  { requiredKeys: [
    'traceId', 'spanId', 'traceState', 'parentSpanId', 'flags', 'name', 'kind', 'startTimeUnixNano',
    'endTimeUnixNano', 'attributes', 'droppedAttributesCount', 'events', 'droppedEventsCount', 'links',
    'droppedLinksCount',
  ] },
);

export const traceRequest: fc.Arbitrary<ExportTraceServiceRequest> = record({
  resourceSpans: items(
    record(
      {
        resource,
        scopeSpans: items(record({ scope, spans: items(span), schemaUrl: text }, { requiredKeys: ['spans', 'schemaUrl'] })),
        schemaUrl: text,
      },
      { requiredKeys: ['scopeSpans', 'schemaUrl'] },
    ),
  ),
});

// ---- metrics ----

/** The asDouble/asInt oneof: one of them, or neither. */
const numberValue = fc.oneof(
  double.map((asDouble) => ({ asDouble })),
  i64.map((asInt) => ({ asInt })),
  fc.constant({}),
);

export const exemplar: fc.Arbitrary<Exemplar> = fc
  .tuple(record({ filteredAttributes: attributes, timeUnixNano: u64, spanId, traceId }), numberValue)
  .map(([e, v]) => ({ ...e, ...v }));

const pointBase = { attributes, startTimeUnixNano: u64, timeUnixNano: u64, flags: u32 };

export const numberPoint: fc.Arbitrary<NumberDataPoint> = fc
  .tuple(record({ ...pointBase, exemplars: items(exemplar) }), numberValue)
  .map(([p, v]) => ({ ...p, ...v }));

export const histogramPoint: fc.Arbitrary<HistogramDataPoint> = record(
  {
    ...pointBase,
    count: u64,
    sum: double,
    bucketCounts: fc.array(u64, { maxLength: 5 }),
    explicitBounds: fc.array(double, { maxLength: 5 }),
    exemplars: items(exemplar),
    min: double,
    max: double,
  },
  { requiredKeys: ['attributes', 'startTimeUnixNano', 'timeUnixNano', 'flags', 'count', 'bucketCounts', 'explicitBounds', 'exemplars'] },
);

const buckets: fc.Arbitrary<ExponentialHistogramBuckets> = record({
  offset: i32,
  bucketCounts: fc.array(u64, { maxLength: 5 }),
});

export const exponentialPoint: fc.Arbitrary<ExponentialHistogramDataPoint> = record(
  {
    ...pointBase,
    count: u64,
    sum: double,
    scale: i32,
    zeroCount: u64,
    positive: buckets,
    negative: buckets,
    exemplars: items(exemplar),
    min: double,
    max: double,
    zeroThreshold: double,
  },
  { requiredKeys: ['attributes', 'startTimeUnixNano', 'timeUnixNano', 'flags', 'count', 'scale', 'zeroCount', 'exemplars', 'zeroThreshold'] },
);

export const summaryPoint: fc.Arbitrary<SummaryDataPoint> = record({
  ...pointBase,
  count: u64,
  sum: double,
  quantileValues: items(record({ quantile: double, value: double })),
});

const metricData = fc.oneof(
  items(numberPoint).map((dataPoints) => ({ gauge: { dataPoints } })),
  record({ dataPoints: items(numberPoint), aggregationTemporality: i32, isMonotonic: fc.boolean() })
    .map((sum) => ({ sum })),
  record({ dataPoints: items(histogramPoint), aggregationTemporality: i32 }).map((histogram) => ({ histogram })),
  record({ dataPoints: items(exponentialPoint), aggregationTemporality: i32 })
    .map((exponentialHistogram) => ({ exponentialHistogram })),
  items(summaryPoint).map((dataPoints) => ({ summary: { dataPoints } })),
  // A metric of a kind this protocol version does not know arrives with no data member.
  fc.constant({}),
);

export const metric: fc.Arbitrary<Metric> = fc
  .tuple(record({ name: text, description: text, unit: text, metadata: attributes }), metricData)
  .map(([m, d]) => ({ ...m, ...d }));

export const metricsRequest: fc.Arbitrary<ExportMetricsServiceRequest> = record({
  resourceMetrics: items(
    record(
      {
        resource,
        scopeMetrics: items(record({ scope, metrics: items(metric), schemaUrl: text }, { requiredKeys: ['metrics', 'schemaUrl'] })),
        schemaUrl: text,
      },
      { requiredKeys: ['scopeMetrics', 'schemaUrl'] },
    ),
  ),
});

// ---- logs ----

export const logRecord: fc.Arbitrary<LogRecord> = record(
  {
    timeUnixNano: u64,
    observedTimeUnixNano: u64,
    severityNumber: i32,
    severityText: text,
    body: anyValue,
    attributes,
    droppedAttributesCount: u32,
    flags: u32,
    traceId,
    spanId,
    eventName: text,
  },
  { requiredKeys: [
    'timeUnixNano', 'observedTimeUnixNano', 'severityNumber', 'severityText', 'attributes',
    'droppedAttributesCount', 'flags', 'traceId', 'spanId', 'eventName',
  ] },
);

export const logsRequest: fc.Arbitrary<ExportLogsServiceRequest> = record({
  resourceLogs: items(
    record(
      {
        resource,
        scopeLogs: items(record({ scope, logRecords: items(logRecord), schemaUrl: text }, { requiredKeys: ['logRecords', 'schemaUrl'] })),
        schemaUrl: text,
      },
      { requiredKeys: ['scopeLogs', 'schemaUrl'] },
    ),
  ),
});
