import type {
  ExportMetricsServiceRequest,
  HistogramDataPoint,
  KeyValue,
  Metric,
  NumberDataPoint,
} from '../../src/otlp/model.js';

/** Small builders for OTLP metrics in the shared model (tests only). */
export function attrs(record: Record<string, string | number | boolean>): KeyValue[] {
  return Object.entries(record).map(([key, v]) => ({
    key,
    value:
      typeof v === 'string'
        ? { stringValue: v }
        : typeof v === 'boolean'
          ? { boolValue: v }
          : Number.isInteger(v)
            ? { intValue: BigInt(v) }
            : { doubleValue: v },
  }));
}

export function msToNano(ms: number): bigint {
  return BigInt(ms) * 1_000_000n;
}

export function numberPoint(value: number, timeMs: number, attributes: Record<string, string> = {}, flags = 0): NumberDataPoint {
  return {
    attributes: attrs(attributes),
    startTimeUnixNano: msToNano(timeMs - 60_000),
    timeUnixNano: msToNano(timeMs),
    ...(Number.isInteger(value) ? { asInt: BigInt(value) } : { asDouble: value }),
    exemplars: [],
    flags,
  };
}

export function histogramPoint(
  bounds: number[],
  counts: number[],
  sum: number,
  timeMs: number,
  attributes: Record<string, string> = {},
): HistogramDataPoint {
  return {
    attributes: attrs(attributes),
    startTimeUnixNano: msToNano(timeMs - 60_000),
    timeUnixNano: msToNano(timeMs),
    count: BigInt(counts.reduce((a, b) => a + b, 0)),
    sum,
    bucketCounts: counts.map(BigInt),
    explicitBounds: bounds,
    exemplars: [],
    flags: 0,
  };
}

export function metric(name: string, unit: string, data: Partial<Metric>): Metric {
  return { name, description: `${name} help`, unit, metadata: [], ...data };
}

export function metricsRequest(resource: Record<string, string>, metrics: Metric[], scopeName = 'orders-lib'): ExportMetricsServiceRequest {
  return {
    resourceMetrics: [
      {
        resource: { attributes: attrs(resource), droppedAttributesCount: 0 },
        scopeMetrics: [{ scope: { name: scopeName, version: '1.0.0', attributes: [], droppedAttributesCount: 0 }, metrics, schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  };
}

export const CUMULATIVE = 2;
export const DELTA = 1;
