/**
 * The in-memory OTLP data model shared by every part (codec, pipeline, store, exporters, agent).
 * It mirrors the OTLP protobuf messages field for field, with the lowerCamelCase names of the OTLP
 * JSON mapping. Representation choices, fixed here so every part agrees:
 * - 64-bit integers (timestamps, counts, intValue, asInt) are `bigint`: unix nanoseconds exceed 2^53.
 * - trace and span ids are raw bytes (`Uint8Array`, empty when unset); JSON shows them as hex.
 * - `bytes` values are `Uint8Array`; JSON shows them as base64.
 * - enums are numbers; optional scalar fields (`sum`, `min`, `max`) are `undefined` when absent.
 * - repeated fields are always arrays (possibly empty); absent sub-messages are `undefined`.
 */

export type Signal = 'traces' | 'metrics' | 'logs';
export const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];

/** One of the AnyValue kinds; an AnyValue with no field set is the empty value. */
export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: bigint;
  doubleValue?: number;
  arrayValue?: ArrayValue;
  kvlistValue?: KeyValueList;
  bytesValue?: Uint8Array;
}
export interface ArrayValue {
  values: AnyValue[];
}
export interface KeyValueList {
  values: KeyValue[];
}
export interface KeyValue {
  key: string;
  value?: AnyValue;
}

export interface Resource {
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

export interface InstrumentationScope {
  name: string;
  version: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

// ---- traces ----
export interface ExportTraceServiceRequest {
  resourceSpans: ResourceSpans[];
}
export interface ResourceSpans {
  resource?: Resource;
  scopeSpans: ScopeSpans[];
  schemaUrl: string;
}
export interface ScopeSpans {
  scope?: InstrumentationScope;
  spans: Span[];
  schemaUrl: string;
}
export interface Span {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  parentSpanId: Uint8Array;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  status?: SpanStatus;
}
export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}
export interface SpanLink {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  flags: number;
}
export interface SpanStatus {
  message: string;
  code: number;
}

// ---- metrics ----
export interface ExportMetricsServiceRequest {
  resourceMetrics: ResourceMetrics[];
}
export interface ResourceMetrics {
  resource?: Resource;
  scopeMetrics: ScopeMetrics[];
  schemaUrl: string;
}
export interface ScopeMetrics {
  scope?: InstrumentationScope;
  metrics: Metric[];
  schemaUrl: string;
}
/** Exactly one of gauge/sum/histogram/exponentialHistogram/summary is set on valid data. */
export interface Metric {
  name: string;
  description: string;
  unit: string;
  metadata: KeyValue[];
  gauge?: Gauge;
  sum?: Sum;
  histogram?: Histogram;
  exponentialHistogram?: ExponentialHistogram;
  summary?: Summary;
}
export interface Gauge {
  dataPoints: NumberDataPoint[];
}
export interface Sum {
  dataPoints: NumberDataPoint[];
  aggregationTemporality: number;
  isMonotonic: boolean;
}
export interface Histogram {
  dataPoints: HistogramDataPoint[];
  aggregationTemporality: number;
}
export interface ExponentialHistogram {
  dataPoints: ExponentialHistogramDataPoint[];
  aggregationTemporality: number;
}
export interface Summary {
  dataPoints: SummaryDataPoint[];
}
export interface NumberDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  asDouble?: number;
  asInt?: bigint;
  exemplars: Exemplar[];
  flags: number;
}
export interface HistogramDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: bigint;
  sum?: number;
  bucketCounts: bigint[];
  explicitBounds: number[];
  exemplars: Exemplar[];
  flags: number;
  min?: number;
  max?: number;
}
export interface ExponentialHistogramBuckets {
  offset: number;
  bucketCounts: bigint[];
}
export interface ExponentialHistogramDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: bigint;
  sum?: number;
  scale: number;
  zeroCount: bigint;
  positive?: ExponentialHistogramBuckets;
  negative?: ExponentialHistogramBuckets;
  flags: number;
  exemplars: Exemplar[];
  min?: number;
  max?: number;
  zeroThreshold: number;
}
export interface SummaryDataPoint {
  attributes: KeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: bigint;
  sum: number;
  quantileValues: ValueAtQuantile[];
  flags: number;
}
export interface ValueAtQuantile {
  quantile: number;
  value: number;
}
export interface Exemplar {
  filteredAttributes: KeyValue[];
  timeUnixNano: bigint;
  asDouble?: number;
  asInt?: bigint;
  spanId: Uint8Array;
  traceId: Uint8Array;
}

// ---- logs ----
export interface ExportLogsServiceRequest {
  resourceLogs: ResourceLogs[];
}
export interface ResourceLogs {
  resource?: Resource;
  scopeLogs: ScopeLogs[];
  schemaUrl: string;
}
export interface ScopeLogs {
  scope?: InstrumentationScope;
  logRecords: LogRecord[];
  schemaUrl: string;
}
export interface LogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body?: AnyValue;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  flags: number;
  traceId: Uint8Array;
  spanId: Uint8Array;
  eventName: string;
}

/** The request type of each signal. */
export interface RequestBySignal {
  traces: ExportTraceServiceRequest;
  metrics: ExportMetricsServiceRequest;
  logs: ExportLogsServiceRequest;
}
export type ExportRequest = RequestBySignal[Signal];

/** partial_success of Export*ServiceResponse; `rejected` is rejected_spans / _data_points / _log_records. */
export interface PartialSuccess {
  rejected: bigint;
  errorMessage: string;
}

/** google.rpc.Status as used in OTLP/HTTP error bodies (details are not used by the hub). */
export interface RpcStatus {
  code: number;
  message: string;
}

/** Wire format of an OTLP/HTTP body. */
export type OtlpFormat = 'protobuf' | 'json';
