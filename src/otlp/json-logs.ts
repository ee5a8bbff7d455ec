import { SPAN_ID_BYTES, TRACE_ID_BYTES } from './ids.js';
import {
  readAnyValue,
  readAttributes,
  readResource,
  readScope,
  writeAnyValue,
  writeArray,
  writeAttributes,
  writeResource,
  writeScope,
} from './json-common.js';
import type { JsonObject, JsonReader } from './json-reader.js';
import type { JsonWriter } from './json-writer.js';
import type { ExportLogsServiceRequest, LogRecord, ResourceLogs, ScopeLogs } from './model.js';


const SEVERITY_NUMBERS: ReadonlyMap<string, number> = (() => {
  const names = new Map<string, number>([['SEVERITY_NUMBER_UNSPECIFIED', 0]]);
  const levels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
  levels.forEach((level, i) => {
    names.set(`SEVERITY_NUMBER_${level}`, i * 4 + 1);
    for (let n = 2; n <= 4; n++) names.set(`SEVERITY_NUMBER_${level}${n}`, i * 4 + n);
  });
  return names;
})();

export function readLogsRequestJson(j: JsonReader, root: JsonObject): ExportLogsServiceRequest {
  return { resourceLogs: j.array(root, 'resourceLogs', (v) => readResourceLogs(j, j.object(v))) };
}

function readResourceLogs(j: JsonReader, o: JsonObject): ResourceLogs {
  const out: ResourceLogs = {
    scopeLogs: j.array(o, 'scopeLogs', (v) => readScopeLogs(j, j.object(v))),
    schemaUrl: j.string(o, 'schemaUrl'),
  };
  const resource = j.message(o, 'resource', (r) => readResource(j, r));
  if (resource !== undefined) out.resource = resource;
  return out;
}

function readScopeLogs(j: JsonReader, o: JsonObject): ScopeLogs {
  const out: ScopeLogs = {
    logRecords: j.array(o, 'logRecords', (v) => readLogRecord(j, j.object(v))),
    schemaUrl: j.string(o, 'schemaUrl'),
  };
  const scope = j.message(o, 'scope', (s) => readScope(j, s));
  if (scope !== undefined) out.scope = scope;
  return out;
}

function readLogRecord(j: JsonReader, o: JsonObject): LogRecord {
  const rec: LogRecord = {
    timeUnixNano: j.uint64(o, 'timeUnixNano'),
    observedTimeUnixNano: j.uint64(o, 'observedTimeUnixNano'),
    severityNumber: j.enumValue(o, 'severityNumber', SEVERITY_NUMBERS),
    severityText: j.string(o, 'severityText'),
    attributes: readAttributes(j, o, 'attributes'),
    droppedAttributesCount: j.uint32(o, 'droppedAttributesCount'),
    flags: j.uint32(o, 'flags'),
    traceId: j.id(o, 'traceId', TRACE_ID_BYTES),
    spanId: j.id(o, 'spanId', SPAN_ID_BYTES),
    eventName: j.string(o, 'eventName'),
  };
  const body = j.get(o, 'body');
  if (body !== undefined) {
    j.push('body');
    rec.body = readAnyValue(j, body);
    j.pop();
  }
  return rec;
}

// ---- writing ----

export function writeLogsRequestJson(w: JsonWriter, request: ExportLogsServiceRequest): void {
  w.open('{');
  writeArray(w, 'resourceLogs', request.resourceLogs, (rl) => {
    w.open('{');
    writeResource(w, rl.resource);
    writeArray(w, 'scopeLogs', rl.scopeLogs, (sl) => {
      w.open('{');
      writeScope(w, sl.scope);
      writeArray(w, 'logRecords', sl.logRecords, (rec) => writeLogRecord(w, rec));
      w.string('schemaUrl', sl.schemaUrl);
      w.close('}');
    });
    w.string('schemaUrl', rl.schemaUrl);
    w.close('}');
  });
  w.close('}');
}

function writeLogRecord(w: JsonWriter, rec: LogRecord): void {
  w.open('{');
  w.bigint('timeUnixNano', rec.timeUnixNano);
  w.bigint('observedTimeUnixNano', rec.observedTimeUnixNano);
  w.int('severityNumber', rec.severityNumber);
  w.string('severityText', rec.severityText);
  if (rec.body !== undefined) {
    w.key('body');
    writeAnyValue(w, rec.body);
  }
  writeAttributes(w, 'attributes', rec.attributes);
  w.int('droppedAttributesCount', rec.droppedAttributesCount);
  w.int('flags', rec.flags);
  w.id('traceId', rec.traceId);
  w.id('spanId', rec.spanId);
  w.string('eventName', rec.eventName);
  w.close('}');
}
