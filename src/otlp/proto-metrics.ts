import { SPAN_ID_BYTES, TRACE_ID_BYTES } from './ids.js';
import type {
  Exemplar,
  ExponentialHistogram,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  ExportMetricsServiceRequest,
  Gauge,
  Histogram,
  HistogramDataPoint,
  Metric,
  NumberDataPoint,
  ResourceMetrics,
  ScopeMetrics,
  Sum,
  Summary,
  SummaryDataPoint,
  ValueAtQuantile,
} from './model.js';
import {
  readKeyValueInto,
  readEnvelope,
  readMessage,
  readRepeatedField1,
  readResource,
  readScope,
  writeAttributes,
  writeBytesField,
  writeDoubleField,
  writeEnumField,
  writeFixed64Field,
  writeResource,
  writeScope,
  writeStringField,
  writeUint32Field,
} from './proto-common.js';
import { WIRE_I64, WIRE_VARINT, type ProtoReader } from './proto-reader.js';
import type { ProtoWriter } from './proto-writer.js';

// opentelemetry/proto/metrics/v1/metrics.proto, collector/metrics/v1/metrics_service.proto

export function readMetricsRequest(r: ProtoReader): ExportMetricsServiceRequest {
  return { resourceMetrics: readRepeatedField1(r, readResourceMetrics) };
}

function readResourceMetrics(r: ProtoReader): ResourceMetrics {
  const e = readEnvelope(r, readResource, readScopeMetrics);
  const out: ResourceMetrics = { scopeMetrics: e.children, schemaUrl: e.schemaUrl };
  if (e.head !== undefined) out.resource = e.head;
  return out;
}

function readScopeMetrics(r: ProtoReader): ScopeMetrics {
  const e = readEnvelope(r, readScope, readMetric);
  const out: ScopeMetrics = { metrics: e.children, schemaUrl: e.schemaUrl };
  if (e.head !== undefined) out.scope = e.head;
  return out;
}

/** The data oneof: setting one member clears the others (last one on the wire wins). */
function clearData(m: Metric): void {
  // Deleting an absent property would still cost the object its fast shape; check first.
  if (m.gauge !== undefined) delete m.gauge;
  if (m.sum !== undefined) delete m.sum;
  if (m.histogram !== undefined) delete m.histogram;
  if (m.exponentialHistogram !== undefined) delete m.exponentialHistogram;
  if (m.summary !== undefined) delete m.summary;
}

function readMetric(r: ProtoReader): Metric {
  const m: Metric = { name: '', description: '', unit: '', metadata: [] };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (1 << 3) | 2:
        m.name = r.string(1);
        break;
      case (2 << 3) | 2:
        m.description = r.string(2);
        break;
      case (3 << 3) | 2:
        m.unit = r.string(3);
        break;
      case (5 << 3) | 2: {
        const gauge = readMessage(r, 5, readGauge);
        clearData(m);
        m.gauge = gauge;
        break;
      }
      case (7 << 3) | 2: {
        const sum = readMessage(r, 7, readSum);
        clearData(m);
        m.sum = sum;
        break;
      }
      case (9 << 3) | 2: {
        const histogram = readMessage(r, 9, readHistogram);
        clearData(m);
        m.histogram = histogram;
        break;
      }
      case (10 << 3) | 2: {
        const eh = readMessage(r, 10, readExponentialHistogram);
        clearData(m);
        m.exponentialHistogram = eh;
        break;
      }
      case (11 << 3) | 2: {
        const summary = readMessage(r, 11, readSummary);
        clearData(m);
        m.summary = summary;
        break;
      }
      case (12 << 3) | 2:
        readKeyValueInto(r, 12, m.metadata);
        break;
      default:
        r.skip(tag);
    }
  }
  return m;
}

function readGauge(r: ProtoReader): Gauge {
  const out: Gauge = { dataPoints: [] };
  while (r.pos < r.end) {
    const tag = r.readTag();
    if (tag === ((1 << 3) | 2)) out.dataPoints.push(readMessage(r, 1, readNumberDataPoint));
    else r.skip(tag);
  }
  return out;
}

