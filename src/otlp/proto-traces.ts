import { SPAN_ID_BYTES, TRACE_ID_BYTES } from './ids.js';
import type {
  ExportTraceServiceRequest,
  ResourceSpans,
  ScopeSpans,
  Span,
  SpanEvent,
  SpanLink,
  SpanStatus,
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
  writeEnumField,
  writeFixed32Field,
  writeFixed64Field,
  writeResource,
  writeScope,
  writeStringField,
  writeUint32Field,
} from './proto-common.js';
import type { ProtoReader } from './proto-reader.js';
import type { ProtoWriter } from './proto-writer.js';

// opentelemetry/proto/trace/v1/trace.proto, collector/trace/v1/trace_service.proto

export function readTraceRequest(r: ProtoReader): ExportTraceServiceRequest {
  return { resourceSpans: readRepeatedField1(r, readResourceSpans) };
}

function readResourceSpans(r: ProtoReader): ResourceSpans {
  const e = readEnvelope(r, readResource, readScopeSpans);
  const out: ResourceSpans = { scopeSpans: e.children, schemaUrl: e.schemaUrl };
  if (e.head !== undefined) out.resource = e.head;
  return out;
}

function readScopeSpans(r: ProtoReader): ScopeSpans {
  const e = readEnvelope(r, readScope, readSpan);
  const out: ScopeSpans = { spans: e.children, schemaUrl: e.schemaUrl };
  if (e.head !== undefined) out.scope = e.head;
  return out;
}

const EMPTY = new Uint8Array(0);

function readSpan(r: ProtoReader): Span {
  const span: Span = {
    traceId: EMPTY,
    spanId: EMPTY,
    traceState: '',
    parentSpanId: EMPTY,
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
  };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (1 << 3) | 2:
        span.traceId = r.id(1, TRACE_ID_BYTES);
        break;
      case (2 << 3) | 2:
        span.spanId = r.id(2, SPAN_ID_BYTES);
        break;
      case (3 << 3) | 2:
        span.traceState = r.string(3);
        break;
      case (4 << 3) | 2:
        span.parentSpanId = r.id(4, SPAN_ID_BYTES);
        break;
      case (5 << 3) | 2:
        span.name = r.string(5);
        break;
      case (6 << 3) | 0:
        span.kind = r.int32();
        break;
      case (7 << 3) | 1:
        span.startTimeUnixNano = r.fixed64();
        break;
      case (8 << 3) | 1:
        span.endTimeUnixNano = r.fixed64();
        break;
      case (9 << 3) | 2:
        readKeyValueInto(r, 9, span.attributes);
        break;
      case (10 << 3) | 0:
        span.droppedAttributesCount = r.uint32();
        break;
      case (11 << 3) | 2:
        span.events.push(readMessage(r, 11, readEvent));
        break;
      case (12 << 3) | 0:
        span.droppedEventsCount = r.uint32();
        break;
      case (13 << 3) | 2:
        span.links.push(readMessage(r, 13, readLink));
        break;
      case (14 << 3) | 0:
        span.droppedLinksCount = r.uint32();
        break;
      case (15 << 3) | 2:
        span.status = readMessage(r, 15, readStatus);
        break;
      case (16 << 3) | 5:
        span.flags = r.fixed32();
        break;
      default:
        r.skip(tag);
    }
  }
  return span;
}

function readEvent(r: ProtoReader): SpanEvent {
  const event: SpanEvent = { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (1 << 3) | 1:
        event.timeUnixNano = r.fixed64();
        break;
      case (2 << 3) | 2:
        event.name = r.string(2);
        break;
      case (3 << 3) | 2:
        readKeyValueInto(r, 3, event.attributes);
        break;
      case (4 << 3) | 0:
        event.droppedAttributesCount = r.uint32();
        break;
      default:
        r.skip(tag);
    }
  }
  return event;
}

function readLink(r: ProtoReader): SpanLink {
  const link: SpanLink = {
    traceId: EMPTY,
    spanId: EMPTY,
    traceState: '',
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
  };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (1 << 3) | 2:
        link.traceId = r.id(1, TRACE_ID_BYTES);
        break;
      case (2 << 3) | 2:
        link.spanId = r.id(2, SPAN_ID_BYTES);
        break;
      case (3 << 3) | 2:
        link.traceState = r.string(3);
        break;
      case (4 << 3) | 2:
        readKeyValueInto(r, 4, link.attributes);
        break;
      case (5 << 3) | 0:
        link.droppedAttributesCount = r.uint32();
        break;
      case (6 << 3) | 5:
        link.flags = r.fixed32();
        break;
      default:
        r.skip(tag);
    }
  }
  return link;
}

function readStatus(r: ProtoReader): SpanStatus {
  const status: SpanStatus = { message: '', code: 0 };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (2 << 3) | 2:
        status.message = r.string(2);
        break;
      case (3 << 3) | 0:
        status.code = r.int32();
        break;
      default:
        // field 1 (deprecated_code) is reserved.
        r.skip(tag);
    }
  }
  return status;
}

// ---- writing ----

export function writeTraceRequest(w: ProtoWriter, request: ExportTraceServiceRequest): void {
  for (const rs of request.resourceSpans) {
    const at = w.beginLength(1);
    if (rs.resource !== undefined) writeResource(w, 1, rs.resource);
    for (const ss of rs.scopeSpans) {
      const ssAt = w.beginLength(2);
      if (ss.scope !== undefined) writeScope(w, 1, ss.scope);
      for (const span of ss.spans) writeSpan(w, span);
      writeStringField(w, 3, ss.schemaUrl);
      w.endLength(ssAt);
    }
    writeStringField(w, 3, rs.schemaUrl);
    w.endLength(at);
  }
}

function writeSpan(w: ProtoWriter, span: Span): void {
  const at = w.beginLength(2);
  writeBytesField(w, 1, span.traceId);
  writeBytesField(w, 2, span.spanId);
  writeStringField(w, 3, span.traceState);
  writeBytesField(w, 4, span.parentSpanId);
  writeStringField(w, 5, span.name);
  writeEnumField(w, 6, span.kind);
  writeFixed64Field(w, 7, span.startTimeUnixNano);
  writeFixed64Field(w, 8, span.endTimeUnixNano);
  writeAttributes(w, 9, span.attributes);
  writeUint32Field(w, 10, span.droppedAttributesCount);
  for (const event of span.events) {
    const eventAt = w.beginLength(11);
    writeFixed64Field(w, 1, event.timeUnixNano);
    writeStringField(w, 2, event.name);
    writeAttributes(w, 3, event.attributes);
    writeUint32Field(w, 4, event.droppedAttributesCount);
    w.endLength(eventAt);
  }
  writeUint32Field(w, 12, span.droppedEventsCount);
  for (const link of span.links) {
    const linkAt = w.beginLength(13);
    writeBytesField(w, 1, link.traceId);
    writeBytesField(w, 2, link.spanId);
    writeStringField(w, 3, link.traceState);
    writeAttributes(w, 4, link.attributes);
    writeUint32Field(w, 5, link.droppedAttributesCount);
    writeFixed32Field(w, 6, link.flags);
    w.endLength(linkAt);
  }
  writeUint32Field(w, 14, span.droppedLinksCount);
  if (span.status !== undefined) {
    const statusAt = w.beginLength(15);
    writeStringField(w, 2, span.status.message);
    writeEnumField(w, 3, span.status.code);
    w.endLength(statusAt);
  }
  writeFixed32Field(w, 16, span.flags);
  w.endLength(at);
}
