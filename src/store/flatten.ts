import { anyValueToPlain, attributesToPlain, getStringAttribute, idToHex } from '../otlp/attributes.js';
import type {
  ExponentialHistogramBuckets,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  KeyValue,
  Metric,
  Resource,
} from '../otlp/model.js';
import type { StoreItem } from './types.js';

/**
 * Turns stored items into flat table rows: one row per span, log record and metric data point.
 * All CPU work (JSON encoding, id hex, clamping) happens here, before the store opens a transaction,
 * so the transaction holds DuckDB's write lock only for the appends themselves.
 */

/** Largest BIGINT; OTLP timestamps are fixed64 and may exceed it (past the year 2262). */
export const INT64_MAX = (1n << 63n) - 1n;
export const INT64_MIN = -(1n << 63n);
export const UINT64_MAX = (1n << 64n) - 1n;

/** Clamps into BIGINT range: out-of-range fixed64 values are stored as the nearest limit, never rejected. */
export function clampInt64(v: bigint): bigint {
  return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : v;
}

/** Clamps into UBIGINT range. */
export function clampUint64(v: bigint): bigint {
  return v > UINT64_MAX ? UINT64_MAX : v < 0n ? 0n : v;
}

export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  accountId: string;
  sourceName: string;
  serviceName: string;
  attributesJson: string;
  statusJson: string;
  eventsJson: string;
  linksJson: string;
  resourceJson: string;
  scopeName: string;
  scopeVersion: string;
}

export interface LogRecordRow {
  timeNs: bigint;
  observedNs: bigint;
  severityNumber: number;
  severityText: string;
  bodyJson: string;
  /** What `contains` searches: the string itself for a string body, else the body's JSON text. */
  bodyText: string;
  accountId: string;
  sourceName: string;
  serviceName: string;
  traceId: string;
  spanId: string;
  flags: number;
  attributesJson: string;
  resourceJson: string;
  eventName: string;
  scopeName: string;
}

export type MetricType = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';

export interface PointRecord {
  name: string;
  type: MetricType;
  unit: string;
  accountId: string;
  sourceName: string;
  serviceName: string;
  /** Data point attributes with keys sorted, so equal attribute sets group into one series. */
  attributesJson: string;
  resourceJson: string;
  scopeName: string;
  timeNs: bigint;
  startNs: bigint;
  value: number | null;
  count: bigint | null;
  sum: number | null;
  min: number | null;
  max: number | null;
  bucketCountsJson: string | null;
  explicitBoundsJson: string | null;
  exponentialJson: string | null;
  quantilesJson: string | null;
  isMonotonic: boolean | null;
  temporality: number | null;
  flags: number;
}

export interface FlatRows {
  spans: SpanRecord[];
  logs: LogRecordRow[];
  points: PointRecord[];
}

export function flattenItems(items: readonly StoreItem[]): FlatRows {
  const out: FlatRows = { spans: [], logs: [], points: [] };
  for (const item of items) {
    switch (item.signal) {
      case 'traces':
        flattenTraces(item.request, item.accountId, out.spans);
        break;
      case 'logs':
        flattenLogs(item.request, item.accountId, out.logs);
        break;
      case 'metrics':
        flattenMetrics(item.request, item.accountId, out.points);
        break;
    }
  }
  return out;
}

interface ResourceInfo {
  attributes: readonly KeyValue[];
  json: string;
  sourceName: string;
  serviceName: string;
}

function resourceInfo(resource: Resource | undefined): ResourceInfo {
  const attributes = resource?.attributes ?? [];
  return {
    attributes,
    json: JSON.stringify(attributesToPlain(attributes)),
    sourceName: getStringAttribute(attributes, 'source.name') ?? '',
    serviceName: getStringAttribute(attributes, 'service.name') ?? '',
  };
}

