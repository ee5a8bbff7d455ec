import { SPAN_ID_BYTES, TRACE_ID_BYTES } from './ids.js';
import type { ExportLogsServiceRequest, LogRecord, ResourceLogs, ScopeLogs } from './model.js';
import {
  readAnyValue,
  readKeyValueInto,
  readEnvelope,
  readMessage,
  readRepeatedField1,
  readResource,
  readScope,
  writeAnyValue,
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

// opentelemetry/proto/logs/v1/logs.proto, collector/logs/v1/logs_service.proto

export function readLogsRequest(r: ProtoReader): ExportLogsServiceRequest {
  return { resourceLogs: readRepeatedField1(r, readResourceLogs) };
}

function readResourceLogs(r: ProtoReader): ResourceLogs {
  const e = readEnvelope(r, readResource, readScopeLogs);
  const out: ResourceLogs = { scopeLogs: e.children, schemaUrl: e.schemaUrl };
  if (e.head !== undefined) out.resource = e.head;
  return out;
}

function readScopeLogs(r: ProtoReader): ScopeLogs {
  const e = readEnvelope(r, readScope, readLogRecord);
  const out: ScopeLogs = { logRecords: e.children, schemaUrl: e.schemaUrl };
  if (e.head !== undefined) out.scope = e.head;
  return out;
}

const EMPTY = new Uint8Array(0);

function readLogRecord(r: ProtoReader): LogRecord {
  const rec: LogRecord = {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: EMPTY,
    spanId: EMPTY,
    eventName: '',
  };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (1 << 3) | 1:
        rec.timeUnixNano = r.fixed64();
        break;
      case (11 << 3) | 1:
        rec.observedTimeUnixNano = r.fixed64();
        break;
      case (2 << 3) | 0:
        rec.severityNumber = r.int32();
        break;
      case (3 << 3) | 2:
        rec.severityText = r.string(3);
        break;
      case (5 << 3) | 2:
        rec.body = readMessage(r, 5, readAnyValue);
        break;
      case (6 << 3) | 2:
        readKeyValueInto(r, 6, rec.attributes);
        break;
      case (7 << 3) | 0:
        rec.droppedAttributesCount = r.uint32();
        break;
      case (8 << 3) | 5:
        rec.flags = r.fixed32();
        break;
      case (9 << 3) | 2:
        rec.traceId = r.id(9, TRACE_ID_BYTES);
        break;
      case (10 << 3) | 2:
        rec.spanId = r.id(10, SPAN_ID_BYTES);
        break;
      case (12 << 3) | 2:
        rec.eventName = r.string(12);
        break;
      default:
        r.skip(tag);
    }
  }
  return rec;
}

// ---- writing ----

export function writeLogsRequest(w: ProtoWriter, request: ExportLogsServiceRequest): void {
  for (const rl of request.resourceLogs) {
    const at = w.beginLength(1);
    if (rl.resource !== undefined) writeResource(w, 1, rl.resource);
    for (const sl of rl.scopeLogs) {
      const slAt = w.beginLength(2);
      if (sl.scope !== undefined) writeScope(w, 1, sl.scope);
      for (const rec of sl.logRecords) writeLogRecord(w, rec);
      writeStringField(w, 3, sl.schemaUrl);
      w.endLength(slAt);
    }
    writeStringField(w, 3, rl.schemaUrl);
    w.endLength(at);
  }
}

function writeLogRecord(w: ProtoWriter, rec: LogRecord): void {
  const at = w.beginLength(2);
  writeFixed64Field(w, 1, rec.timeUnixNano);
  writeEnumField(w, 2, rec.severityNumber);
  writeStringField(w, 3, rec.severityText);
  if (rec.body !== undefined) {
    const bodyAt = w.beginLength(5);
    writeAnyValue(w, rec.body);
    w.endLength(bodyAt);
  }
  writeAttributes(w, 6, rec.attributes);
  writeUint32Field(w, 7, rec.droppedAttributesCount);
  writeFixed32Field(w, 8, rec.flags);
  writeBytesField(w, 9, rec.traceId);
  writeBytesField(w, 10, rec.spanId);
  writeFixed64Field(w, 11, rec.observedTimeUnixNano);
  writeStringField(w, 12, rec.eventName);
  w.endLength(at);
}
