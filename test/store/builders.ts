/**
 * Small builders of OTLP model objects for tests: every field gets the protobuf default unless
 * overridden, so a test states only what it checks.
 */
import type {
  AnyValue,
  ExponentialHistogramDataPoint,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  HistogramDataPoint,
  KeyValue,
  LogRecord,
  Metric,
  NumberDataPoint,
  Span,
  SpanEvent,
  SpanLink,
  SummaryDataPoint,
} from '../../src/otlp/model.js';
import type { TestItem as StoreItem } from '../helpers/store-fixture.js';
import { logRecord as bareLogRecord, span as bareSpan } from '../helpers/otlp-requests.js';

/** Plain value → AnyValue: string, boolean, bigint (int), number (double), Uint8Array (bytes), arrays, objects (kvlist). */
export type PlainAttr = string | boolean | bigint | number | Uint8Array | PlainAttr[] | { [key: string]: PlainAttr } | null;

export function anyValue(v: PlainAttr): AnyValue {
  if (v === null) return {};
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'bigint') return { intValue: v };
  if (typeof v === 'number') return { doubleValue: v };
  if (v instanceof Uint8Array) return { bytesValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  return { kvlistValue: { values: attrs(v) } };
}

export function attrs(record: Record<string, PlainAttr>): KeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value: anyValue(value) }));
}

export function hex(id: string): Uint8Array {
  return new Uint8Array(Buffer.from(id, 'hex'));
}

/** A span at a realistic time with the store tests' default ids (the ingest tests' span otherwise). */
export function span(o: Partial<Span> & { name: string }): Span {
  return bareSpan({
    traceId: hex('0af7651916cd43dd8448eb211c80319c'),
    spanId: hex('b7ad6b7169203331'),
    startTimeUnixNano: 1_700_000_000_000_000_000n,
    endTimeUnixNano: 1_700_000_000_100_000_000n,
    ...o,
  });
}

export function spanEvent(o: Partial<SpanEvent> & { name: string }): SpanEvent {
  return { timeUnixNano: 0n, attributes: [], droppedAttributesCount: 0, ...o };
}

export function spanLink(o: Partial<SpanLink> & { traceId: Uint8Array; spanId: Uint8Array }): SpanLink {
  return { traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0, ...o };
}

export interface ResourceOptions {
  resource?: Record<string, PlainAttr>;
  scopeName?: string;
}

function resourceOf(o: ResourceOptions) {
  return { attributes: attrs(o.resource ?? {}), droppedAttributesCount: 0 };
}

function scopeOf(o: ResourceOptions) {
  return { name: o.scopeName ?? 'test-scope', version: '1.0.0', attributes: [], droppedAttributesCount: 0 };
}

export function tracesRequest(spans: Span[], o: ResourceOptions = {}): ExportTraceServiceRequest {
  return {
    resourceSpans: [{ resource: resourceOf(o), schemaUrl: '', scopeSpans: [{ scope: scopeOf(o), spans, schemaUrl: '' }] }],
  };
}

/** A log record at a realistic time, observed half a second later. */
export function logRecord(o: Partial<LogRecord> = {}): LogRecord {
  return bareLogRecord(1_700_000_000_000_000_000n, { observedTimeUnixNano: 1_700_000_000_500_000_000n, ...o });
}

export function logsRequest(logRecords: LogRecord[], o: ResourceOptions = {}): ExportLogsServiceRequest {
  return {
    resourceLogs: [{ resource: resourceOf(o), schemaUrl: '', scopeLogs: [{ scope: scopeOf(o), logRecords, schemaUrl: '' }] }],
  };
}

export function numberPoint(o: Partial<NumberDataPoint> = {}): NumberDataPoint {
  return { attributes: [], startTimeUnixNano: 0n, timeUnixNano: 1_700_000_000_000_000_000n, exemplars: [], flags: 0, ...o };
}

export function histogramPoint(o: Partial<HistogramDataPoint> = {}): HistogramDataPoint {
  return {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 1_700_000_000_000_000_000n,
    count: 0n,
    bucketCounts: [],
    explicitBounds: [],
    exemplars: [],
    flags: 0,
    ...o,
  };
}

export function expHistogramPoint(o: Partial<ExponentialHistogramDataPoint> = {}): ExponentialHistogramDataPoint {
  return {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 1_700_000_000_000_000_000n,
    count: 0n,
    scale: 0,
    zeroCount: 0n,
    flags: 0,
    exemplars: [],
    zeroThreshold: 0,
    ...o,
  };
}

export function summaryPoint(o: Partial<SummaryDataPoint> = {}): SummaryDataPoint {
  return {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 1_700_000_000_000_000_000n,
    count: 0n,
    sum: 0,
    quantileValues: [],
    flags: 0,
    ...o,
  };
}

function metric(name: string, unit: string, data: Partial<Metric>): Metric {
  return { name, description: '', unit, metadata: [], ...data };
}

export const metrics = {
  gauge: (name: string, dataPoints: NumberDataPoint[], unit = ''): Metric => metric(name, unit, { gauge: { dataPoints } }),
  sum: (name: string, dataPoints: NumberDataPoint[], o: { unit?: string; isMonotonic?: boolean; temporality?: number } = {}): Metric =>
    metric(name, o.unit ?? '', {
      sum: { dataPoints, isMonotonic: o.isMonotonic ?? true, aggregationTemporality: o.temporality ?? 2 },
    }),
  histogram: (name: string, dataPoints: HistogramDataPoint[], unit = '', temporality = 2): Metric =>
    metric(name, unit, { histogram: { dataPoints, aggregationTemporality: temporality } }),
  exponentialHistogram: (name: string, dataPoints: ExponentialHistogramDataPoint[], unit = '', temporality = 2): Metric =>
    metric(name, unit, { exponentialHistogram: { dataPoints, aggregationTemporality: temporality } }),
  summary: (name: string, dataPoints: SummaryDataPoint[], unit = ''): Metric => metric(name, unit, { summary: { dataPoints } }),
};

export function metricsRequest(list: Metric[], o: ResourceOptions = {}): ExportMetricsServiceRequest {
  return {
    resourceMetrics: [{ resource: resourceOf(o), schemaUrl: '', scopeMetrics: [{ scope: scopeOf(o), metrics: list, schemaUrl: '' }] }],
  };
}

export const item = {
  traces: (accountId: string, request: ExportTraceServiceRequest): StoreItem => ({ signal: 'traces', accountId, request }),
  logs: (accountId: string, request: ExportLogsServiceRequest): StoreItem => ({ signal: 'logs', accountId, request }),
  metrics: (accountId: string, request: ExportMetricsServiceRequest): StoreItem => ({ signal: 'metrics', accountId, request }),
};

/** Resource attributes as the pipeline leaves them: source, service and the stamped account. */
export function stampedResource(accountId: string, sourceName: string, serviceName = 'svc'): Record<string, PlainAttr> {
  return { 'source.name': sourceName, 'service.name': serviceName, 'e2e.account.id': accountId };
}