function readSum(r: ProtoReader): Sum {
  const out: Sum = { dataPoints: [], aggregationTemporality: 0, isMonotonic: false };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (1 << 3) | 2:
        out.dataPoints.push(readMessage(r, 1, readNumberDataPoint));
        break;
      case (2 << 3) | 0:
        out.aggregationTemporality = r.int32();
        break;
      case (3 << 3) | 0:
        out.isMonotonic = r.bool();
        break;
      default:
        r.skip(tag);
    }
  }
  return out;
}

/** Histogram and ExponentialHistogram: field 1 repeated data points, field 2 aggregation temporality. */
function readAggregated<P>(r: ProtoReader, readPoint: (r: ProtoReader) => P): { dataPoints: P[]; aggregationTemporality: number } {
  const out: { dataPoints: P[]; aggregationTemporality: number } = { dataPoints: [], aggregationTemporality: 0 };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (1 << 3) | 2:
        out.dataPoints.push(readMessage(r, 1, readPoint));
        break;
      case (2 << 3) | 0:
        out.aggregationTemporality = r.int32();
        break;
      default:
        r.skip(tag);
    }
  }
  return out;
}

function readHistogram(r: ProtoReader): Histogram {
  return readAggregated(r, readHistogramDataPoint);
}

function readExponentialHistogram(r: ProtoReader): ExponentialHistogram {
  return readAggregated(r, readExponentialDataPoint);
}

function readSummary(r: ProtoReader): Summary {
  const out: Summary = { dataPoints: [] };
  while (r.pos < r.end) {
    const tag = r.readTag();
    if (tag === ((1 << 3) | 2)) out.dataPoints.push(readMessage(r, 1, readSummaryDataPoint));
    else r.skip(tag);
  }
  return out;
}

function readNumberDataPoint(r: ProtoReader): NumberDataPoint {
  const p: NumberDataPoint = { attributes: [], startTimeUnixNano: 0n, timeUnixNano: 0n, exemplars: [], flags: 0 };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (7 << 3) | 2:
        readKeyValueInto(r, 7, p.attributes);
        break;
      case (2 << 3) | 1:
        p.startTimeUnixNano = r.fixed64();
        break;
      case (3 << 3) | 1:
        p.timeUnixNano = r.fixed64();
        break;
      case (4 << 3) | 1:
        if (p.asInt !== undefined) delete p.asInt;
        p.asDouble = r.double();
        break;
      case (6 << 3) | 1:
        if (p.asDouble !== undefined) delete p.asDouble;
        p.asInt = r.sfixed64();
        break;
      case (5 << 3) | 2:
        p.exemplars.push(readMessage(r, 5, readExemplar));
        break;
      case (8 << 3) | 0:
        p.flags = r.uint32();
        break;
      default:
        r.skip(tag);
    }
  }
  return p;
}

function readHistogramDataPoint(r: ProtoReader): HistogramDataPoint {
  const p: HistogramDataPoint = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0n,
    bucketCounts: [],
    explicitBounds: [],
    exemplars: [],
    flags: 0,
  };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (9 << 3) | 2:
        readKeyValueInto(r, 9, p.attributes);
        break;
      case (2 << 3) | 1:
        p.startTimeUnixNano = r.fixed64();
        break;
      case (3 << 3) | 1:
        p.timeUnixNano = r.fixed64();
        break;
      case (4 << 3) | 1:
        p.count = r.fixed64();
        break;
      case (5 << 3) | 1:
        p.sum = r.double();
        break;
      case (6 << 3) | 1:
      case (6 << 3) | 2:
        r.repeated(tag, WIRE_I64, readFixed64, p.bucketCounts);
        break;
      case (7 << 3) | 1:
      case (7 << 3) | 2:
        r.repeated(tag, WIRE_I64, readDouble, p.explicitBounds);
        break;
      case (8 << 3) | 2:
        p.exemplars.push(readMessage(r, 8, readExemplar));
        break;
      case (10 << 3) | 0:
        p.flags = r.uint32();
        break;
      case (11 << 3) | 1:
        p.min = r.double();
        break;
      case (12 << 3) | 1:
        p.max = r.double();
        break;
      default:
        r.skip(tag);
    }
  }
  return p;
}

