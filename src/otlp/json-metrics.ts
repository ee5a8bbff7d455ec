import { SPAN_ID_BYTES, TRACE_ID_BYTES } from './ids.js';
import { readAttributes, readResource, readScope, writeArray, writeAttributes, writeResource, writeScope } from './json-common.js';
import type { JsonObject, JsonReader } from './json-reader.js';
import type { JsonWriter } from './json-writer.js';
import type {
  Exemplar,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  ExportMetricsServiceRequest,
  HistogramDataPoint,
  Metric,
  NumberDataPoint,
  ResourceMetrics,
  ScopeMetrics,
  SummaryDataPoint,
} from './model.js';


const TEMPORALITIES: ReadonlyMap<string, number> = new Map([
  ['AGGREGATION_TEMPORALITY_UNSPECIFIED', 0],
  ['AGGREGATION_TEMPORALITY_DELTA', 1],
  ['AGGREGATION_TEMPORALITY_CUMULATIVE', 2],
]);

const DATA_KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;

export function readMetricsRequestJson(j: JsonReader, root: JsonObject): ExportMetricsServiceRequest {
  return { resourceMetrics: j.array(root, 'resourceMetrics', (v) => readResourceMetrics(j, j.object(v))) };
}

function readResourceMetrics(j: JsonReader, o: JsonObject): ResourceMetrics {
  const out: ResourceMetrics = {
    scopeMetrics: j.array(o, 'scopeMetrics', (v) => readScopeMetrics(j, j.object(v))),
    schemaUrl: j.string(o, 'schemaUrl'),
  };
  const resource = j.message(o, 'resource', (r) => readResource(j, r));
  if (resource !== undefined) out.resource = resource;
  return out;
}

function readScopeMetrics(j: JsonReader, o: JsonObject): ScopeMetrics {
  const out: ScopeMetrics = {
    metrics: j.array(o, 'metrics', (v) => readMetric(j, j.object(v))),
    schemaUrl: j.string(o, 'schemaUrl'),
  };
  const scope = j.message(o, 'scope', (s) => readScope(j, s));
  if (scope !== undefined) out.scope = scope;
  return out;
}

function readMetric(j: JsonReader, o: JsonObject): Metric {
  const m: Metric = {
    name: j.string(o, 'name'),
    description: j.string(o, 'description'),
    unit: j.string(o, 'unit'),
    metadata: readAttributes(j, o, 'metadata'),
  };
  let kind: string | undefined;
  for (const k of DATA_KINDS) {
    if (j.get(o, k) === undefined) continue;
    if (kind !== undefined) j.fail(`sets both ${kind} and ${k}`);
    kind = k;
  }
  switch (kind) {
    case 'gauge':
      m.gauge = j.message(o, 'gauge', (g) => ({ dataPoints: j.array(g, 'dataPoints', (v) => readNumberPoint(j, j.object(v))) }));
      break;
    case 'sum':
      m.sum = j.message(o, 'sum', (s) => ({
        dataPoints: j.array(s, 'dataPoints', (v) => readNumberPoint(j, j.object(v))),
        aggregationTemporality: j.enumValue(s, 'aggregationTemporality', TEMPORALITIES),
        isMonotonic: j.bool(s, 'isMonotonic'),
      }));
      break;
    case 'histogram':
      m.histogram = j.message(o, 'histogram', (h) => ({
        dataPoints: j.array(h, 'dataPoints', (v) => readHistogramPoint(j, j.object(v))),
        aggregationTemporality: j.enumValue(h, 'aggregationTemporality', TEMPORALITIES),
      }));
      break;
    case 'exponentialHistogram':
      m.exponentialHistogram = j.message(o, 'exponentialHistogram', (h) => ({
        dataPoints: j.array(h, 'dataPoints', (v) => readExponentialPoint(j, j.object(v))),
        aggregationTemporality: j.enumValue(h, 'aggregationTemporality', TEMPORALITIES),
      }));
      break;
    case 'summary':
      m.summary = j.message(o, 'summary', (s) => ({
        dataPoints: j.array(s, 'dataPoints', (v) => readSummaryPoint(j, j.object(v))),
      }));
      break;
    default:
      break;
  }
  return m;
}

