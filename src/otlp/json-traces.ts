import { SPAN_ID_BYTES, TRACE_ID_BYTES } from './ids.js';
import { readAttributes, readResource, readScope, writeArray, writeAttributes, writeResource, writeScope } from './json-common.js';
import type { JsonObject, JsonReader } from './json-reader.js';
import type { JsonWriter } from './json-writer.js';
import type { ExportTraceServiceRequest, ResourceSpans, ScopeSpans, Span, SpanEvent, SpanLink, SpanStatus } from './model.js';


const SPAN_KINDS: ReadonlyMap<string, number> = new Map([
  ['SPAN_KIND_UNSPECIFIED', 0],
  ['SPAN_KIND_INTERNAL', 1],
  ['SPAN_KIND_SERVER', 2],
  ['SPAN_KIND_CLIENT', 3],
  ['SPAN_KIND_PRODUCER', 4],
  ['SPAN_KIND_CONSUMER', 5],
]);

const STATUS_CODES: ReadonlyMap<string, number> = new Map([
  ['STATUS_CODE_UNSET', 0],
  ['STATUS_CODE_OK', 1],
  ['STATUS_CODE_ERROR', 2],
]);

export function readTraceRequestJson(j: JsonReader, root: JsonObject): ExportTraceServiceRequest {
  return { resourceSpans: j.array(root, 'resourceSpans', (v) => readResourceSpans(j, j.object(v))) };
}

function readResourceSpans(j: JsonReader, o: JsonObject): ResourceSpans {
  const out: ResourceSpans = {
    scopeSpans: j.array(o, 'scopeSpans', (v) => readScopeSpans(j, j.object(v))),
    schemaUrl: j.string(o, 'schemaUrl'),
  };
  const resource = j.message(o, 'resource', (r) => readResource(j, r));
  if (resource !== undefined) out.resource = resource;
  return out;
}

function readScopeSpans(j: JsonReader, o: JsonObject): ScopeSpans {
  const out: ScopeSpans = {
    spans: j.array(o, 'spans', (v) => readSpan(j, j.object(v))),
    schemaUrl: j.string(o, 'schemaUrl'),
  };
  const scope = j.message(o, 'scope', (s) => readScope(j, s));
  if (scope !== undefined) out.scope = scope;
  return out;
}

function readSpan(j: JsonReader, o: JsonObject): Span {
  const span: Span = {
    traceId: j.id(o, 'traceId', TRACE_ID_BYTES),
    spanId: j.id(o, 'spanId', SPAN_ID_BYTES),
    traceState: j.string(o, 'traceState'),
    parentSpanId: j.id(o, 'parentSpanId', SPAN_ID_BYTES),
    flags: j.uint32(o, 'flags'),
    name: j.string(o, 'name'),
    kind: j.enumValue(o, 'kind', SPAN_KINDS),
    startTimeUnixNano: j.uint64(o, 'startTimeUnixNano'),
    endTimeUnixNano: j.uint64(o, 'endTimeUnixNano'),
    attributes: readAttributes(j, o, 'attributes'),
    droppedAttributesCount: j.uint32(o, 'droppedAttributesCount'),
    events: j.array(o, 'events', (v) => readEvent(j, j.object(v))),
    droppedEventsCount: j.uint32(o, 'droppedEventsCount'),
    links: j.array(o, 'links', (v) => readLink(j, j.object(v))),
    droppedLinksCount: j.uint32(o, 'droppedLinksCount'),
  };
  const status = j.message(o, 'status', (s) => readStatus(j, s));
  if (status !== undefined) span.status = status;
  return span;
}

function readEvent(j: JsonReader, o: JsonObject): SpanEvent {
  return {
    timeUnixNano: j.uint64(o, 'timeUnixNano'),
    name: j.string(o, 'name'),
    attributes: readAttributes(j, o, 'attributes'),
    droppedAttributesCount: j.uint32(o, 'droppedAttributesCount'),
  };
}

function readLink(j: JsonReader, o: JsonObject): SpanLink {
  return {
    traceId: j.id(o, 'traceId', TRACE_ID_BYTES),
    spanId: j.id(o, 'spanId', SPAN_ID_BYTES),
    traceState: j.string(o, 'traceState'),
    attributes: readAttributes(j, o, 'attributes'),
    droppedAttributesCount: j.uint32(o, 'droppedAttributesCount'),
    flags: j.uint32(o, 'flags'),
  };
}

function readStatus(j: JsonReader, o: JsonObject): SpanStatus {
  return { message: j.string(o, 'message'), code: j.enumValue(o, 'code', STATUS_CODES) };
}

// ---- writing ----

export function writeTraceRequestJson(w: JsonWriter, request: ExportTraceServiceRequest): void {
  w.open('{');
  writeArray(w, 'resourceSpans', request.resourceSpans, (rs) => {
    w.open('{');
    writeResource(w, rs.resource);
    writeArray(w, 'scopeSpans', rs.scopeSpans, (ss) => {
      w.open('{');
      writeScope(w, ss.scope);
      writeArray(w, 'spans', ss.spans, (span) => writeSpan(w, span));
      w.string('schemaUrl', ss.schemaUrl);
      w.close('}');
    });
    w.string('schemaUrl', rs.schemaUrl);
    w.close('}');
  });
  w.close('}');
}

function writeSpan(w: JsonWriter, span: Span): void {
  w.open('{');
  w.id('traceId', span.traceId);
  w.id('spanId', span.spanId);
  w.string('traceState', span.traceState);
  w.id('parentSpanId', span.parentSpanId);
  w.int('flags', span.flags);
  w.string('name', span.name);
  w.int('kind', span.kind);
  w.bigint('startTimeUnixNano', span.startTimeUnixNano);
  w.bigint('endTimeUnixNano', span.endTimeUnixNano);
  writeAttributes(w, 'attributes', span.attributes);
  w.int('droppedAttributesCount', span.droppedAttributesCount);
  writeArray(w, 'events', span.events, (event) => {
    w.open('{');
    w.bigint('timeUnixNano', event.timeUnixNano);
    w.string('name', event.name);
    writeAttributes(w, 'attributes', event.attributes);
    w.int('droppedAttributesCount', event.droppedAttributesCount);
    w.close('}');
  });
  w.int('droppedEventsCount', span.droppedEventsCount);
  writeArray(w, 'links', span.links, (link) => {
    w.open('{');
    w.id('traceId', link.traceId);
    w.id('spanId', link.spanId);
    w.string('traceState', link.traceState);
    writeAttributes(w, 'attributes', link.attributes);
    w.int('droppedAttributesCount', link.droppedAttributesCount);
    w.int('flags', link.flags);
    w.close('}');
  });
  w.int('droppedLinksCount', span.droppedLinksCount);
  if (span.status !== undefined) {
    w.key('status');
    w.open('{');
    w.string('message', span.status.message);
    w.int('code', span.status.code);
    w.close('}');
  }
  w.close('}');
}