function readFixed64(r: ProtoReader): bigint {
  return r.fixed64();
}
function readDouble(r: ProtoReader): number {
  return r.double();
}
function readUint64(r: ProtoReader): bigint {
  return r.uint64();
}

function readExponentialDataPoint(r: ProtoReader): ExponentialHistogramDataPoint {
  const p: ExponentialHistogramDataPoint = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0n,
    scale: 0,
    zeroCount: 0n,
    flags: 0,
    exemplars: [],
    zeroThreshold: 0,
  };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (1 << 3) | 2:
        readKeyValueInto(r, 1, p.attributes);
        break;
      case (2 << 3) | 1:
        p.startTimeUnixNano = r.fixed64();
        break;
      case (3 << 3) | 1:
        p.timeUnixNano = r.fixed64();
        break;
      case (4 << 3) | 1:
        p.count = r.fixed64();
        break;
      case (5 << 3) | 1:
        p.sum = r.double();
        break;
      case (6 << 3) | 0:
        p.scale = r.sint32();
        break;
      case (7 << 3) | 1:
        p.zeroCount = r.fixed64();
        break;
      case (8 << 3) | 2:
        p.positive = readMessage(r, 8, readBuckets);
        break;
      case (9 << 3) | 2:
        p.negative = readMessage(r, 9, readBuckets);
        break;
      case (10 << 3) | 0:
        p.flags = r.uint32();
        break;
      case (11 << 3) | 2:
        p.exemplars.push(readMessage(r, 11, readExemplar));
        break;
      case (12 << 3) | 1:
        p.min = r.double();
        break;
      case (13 << 3) | 1:
        p.max = r.double();
        break;
      case (14 << 3) | 1:
        p.zeroThreshold = r.double();
        break;
      default:
        r.skip(tag);
    }
  }
  return p;
}

function readBuckets(r: ProtoReader): ExponentialHistogramBuckets {
  const b: ExponentialHistogramBuckets = { offset: 0, bucketCounts: [] };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (1 << 3) | 0:
        b.offset = r.sint32();
        break;
      case (2 << 3) | 0:
      case (2 << 3) | 2:
        r.repeated(tag, WIRE_VARINT, readUint64, b.bucketCounts);
        break;
      default:
        r.skip(tag);
    }
  }
  return b;
}

function readSummaryDataPoint(r: ProtoReader): SummaryDataPoint {
  const p: SummaryDataPoint = {
    attributes: [],
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0n,
    sum: 0,
    quantileValues: [],
    flags: 0,
  };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (7 << 3) | 2:
        readKeyValueInto(r, 7, p.attributes);
        break;
      case (2 << 3) | 1:
        p.startTimeUnixNano = r.fixed64();
        break;
      case (3 << 3) | 1:
        p.timeUnixNano = r.fixed64();
        break;
      case (4 << 3) | 1:
        p.count = r.fixed64();
        break;
      case (5 << 3) | 1:
        p.sum = r.double();
        break;
      case (6 << 3) | 2:
        p.quantileValues.push(readMessage(r, 6, readQuantile));
        break;
      case (8 << 3) | 0:
        p.flags = r.uint32();
        break;
      default:
        r.skip(tag);
    }
  }
  return p;
}

function readQuantile(r: ProtoReader): ValueAtQuantile {
  const q: ValueAtQuantile = { quantile: 0, value: 0 };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (1 << 3) | 1:
        q.quantile = r.double();
        break;
      case (2 << 3) | 1:
        q.value = r.double();
        break;
      default:
        r.skip(tag);
    }
  }
  return q;
}

const EMPTY = new Uint8Array(0);