/** Reads the asDouble/asInt oneof of number data points and exemplars into `target`. */
function readNumberValue(j: JsonReader, o: JsonObject, target: { asDouble?: number; asInt?: bigint }): void {
  const asDouble = j.optionalDouble(o, 'asDouble');
  const hasInt = j.get(o, 'asInt') !== undefined;
  if (asDouble !== undefined && hasInt) j.fail('sets both asDouble and asInt');
  if (asDouble !== undefined) target.asDouble = asDouble;
  if (hasInt) target.asInt = j.int64(o, 'asInt');
}

function readNumberPoint(j: JsonReader, o: JsonObject): NumberDataPoint {
  const p: NumberDataPoint = {
    attributes: readAttributes(j, o, 'attributes'),
    startTimeUnixNano: j.uint64(o, 'startTimeUnixNano'),
    timeUnixNano: j.uint64(o, 'timeUnixNano'),
    exemplars: j.array(o, 'exemplars', (v) => readExemplar(j, j.object(v))),
    flags: j.uint32(o, 'flags'),
  };
  readNumberValue(j, o, p);
  return p;
}

function readUint64Array(j: JsonReader, o: JsonObject, name: string): bigint[] {
  return j.array(o, name, (v) => j.uint64Value(v));
}

function readHistogramPoint(j: JsonReader, o: JsonObject): HistogramDataPoint {
  const p: HistogramDataPoint = {
    attributes: readAttributes(j, o, 'attributes'),
    startTimeUnixNano: j.uint64(o, 'startTimeUnixNano'),
    timeUnixNano: j.uint64(o, 'timeUnixNano'),
    count: j.uint64(o, 'count'),
    bucketCounts: readUint64Array(j, o, 'bucketCounts'),
    explicitBounds: j.array(o, 'explicitBounds', (v) => j.doubleValue(v)),
    exemplars: j.array(o, 'exemplars', (v) => readExemplar(j, j.object(v))),
    flags: j.uint32(o, 'flags'),
  };
  const sum = j.optionalDouble(o, 'sum');
  if (sum !== undefined) p.sum = sum;
  const min = j.optionalDouble(o, 'min');
  if (min !== undefined) p.min = min;
  const max = j.optionalDouble(o, 'max');
  if (max !== undefined) p.max = max;
  return p;
}

function readBuckets(j: JsonReader, o: JsonObject): ExponentialHistogramBuckets {
  return { offset: j.int32(o, 'offset'), bucketCounts: readUint64Array(j, o, 'bucketCounts') };
}

function readExponentialPoint(j: JsonReader, o: JsonObject): ExponentialHistogramDataPoint {
  const p: ExponentialHistogramDataPoint = {
    attributes: readAttributes(j, o, 'attributes'),
    startTimeUnixNano: j.uint64(o, 'startTimeUnixNano'),
    timeUnixNano: j.uint64(o, 'timeUnixNano'),
    count: j.uint64(o, 'count'),
    scale: j.int32(o, 'scale'),
    zeroCount: j.uint64(o, 'zeroCount'),
    flags: j.uint32(o, 'flags'),
    exemplars: j.array(o, 'exemplars', (v) => readExemplar(j, j.object(v))),
    zeroThreshold: j.double(o, 'zeroThreshold'),
  };
  const sum = j.optionalDouble(o, 'sum');
  if (sum !== undefined) p.sum = sum;
  const positive = j.message(o, 'positive', (b) => readBuckets(j, b));
  if (positive !== undefined) p.positive = positive;
  const negative = j.message(o, 'negative', (b) => readBuckets(j, b));
  if (negative !== undefined) p.negative = negative;
  const min = j.optionalDouble(o, 'min');
  if (min !== undefined) p.min = min;
  const max = j.optionalDouble(o, 'max');
  if (max !== undefined) p.max = max;
  return p;
}