export function flattenTraces(request: ExportTraceServiceRequest, accountId: string, out: SpanRecord[]): void {
  for (const rs of request.resourceSpans) {
    const res = resourceInfo(rs.resource);
    for (const ss of rs.scopeSpans) {
      const scopeName = ss.scope?.name ?? '';
      const scopeVersion = ss.scope?.version ?? '';
      for (const span of ss.spans) {
        out.push({
          traceId: idToHex(span.traceId),
          spanId: idToHex(span.spanId),
          parentSpanId: idToHex(span.parentSpanId),
          traceState: span.traceState,
          flags: span.flags,
          name: span.name,
          kind: span.kind,
          startNs: clampInt64(span.startTimeUnixNano),
          endNs: clampInt64(span.endTimeUnixNano),
          accountId,
          sourceName: res.sourceName,
          serviceName: res.serviceName,
          attributesJson: JSON.stringify(attributesToPlain(span.attributes)),
          statusJson: JSON.stringify(span.status === undefined ? {} : { code: span.status.code, message: span.status.message }),
          eventsJson: JSON.stringify(
            span.events.map((e) => ({
              timeUnixNano: e.timeUnixNano.toString(),
              name: e.name,
              attributes: attributesToPlain(e.attributes),
              droppedAttributesCount: e.droppedAttributesCount,
            })),
          ),
          linksJson: JSON.stringify(
            span.links.map((l) => ({
              traceId: idToHex(l.traceId),
              spanId: idToHex(l.spanId),
              traceState: l.traceState,
              attributes: attributesToPlain(l.attributes),
              droppedAttributesCount: l.droppedAttributesCount,
              flags: l.flags,
            })),
          ),
          resourceJson: res.json,
          scopeName,
          scopeVersion,
        });
      }
    }
  }
}

export function flattenLogs(request: ExportLogsServiceRequest, accountId: string, out: LogRecordRow[]): void {
  for (const rl of request.resourceLogs) {
    const res = resourceInfo(rl.resource);
    for (const sl of rl.scopeLogs) {
      const scopeName = sl.scope?.name ?? '';
      for (const lr of sl.logRecords) {
        const body = anyValueToPlain(lr.body);
        const bodyJson = JSON.stringify(body);
        out.push({
          // OTLP: timeUnixNano 0 means "unknown"; the collector's observed time is the best we have.
          timeNs: clampInt64(lr.timeUnixNano === 0n ? lr.observedTimeUnixNano : lr.timeUnixNano),
          observedNs: clampInt64(lr.observedTimeUnixNano),
          severityNumber: lr.severityNumber,
          severityText: lr.severityText,
          bodyJson,
          bodyText: typeof body === 'string' ? body : body === null ? '' : bodyJson,
          accountId,
          sourceName: res.sourceName,
          serviceName: res.serviceName,
          traceId: idToHex(lr.traceId),
          spanId: idToHex(lr.spanId),
          flags: lr.flags,
          attributesJson: JSON.stringify(attributesToPlain(lr.attributes)),
          resourceJson: res.json,
          eventName: lr.eventName,
          scopeName,
        });
      }
    }
  }
}