function readExemplar(r: ProtoReader): Exemplar {
  const e: Exemplar = { filteredAttributes: [], timeUnixNano: 0n, spanId: EMPTY, traceId: EMPTY };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (7 << 3) | 2:
        readKeyValueInto(r, 7, e.filteredAttributes);
        break;
      case (2 << 3) | 1:
        e.timeUnixNano = r.fixed64();
        break;
      case (3 << 3) | 1:
        if (e.asInt !== undefined) delete e.asInt;
        e.asDouble = r.double();
        break;
      case (6 << 3) | 1:
        if (e.asDouble !== undefined) delete e.asDouble;
        e.asInt = r.sfixed64();
        break;
      case (4 << 3) | 2:
        e.spanId = r.id(4, SPAN_ID_BYTES);
        break;
      case (5 << 3) | 2:
        e.traceId = r.id(5, TRACE_ID_BYTES);
        break;
      default:
        r.skip(tag);
    }
  }
  return e;
}

// ---- writing ----

export function writeMetricsRequest(w: ProtoWriter, request: ExportMetricsServiceRequest): void {
  for (const rm of request.resourceMetrics) {
    const at = w.beginLength(1);
    if (rm.resource !== undefined) writeResource(w, 1, rm.resource);
    for (const sm of rm.scopeMetrics) {
      const smAt = w.beginLength(2);
      if (sm.scope !== undefined) writeScope(w, 1, sm.scope);
      for (const metric of sm.metrics) writeMetric(w, metric);
      writeStringField(w, 3, sm.schemaUrl);
      w.endLength(smAt);
    }
    writeStringField(w, 3, rm.schemaUrl);
    w.endLength(at);
  }
}

function writeMetric(w: ProtoWriter, m: Metric): void {
  const at = w.beginLength(2);
  writeStringField(w, 1, m.name);
  writeStringField(w, 2, m.description);
  writeStringField(w, 3, m.unit);
  if (m.gauge !== undefined) {
    const gAt = w.beginLength(5);
    for (const p of m.gauge.dataPoints) writeNumberDataPoint(w, p);
    w.endLength(gAt);
  }
  if (m.sum !== undefined) {
    const sAt = w.beginLength(7);
    for (const p of m.sum.dataPoints) writeNumberDataPoint(w, p);
    writeEnumField(w, 2, m.sum.aggregationTemporality);
    if (m.sum.isMonotonic) {
      w.tag(3, 0);
      w.varint(1);
    }
    w.endLength(sAt);
  }
  if (m.histogram !== undefined) {
    const hAt = w.beginLength(9);
    for (const p of m.histogram.dataPoints) writeHistogramDataPoint(w, p);
    writeEnumField(w, 2, m.histogram.aggregationTemporality);
    w.endLength(hAt);
  }
  if (m.exponentialHistogram !== undefined) {
    const eAt = w.beginLength(10);
    for (const p of m.exponentialHistogram.dataPoints) writeExponentialDataPoint(w, p);
    writeEnumField(w, 2, m.exponentialHistogram.aggregationTemporality);
    w.endLength(eAt);
  }
  if (m.summary !== undefined) {
    const sAt = w.beginLength(11);
    for (const p of m.summary.dataPoints) writeSummaryDataPoint(w, p);
    w.endLength(sAt);
  }
  writeAttributes(w, 12, m.metadata);
  w.endLength(at);
}

function writeNumberDataPoint(w: ProtoWriter, p: NumberDataPoint): void {
  const at = w.beginLength(1);
  writeFixed64Field(w, 2, p.startTimeUnixNano);
  writeFixed64Field(w, 3, p.timeUnixNano);
  if (p.asDouble !== undefined) {
    w.tag(4, 1);
    w.double(p.asDouble);
  }
  for (const e of p.exemplars) writeExemplar(w, 5, e);
  if (p.asInt !== undefined) {
    w.tag(6, 1);
    w.sfixed64(p.asInt);
  }
  writeAttributes(w, 7, p.attributes);
  writeUint32Field(w, 8, p.flags);
  w.endLength(at);
}

function writeOptionalDouble(w: ProtoWriter, field: number, value: number | undefined): void {
  if (value !== undefined) {
    w.tag(field, 1);
    w.double(value);
  }
}