function readSummaryPoint(j: JsonReader, o: JsonObject): SummaryDataPoint {
  return {
    attributes: readAttributes(j, o, 'attributes'),
    startTimeUnixNano: j.uint64(o, 'startTimeUnixNano'),
    timeUnixNano: j.uint64(o, 'timeUnixNano'),
    count: j.uint64(o, 'count'),
    sum: j.double(o, 'sum'),
    quantileValues: j.array(o, 'quantileValues', (v) => {
      const q = j.object(v);
      return { quantile: j.double(q, 'quantile'), value: j.double(q, 'value') };
    }),
    flags: j.uint32(o, 'flags'),
  };
}

function readExemplar(j: JsonReader, o: JsonObject): Exemplar {
  const e: Exemplar = {
    filteredAttributes: readAttributes(j, o, 'filteredAttributes'),
    timeUnixNano: j.uint64(o, 'timeUnixNano'),
    spanId: j.id(o, 'spanId', SPAN_ID_BYTES),
    traceId: j.id(o, 'traceId', TRACE_ID_BYTES),
  };
  readNumberValue(j, o, e);
  return e;
}

// ---- writing ----

export function writeMetricsRequestJson(w: JsonWriter, request: ExportMetricsServiceRequest): void {
  w.open('{');
  writeArray(w, 'resourceMetrics', request.resourceMetrics, (rm) => {
    w.open('{');
    writeResource(w, rm.resource);
    writeArray(w, 'scopeMetrics', rm.scopeMetrics, (sm) => {
      w.open('{');
      writeScope(w, sm.scope);
      writeArray(w, 'metrics', sm.metrics, (m) => writeMetric(w, m));
      w.string('schemaUrl', sm.schemaUrl);
      w.close('}');
    });
    w.string('schemaUrl', rm.schemaUrl);
    w.close('}');
  });
  w.close('}');
}

function writeMetric(w: JsonWriter, m: Metric): void {
  w.open('{');
  w.string('name', m.name);
  w.string('description', m.description);
  w.string('unit', m.unit);
  // One data member per metric in JSON: a decoder rejects two, so write the first that is set.
  if (m.gauge !== undefined) {
    w.key('gauge');
    w.open('{');
    writeArray(w, 'dataPoints', m.gauge.dataPoints, (p) => writeNumberPoint(w, p));
    w.close('}');
  } else if (m.sum !== undefined) {
    w.key('sum');
    w.open('{');
    writeArray(w, 'dataPoints', m.sum.dataPoints, (p) => writeNumberPoint(w, p));
    w.int('aggregationTemporality', m.sum.aggregationTemporality);
    w.bool('isMonotonic', m.sum.isMonotonic);
    w.close('}');
  } else if (m.histogram !== undefined) {
    w.key('histogram');
    w.open('{');
    writeArray(w, 'dataPoints', m.histogram.dataPoints, (p) => writeHistogramPoint(w, p));
    w.int('aggregationTemporality', m.histogram.aggregationTemporality);
    w.close('}');
  } else if (m.exponentialHistogram !== undefined) {
    w.key('exponentialHistogram');
    w.open('{');
    writeArray(w, 'dataPoints', m.exponentialHistogram.dataPoints, (p) => writeExponentialPoint(w, p));
    w.int('aggregationTemporality', m.exponentialHistogram.aggregationTemporality);
    w.close('}');
  } else if (m.summary !== undefined) {
    w.key('summary');
    w.open('{');
    writeArray(w, 'dataPoints', m.summary.dataPoints, (p) => writeSummaryPoint(w, p));
    w.close('}');
  }
  writeAttributes(w, 'metadata', m.metadata);
  w.close('}');
}