/** JSON text with object keys sorted at every level: a canonical form usable as a grouping key. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

function orNull(v: number | undefined): number | null {
  return v === undefined ? null : v;
}

function countsJson(counts: readonly bigint[]): string {
  return JSON.stringify(counts.map((c) => c.toString()));
}

function bucketsPlain(b: ExponentialHistogramBuckets | undefined): { offset: number; bucketCounts: string[] } {
  return { offset: b?.offset ?? 0, bucketCounts: (b?.bucketCounts ?? []).map((c) => c.toString()) };
}

export function flattenMetrics(request: ExportMetricsServiceRequest, accountId: string, out: PointRecord[]): void {
  for (const rm of request.resourceMetrics) {
    const res = resourceInfo(rm.resource);
    for (const sm of rm.scopeMetrics) {
      const scopeName = sm.scope?.name ?? '';
      for (const metric of sm.metrics) flattenMetric(metric, accountId, res, scopeName, out);
    }
  }
}

function flattenMetric(metric: Metric, accountId: string, res: ResourceInfo, scopeName: string, out: PointRecord[]): void {
  const base = (
    type: MetricType,
    attributes: readonly KeyValue[],
    timeUnixNano: bigint,
    startTimeUnixNano: bigint,
    flags: number,
  ): PointRecord => ({
    name: metric.name,
    type,
    unit: metric.unit,
    accountId,
    sourceName: getStringAttribute(attributes, 'source.name') ?? res.sourceName,
    serviceName: res.serviceName,
    attributesJson: canonicalJson(attributesToPlain(attributes)),
    resourceJson: res.json,
    scopeName,
    timeNs: clampInt64(timeUnixNano),
    startNs: clampInt64(startTimeUnixNano),
    value: null,
    count: null,
    sum: null,
    min: null,
    max: null,
    bucketCountsJson: null,
    explicitBoundsJson: null,
    exponentialJson: null,
    quantilesJson: null,
    isMonotonic: null,
    temporality: null,
    flags,
  });

  if (metric.gauge !== undefined) {
    for (const dp of metric.gauge.dataPoints) {
      const row = base('gauge', dp.attributes, dp.timeUnixNano, dp.startTimeUnixNano, dp.flags);
      row.value = numberValue(dp.asDouble, dp.asInt);
      out.push(row);
    }
  } else if (metric.sum !== undefined) {
    for (const dp of metric.sum.dataPoints) {
      const row = base('sum', dp.attributes, dp.timeUnixNano, dp.startTimeUnixNano, dp.flags);
      row.value = numberValue(dp.asDouble, dp.asInt);
      row.isMonotonic = metric.sum.isMonotonic;
      row.temporality = metric.sum.aggregationTemporality;
      out.push(row);
    }
  } else if (metric.histogram !== undefined) {
    for (const dp of metric.histogram.dataPoints) {
      const row = base('histogram', dp.attributes, dp.timeUnixNano, dp.startTimeUnixNano, dp.flags);
      row.value = orNull(dp.sum);
      row.count = clampUint64(dp.count);
      row.sum = orNull(dp.sum);
      row.min = orNull(dp.min);
      row.max = orNull(dp.max);
      row.bucketCountsJson = countsJson(dp.bucketCounts);
      row.explicitBoundsJson = JSON.stringify(dp.explicitBounds);
      row.temporality = metric.histogram.aggregationTemporality;
      out.push(row);
    }
  } else if (metric.exponentialHistogram !== undefined) {
    for (const dp of metric.exponentialHistogram.dataPoints) {
      const row = base('exponential_histogram', dp.attributes, dp.timeUnixNano, dp.startTimeUnixNano, dp.flags);
      row.value = orNull(dp.sum);
      row.count = clampUint64(dp.count);
      row.sum = orNull(dp.sum);
      row.min = orNull(dp.min);
      row.max = orNull(dp.max);
      row.exponentialJson = JSON.stringify({
        scale: dp.scale,
        zeroCount: dp.zeroCount.toString(),
        zeroThreshold: dp.zeroThreshold,
        positive: bucketsPlain(dp.positive),
        negative: bucketsPlain(dp.negative),
      });
      row.temporality = metric.exponentialHistogram.aggregationTemporality;
      out.push(row);
    }
  } else if (metric.summary !== undefined) {
    for (const dp of metric.summary.dataPoints) {
      const row = base('summary', dp.attributes, dp.timeUnixNano, dp.startTimeUnixNano, dp.flags);
      row.value = dp.sum;
      row.count = clampUint64(dp.count);
      row.sum = dp.sum;
      row.quantilesJson = JSON.stringify(dp.quantileValues.map((q) => ({ quantile: q.quantile, value: q.value })));
      out.push(row);
    }
  }
  // A metric with no data field carries no points: nothing to store.
}

function numberValue(asDouble: number | undefined, asInt: bigint | undefined): number | null {
  if (asDouble !== undefined) return asDouble;
  if (asInt !== undefined) return Number(asInt);
  return null;
}
