/**
 * OTLP: the shared data model, the protobuf/JSON codec for requests, export responses and
 * google.rpc.Status, and attribute helpers. See codec.ts for why the codec is hand-written.
 */
export {
  decodeExportResponse,
  decodeRequest,
  decodeRpcStatus,
  encodeExportResponse,
  encodeRequest,
  encodeRpcStatus,
} from './codec.js';
export { countItems } from './count-items.js';
export { MAX_ANY_VALUE_DEPTH, OtlpDecodeError } from './decode-error.js';
export { SPAN_ID_BYTES, TRACE_ID_BYTES } from './ids.js';
export {
  anyValueToPlain,
  attributesToPlain,
  getStringAttribute,
  hasAttribute,
  idToHex,
  setStringAttribute,
} from './attributes.js';
export { SIGNALS } from './model.js';
export type {
  AnyValue,
  ArrayValue,
  Exemplar,
  ExponentialHistogram,
  ExponentialHistogramBuckets,
  ExponentialHistogramDataPoint,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportRequest,
  ExportTraceServiceRequest,
  Gauge,
  Histogram,
  HistogramDataPoint,
  InstrumentationScope,
  KeyValue,
  KeyValueList,
  LogRecord,
  Metric,
  NumberDataPoint,
  OtlpFormat,
  PartialSuccess,
  RequestBySignal,
  Resource,
  ResourceLogs,
  ResourceMetrics,
  ResourceSpans,
  RpcStatus,
  ScopeLogs,
  ScopeMetrics,
  ScopeSpans,
  Signal,
  Span,
  SpanEvent,
  SpanLink,
  SpanStatus,
  Sum,
  Summary,
  SummaryDataPoint,
  ValueAtQuantile,
} from './model.js';