function writePackedFixed64(w: ProtoWriter, field: number, values: readonly bigint[]): void {
  if (values.length === 0) return;
  w.tag(field, 2);
  w.varint(values.length * 8);
  for (const v of values) w.fixed64(v);
}

function writePackedDouble(w: ProtoWriter, field: number, values: readonly number[]): void {
  if (values.length === 0) return;
  w.tag(field, 2);
  w.varint(values.length * 8);
  for (const v of values) w.double(v);
}

function writeHistogramDataPoint(w: ProtoWriter, p: HistogramDataPoint): void {
  const at = w.beginLength(1);
  writeFixed64Field(w, 2, p.startTimeUnixNano);
  writeFixed64Field(w, 3, p.timeUnixNano);
  writeFixed64Field(w, 4, p.count);
  writeOptionalDouble(w, 5, p.sum);
  writePackedFixed64(w, 6, p.bucketCounts);
  writePackedDouble(w, 7, p.explicitBounds);
  for (const e of p.exemplars) writeExemplar(w, 8, e);
  writeAttributes(w, 9, p.attributes);
  writeUint32Field(w, 10, p.flags);
  writeOptionalDouble(w, 11, p.min);
  writeOptionalDouble(w, 12, p.max);
  w.endLength(at);
}

function writeBuckets(w: ProtoWriter, field: number, b: ExponentialHistogramBuckets): void {
  const at = w.beginLength(field);
  if (b.offset !== 0) {
    w.tag(1, 0);
    w.sint32(b.offset);
  }
  if (b.bucketCounts.length !== 0) {
    const countsAt = w.beginLength(2);
    for (const c of b.bucketCounts) w.uint64(c);
    w.endLength(countsAt);
  }
  w.endLength(at);
}

function writeExponentialDataPoint(w: ProtoWriter, p: ExponentialHistogramDataPoint): void {
  const at = w.beginLength(1);
  writeAttributes(w, 1, p.attributes);
  writeFixed64Field(w, 2, p.startTimeUnixNano);
  writeFixed64Field(w, 3, p.timeUnixNano);
  writeFixed64Field(w, 4, p.count);
  writeOptionalDouble(w, 5, p.sum);
  if (p.scale !== 0) {
    w.tag(6, 0);
    w.sint32(p.scale);
  }
  writeFixed64Field(w, 7, p.zeroCount);
  if (p.positive !== undefined) writeBuckets(w, 8, p.positive);
  if (p.negative !== undefined) writeBuckets(w, 9, p.negative);
  writeUint32Field(w, 10, p.flags);
  for (const e of p.exemplars) writeExemplar(w, 11, e);
  writeOptionalDouble(w, 12, p.min);
  writeOptionalDouble(w, 13, p.max);
  writeDoubleField(w, 14, p.zeroThreshold);
  w.endLength(at);
}

function writeSummaryDataPoint(w: ProtoWriter, p: SummaryDataPoint): void {
  const at = w.beginLength(1);
  writeFixed64Field(w, 2, p.startTimeUnixNano);
  writeFixed64Field(w, 3, p.timeUnixNano);
  writeFixed64Field(w, 4, p.count);
  writeDoubleField(w, 5, p.sum);
  for (const q of p.quantileValues) {
    const qAt = w.beginLength(6);
    writeDoubleField(w, 1, q.quantile);
    writeDoubleField(w, 2, q.value);
    w.endLength(qAt);
  }
  writeAttributes(w, 7, p.attributes);
  writeUint32Field(w, 8, p.flags);
  w.endLength(at);
}

function writeExemplar(w: ProtoWriter, field: number, e: Exemplar): void {
  const at = w.beginLength(field);
  writeFixed64Field(w, 2, e.timeUnixNano);
  if (e.asDouble !== undefined) {
    w.tag(3, 1);
    w.double(e.asDouble);
  }
  writeBytesField(w, 4, e.spanId);
  writeBytesField(w, 5, e.traceId);
  if (e.asInt !== undefined) {
    w.tag(6, 1);
    w.sfixed64(e.asInt);
  }
  writeAttributes(w, 7, e.filteredAttributes);
  w.endLength(at);
}
