/**
 * OTLP requests as the ingest-side tests send them: one resource, no instrumentation scope, items
 * with the protobuf defaults, so a test states only what it varies. (test/store/builders.ts builds
 * on these the fuller requests, with scopes and realistic times, that the store's tests read back.)
 */
import type { ExportLogsServiceRequest, ExportTraceServiceRequest, KeyValue, LogRecord, Span } from '../../src/otlp/model.js';

export const stringAttr = (key: string, value: string): KeyValue => ({ key, value: { stringValue: value } });

/**
 * A root span `op` from 1 ns to 2 ns, trace id 07…07 and span id 03…03, nothing else set. Written
 * out: src/otlp has no default Span to start from (its decoder fills its own, empty ids, in place).
 */
export function span(o: Partial<Span> = {}): Span {
  return {
    traceId: new Uint8Array(16).fill(7),
    spanId: new Uint8Array(8).fill(3),
    traceState: '',
    parentSpanId: new Uint8Array(0),
    flags: 0,
    name: 'op',
    kind: 1,
    startTimeUnixNano: 1n,
    endTimeUnixNano: 2n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    ...o,
  };
}

/** An INFO log record at `timeUnixNano` (no observed time, no trace context, no attributes). */
export function logRecord(timeUnixNano: bigint, o: Partial<LogRecord> = {}): LogRecord {
  return {
    timeUnixNano,
    observedTimeUnixNano: 0n,
    severityNumber: 9,
    severityText: 'INFO',
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: new Uint8Array(0),
    spanId: new Uint8Array(0),
    eventName: '',
    ...o,
  };
}

export function tracesRequest(spans: Span[], resourceAttributes: KeyValue[]): ExportTraceServiceRequest {
  return { resourceSpans: [{ resource: { attributes: resourceAttributes, droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ schemaUrl: '', spans }] }] };
}

export function logsRequest(logRecords: LogRecord[], resourceAttributes: KeyValue[]): ExportLogsServiceRequest {
  return { resourceLogs: [{ resource: { attributes: resourceAttributes, droppedAttributesCount: 0 }, schemaUrl: '', scopeLogs: [{ schemaUrl: '', logRecords }] }] };
}