function writeNumberValue(w: JsonWriter, v: { asDouble?: number; asInt?: bigint }): void {
  if (v.asDouble !== undefined) w.optionalDouble('asDouble', v.asDouble);
  else if (v.asInt !== undefined) {
    w.key('asInt');
    w.raw(`"${v.asInt}"`);
  }
}

function writeNumberPoint(w: JsonWriter, p: NumberDataPoint): void {
  w.open('{');
  writeAttributes(w, 'attributes', p.attributes);
  w.bigint('startTimeUnixNano', p.startTimeUnixNano);
  w.bigint('timeUnixNano', p.timeUnixNano);
  writeNumberValue(w, p);
  writeArray(w, 'exemplars', p.exemplars, (e) => writeExemplar(w, e));
  w.int('flags', p.flags);
  w.close('}');
}

function writeBigintArray(w: JsonWriter, name: string, values: readonly bigint[]): void {
  writeArray(w, name, values, (v) => w.raw(`"${v}"`));
}

function writeHistogramPoint(w: JsonWriter, p: HistogramDataPoint): void {
  w.open('{');
  writeAttributes(w, 'attributes', p.attributes);
  w.bigint('startTimeUnixNano', p.startTimeUnixNano);
  w.bigint('timeUnixNano', p.timeUnixNano);
  w.bigint('count', p.count);
  w.optionalDouble('sum', p.sum);
  writeBigintArray(w, 'bucketCounts', p.bucketCounts);
  writeArray(w, 'explicitBounds', p.explicitBounds, (v) => w.doubleValue(v));
  writeArray(w, 'exemplars', p.exemplars, (e) => writeExemplar(w, e));
  w.int('flags', p.flags);
  w.optionalDouble('min', p.min);
  w.optionalDouble('max', p.max);
  w.close('}');
}

function writeBuckets(w: JsonWriter, name: string, b: ExponentialHistogramBuckets | undefined): void {
  if (b === undefined) return;
  w.key(name);
  w.open('{');
  w.int('offset', b.offset);
  writeBigintArray(w, 'bucketCounts', b.bucketCounts);
  w.close('}');
}

function writeExponentialPoint(w: JsonWriter, p: ExponentialHistogramDataPoint): void {
  w.open('{');
  writeAttributes(w, 'attributes', p.attributes);
  w.bigint('startTimeUnixNano', p.startTimeUnixNano);
  w.bigint('timeUnixNano', p.timeUnixNano);
  w.bigint('count', p.count);
  w.optionalDouble('sum', p.sum);
  w.int('scale', p.scale);
  w.bigint('zeroCount', p.zeroCount);
  writeBuckets(w, 'positive', p.positive);
  writeBuckets(w, 'negative', p.negative);
  w.int('flags', p.flags);
  writeArray(w, 'exemplars', p.exemplars, (e) => writeExemplar(w, e));
  w.optionalDouble('min', p.min);
  w.optionalDouble('max', p.max);
  w.double('zeroThreshold', p.zeroThreshold);
  w.close('}');
}

function writeSummaryPoint(w: JsonWriter, p: SummaryDataPoint): void {
  w.open('{');
  writeAttributes(w, 'attributes', p.attributes);
  w.bigint('startTimeUnixNano', p.startTimeUnixNano);
  w.bigint('timeUnixNano', p.timeUnixNano);
  w.bigint('count', p.count);
  w.double('sum', p.sum);
  writeArray(w, 'quantileValues', p.quantileValues, (q) => {
    w.open('{');
    w.double('quantile', q.quantile);
    w.double('value', q.value);
    w.close('}');
  });
  w.int('flags', p.flags);
  w.close('}');
}

function writeExemplar(w: JsonWriter, e: Exemplar): void {
  w.open('{');
  writeAttributes(w, 'filteredAttributes', e.filteredAttributes);
  w.bigint('timeUnixNano', e.timeUnixNano);
  writeNumberValue(w, e);
  w.id('spanId', e.spanId);
  w.id('traceId', e.traceId);
  w.close('}');
}
