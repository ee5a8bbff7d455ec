import { createHash } from 'node:crypto';
import { scalarText, tagOf, I64, LEN, VARINT, WireReader } from '../otlp/scan/index.js';
import type { RecordView } from '../pipeline/queue-record.js';
import type { ChunkBuilder } from './chunk-builder.js';
import { anyValueToPlain, decodeLogRecord } from './detail-decode.js';
import { LINK, LOG, LOG_LINK, POINT, SPAN } from './tables.js';

/**
 * Turns the stamped protobuf of a queue record straight into column rows: one walk over the bytes,
 * ids and timestamps copied as bytes, names as views; the record's payload is stored once and each
 * item keeps its offset and length in it (decoded only when a query returns it). Resources and scopes are
 * stored once, by a hash of their bytes; metric descriptors likewise. Runs in the store worker.
 */
export interface ProcessMatcher {
  name: string;
  key: Uint8Array;
  matchKey: Uint8Array;
  matchValue: string;
}

export interface ResourceRow {
  id: bigint;
  accountId: string;
  serviceName: string;
  sourceName: string;
  resource: Uint8Array;
  scope: Uint8Array;
  scopeName: string;
}

export interface MetricRow {
  id: bigint;
  name: string;
  description: string;
  unit: string;
  type: number;
  temporality: number;
  isMonotonic: boolean;
}

export interface RowSinks {
  spans: ChunkBuilder;
  logs: ChunkBuilder;
  points: ChunkBuilder;
  links: ChunkBuilder;
  logLinks: ChunkBuilder;
  /** Called for every resource+scope pair; the store inserts the ones it has not seen. */
  resource(row: ResourceRow): void;
  metric(row: MetricRow): void;
  /** Where this record's payload starts in its slice's payload file. */
  payloadOffset: number;
  /** The slice the record goes to (log row ids are unique per slice and file offset). */
  slice: number;
  processes: readonly ProcessMatcher[];
}

/** Metric types as stored in `metrics.type`. */
export const METRIC_TYPES = ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'] as const;
const DATA_TAGS: Readonly<Record<number, number>> = { [tagOf(5, LEN)]: 0, [tagOf(7, LEN)]: 1, [tagOf(9, LEN)]: 2, [tagOf(10, LEN)]: 3, [tagOf(11, LEN)]: 4 };

const SERVICE_NAME = new Uint8Array(Buffer.from('service.name'));
const SOURCE_NAME = new Uint8Array(Buffer.from('source.name'));
const EMPTY = new Uint8Array(0);

/** Adds the rows of one record; returns its item count. Throws OtlpDecodeError on damaged bytes. */
export function addRecordRows(record: RecordView, sinks: RowSinks): number {
  const walker = new PayloadWalker(record, sinks);
  walker.run();
  return walker.items;
}

class PayloadWalker {
  readonly r: WireReader;
  readonly buf: Uint8Array;
  readonly text: Buffer;
  readonly record: RecordView;
  readonly sinks: RowSinks;
  items = 0;
  resourceId = 0n;
  /** Per process: the key value and whether the match attribute holds, on the current resource. */
  readonly resourceKeys: (string | undefined)[] = [];
  readonly resourceMatch: boolean[] = [];

  constructor(record: RecordView, sinks: RowSinks) {
    this.record = record;
    this.buf = record.payload;
    this.text = Buffer.from(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.r = new WireReader(this.buf);
    this.sinks = sinks;
  }

  run(): void {
    this.#eachField(0, this.buf.length, tagOf(1, LEN), (s, e) => this.#resourceContainer(s, e));
  }

  /** Calls `visit` with the bounds of every length-delimited field `tag` of the message [start, end). */
  #eachField(start: number, end: number, tag: number, visit: (start: number, end: number) => void): void {
    const r = this.r;
    r.pos = start;
    r.end = end;
    while (r.pos < end) {
      const t = r.tag();
      if (t !== tag) {
        r.skip(t);
        continue;
      }
      const length = r.len();
      const fieldEnd = r.pos + length;
      visit(r.pos, fieldEnd);
      // The visitor moved the reader inside the field: put it back behind it.
      r.pos = fieldEnd;
      r.end = end;
    }
  }

  /** [start, end) of the last field with `tag` in the message [start, end), or undefined. */
  #lastField(start: number, end: number, tag: number): [number, number] | undefined {
    const r = this.r;
    r.pos = start;
    r.end = end;
    let found: [number, number] | undefined;
    while (r.pos < end) {
      const t = r.tag();
      if (t === tag) {
        const len = r.len();
        found = [r.pos, r.pos + len];
        r.pos += len;
      } else r.skip(t);
    }
    return found;
  }

  #resourceContainer(start: number, end: number): void {
    const resource = this.#lastField(start, end, tagOf(1, LEN));
    const resourceBytes = resource === undefined ? EMPTY : this.buf.subarray(resource[0], resource[1]);
    const info = resource === undefined ? undefined : this.#attributeStrings(resource[0], resource[1], tagOf(1, LEN), [SERVICE_NAME, SOURCE_NAME]);
    const serviceName = info?.[0] ?? '';
    const sourceName = info?.[1] ?? '';
    this.#resourceProcessFacts(resource);
    this.#eachField(start, end, tagOf(2, LEN), (s, e) => this.#scopeContainer(s, e, resourceBytes, serviceName, sourceName));
  }

  #scopeContainer(start: number, end: number, resourceBytes: Uint8Array, serviceName: string, sourceName: string): void {
    const scope = this.#lastField(start, end, tagOf(1, LEN));
    const scopeBytes = scope === undefined ? EMPTY : this.buf.subarray(scope[0], scope[1]);
    const scopeName = scope === undefined ? '' : (this.#stringField(scope[0], scope[1], tagOf(1, LEN)) ?? '');
    const id = resourceHash(this.record.accountId, resourceBytes, scopeBytes);
    this.resourceId = id;
    this.sinks.resource({ id, accountId: this.record.accountId, serviceName, sourceName, resource: resourceBytes, scope: scopeBytes, scopeName });
    const signal = this.record.signal;
    const item = signal === 'traces' ? this.#span : signal === 'logs' ? this.#log : this.#metric;
    this.#eachField(start, end, tagOf(2, LEN), (s, e) => item.call(this, s, e));
  }

  #span(start: number, end: number): void {
    const r = this.r;
    const b = this.sinks.spans;
    const buf = this.buf;
    r.pos = start;
    r.end = end;
    let traceAt = -1;
    let spanAt = -1;
    let parentAt = -1;
    let nameStart = start;
    let nameEnd = start;
    let kind = 0;
    let startAt = -1;
    let endAt = -1;
    let status = 0;
    while (r.pos < end) {
      const tag = r.tag();
      switch (tag) {
        case tagOf(1, LEN):
          traceAt = r.idAt(16);
          break;
        case tagOf(2, LEN):
          spanAt = r.idAt(8);
          break;
        case tagOf(4, LEN):
          parentAt = r.idAt(8);
          break;
        case tagOf(5, LEN): {
          const n = r.len();
          nameStart = r.pos;
          nameEnd = r.pos + n;
          r.pos = nameEnd;
          break;
        }
        case tagOf(6, VARINT):
          kind = r.varint();
          break;
        case tagOf(7, I64):
          startAt = r.fixed64At();
          break;
        case tagOf(8, I64):
          endAt = r.fixed64At();
          break;
        case tagOf(15, LEN): {
          const n = r.len();
          const e = r.pos + n;
          status = this.#statusCode(e);
          r.pos = e;
          r.end = end;
          break;
        }
        default:
          r.skip(tag);
      }
    }
    b.idU128(SPAN.trace_id, buf, traceAt);
    b.idU64(SPAN.span_id, buf, spanAt);
    b.idU64(SPAN.parent_span_id, buf, parentAt);
    b.bytes(SPAN.name, buf.subarray(nameStart, nameEnd));
    b.u8(SPAN.kind, kind);
    b.fixed64(SPAN.start_ns, buf, startAt);
    b.fixed64(SPAN.end_ns, buf, endAt);
    b.u8(SPAN.status_code, status);
    b.u64(SPAN.resource_id, this.resourceId);
    b.u64(SPAN.item_offset, BigInt(this.sinks.payloadOffset + start));
    b.u32(SPAN.item_length, end - start);
    b.next();
    this.items++;
    if (this.sinks.processes.length > 0 && traceAt !== -1) this.#spanLinks(start, end, traceAt, startAt);
  }

  /** The code of a Status message whose content starts at the reader's position. */
  #statusCode(end: number): number {
    const r = this.r;
    r.end = end;
    let code = 0;
    while (r.pos < end) {
      const tag = r.tag();
      if (tag === tagOf(3, VARINT)) code = r.varint();
      else r.skip(tag);
    }
    return code;
  }

  #log(start: number, end: number): void {
    const r = this.r;
    const b = this.sinks.logs;
    const buf = this.buf;
    r.pos = start;
    r.end = end;
    let timeAt = -1;
    let observedAt = -1;
    let severity = 0;
    let traceAt = -1;
    let spanAt = -1;
    let bodyStart = -1;
    let bodyEnd = -1;
    while (r.pos < end) {
      const tag = r.tag();
      switch (tag) {
        case tagOf(1, I64):
          timeAt = r.fixed64At();
          break;
        case tagOf(11, I64):
          observedAt = r.fixed64At();
          break;
        case tagOf(2, VARINT):
          severity = r.varint();
          break;
        case tagOf(5, LEN): {
          const n = r.len();
          bodyStart = r.pos;
          bodyEnd = r.pos + n;
          r.pos = bodyEnd;
          break;
        }
        case tagOf(9, LEN):
          traceAt = r.idAt(16);
          break;
        case tagOf(10, LEN):
          spanAt = r.idAt(8);
          break;
        default:
          r.skip(tag);
      }
    }
    // Unique in the store: the slice, then the record's byte offset in the slice's payload file.
    const seq = (BigInt(this.sinks.slice) << 44n) | BigInt(this.sinks.payloadOffset + start);
    // A record without a time is placed at its observed time, as the OTLP spec suggests.
    const at = timeAt !== -1 && !isZero(buf, timeAt) ? timeAt : observedAt;
    b.fixed64(LOG.time_ns, buf, at);
    b.fixed64(LOG.observed_ns, buf, observedAt);
    b.u8(LOG.severity_number, severity);
    if (traceAt === -1) b.null(LOG.trace_id);
    else b.idU128(LOG.trace_id, buf, traceAt);
    if (spanAt === -1) b.null(LOG.span_id);
    else b.idU64(LOG.span_id, buf, spanAt);
    b.u64(LOG.resource_id, this.resourceId);
    b.u64(LOG.seq, seq);
    const bodyText = bodyStart === -1 ? undefined : this.#bodyText(bodyStart, bodyEnd, start, end);
    if (bodyText === undefined) b.null(LOG.body_text);
    else if (typeof bodyText === 'string') b.string(LOG.body_text, bodyText);
    else b.bytes(LOG.body_text, bodyText);
    b.u64(LOG.item_offset, BigInt(this.sinks.payloadOffset + start));
    b.u32(LOG.item_length, end - start);
    b.next();
    this.items++;
    if (this.sinks.processes.length > 0) this.#logLinks(start, end, seq, at);
  }

  /** The searchable text of a body: a string body's bytes; a structured body's JSON (as the API shows it). */
  #bodyText(start: number, end: number, recordStart: number, recordEnd: number): Uint8Array | string | undefined {
    const r = this.r;
    r.pos = start;
    r.end = end;
    let str: [number, number] | undefined;
    let other = false;
    while (r.pos < end) {
      const tag = r.tag();
      if (tag === tagOf(1, LEN)) {
        const n = r.len();
        str = [r.pos, r.pos + n];
        other = false;
        r.pos += n;
      } else {
        if (tag === tagOf(2, VARINT) || tag === tagOf(3, VARINT) || tag === tagOf(4, I64) || tag === tagOf(5, LEN) || tag === tagOf(6, LEN) || tag === tagOf(7, LEN)) {
          other = true;
          str = undefined;
        }
        r.skip(tag);
      }
    }
    if (str !== undefined) return this.buf.subarray(str[0], str[1]);
    if (!other) return undefined;
    // Structured bodies are the rare case: decoding one here keeps `contains` working on them.
    return JSON.stringify(anyValueToPlain(decodeLogRecord(this.buf.subarray(recordStart, recordEnd))?.body));
  }

  #metric(start: number, end: number): void {
    const r = this.r;
    r.pos = start;
    r.end = end;
    let name = '';
    let description = '';
    let unit = '';
    let dataStart = -1;
    let dataEnd = -1;
    let type = -1;
    while (r.pos < end) {
      const tag = r.tag();
      const kind = DATA_TAGS[tag];
      if (kind !== undefined) {
        const n = r.len();
        dataStart = r.pos;
        dataEnd = r.pos + n;
        type = kind;
        r.pos = dataEnd;
      } else if (tag === tagOf(1, LEN) || tag === tagOf(2, LEN) || tag === tagOf(3, LEN)) {
        const n = r.len();
        const s = this.text.toString('utf8', r.pos, r.pos + n);
        if (tag === tagOf(1, LEN)) name = s;
        else if (tag === tagOf(2, LEN)) description = s;
        else unit = s;
        r.pos += n;
      } else r.skip(tag);
    }
    if (type === -1) return;
    // Temporality and monotonicity live in the data message beside its points.
    let temporality = 0;
    let isMonotonic = false;
    r.pos = dataStart;
    r.end = dataEnd;
    while (r.pos < dataEnd) {
      const tag = r.tag();
      if (tag === tagOf(2, VARINT)) temporality = r.varint();
      else if (tag === tagOf(3, VARINT) && type === 1) isMonotonic = r.varint() !== 0;
      else r.skip(tag);
    }
    const id = metricHash(name, description, unit, type, temporality, isMonotonic);
    this.sinks.metric({ id, name, description, unit, type, temporality, isMonotonic });
    this.#eachField(dataStart, dataEnd, tagOf(1, LEN), (s, e) => this.#point(type, id, s, e));
  }

  #point(type: number, metricId: bigint, start: number, end: number): void {
    const r = this.r;
    const b = this.sinks.points;
    const buf = this.buf;
    r.pos = start;
    r.end = end;
    let timeAt = -1;
    let startAt = -1;
    let value: number | undefined;
    const number = type <= 1;
    while (r.pos < end) {
      const tag = r.tag();
      if (tag === tagOf(3, I64)) {
        timeAt = r.fixed64At();
      } else if (tag === tagOf(2, I64)) {
        startAt = r.fixed64At();
      } else if (number && tag === tagOf(4, I64)) {
        value = this.text.readDoubleLE(r.fixed64At());
      } else if (number && tag === tagOf(6, I64)) {
        value = Number(this.text.readBigInt64LE(r.fixed64At()));
      } else if (!number && tag === tagOf(5, I64)) {
        // Histograms and summaries chart their sum, as the old store did.
        value = this.text.readDoubleLE(r.fixed64At());
      } else r.skip(tag);
    }
    b.u64(POINT.metric_id, metricId);
    b.u64(POINT.resource_id, this.resourceId);
    b.fixed64(POINT.time_ns, buf, timeAt);
    b.fixed64(POINT.start_ns, buf, startAt);
    if (value === undefined) b.null(POINT.value);
    else b.f64(POINT.value, value);
    b.u64(POINT.item_offset, BigInt(this.sinks.payloadOffset + start));
    b.u32(POINT.item_length, end - start);
    b.next();
    this.items++;
  }

  // ---- attributes and process links ----

  /** First string-ish value of each key among the attribute fields `tag` of message [start, end). */
  #attributeStrings(start: number, end: number, tag: number, keys: readonly Uint8Array[]): (string | undefined)[] {
    const out: (string | undefined)[] = keys.map(() => undefined);
    this.#eachField(start, end, tag, (s, e) => this.#keyValue(s, e, keys, out));
    return out;
  }

  #keyValue(start: number, end: number, keys: readonly Uint8Array[], out: (string | undefined)[]): void {
    const r = this.r;
    r.pos = start;
    r.end = end;
    let keyStart = -1;
    let keyEnd = -1;
    let valueStart = -1;
    let valueEnd = -1;
    while (r.pos < end) {
      const t = r.tag();
      if (t === tagOf(1, LEN) || t === tagOf(2, LEN)) {
        const n = r.len();
        if (t === tagOf(1, LEN)) {
          keyStart = r.pos;
          keyEnd = r.pos + n;
        } else {
          valueStart = r.pos;
          valueEnd = r.pos + n;
        }
        r.pos += n;
      } else r.skip(t);
    }
    if (keyStart === -1 || valueStart === -1) return;
    for (let k = 0; k < keys.length; k++) {
      if (out[k] !== undefined || !bytesEqual(keys[k] as Uint8Array, this.buf, keyStart, keyEnd)) continue;
      out[k] = scalarText(this.buf, valueStart, valueEnd);
    }
  }

  #stringField(start: number, end: number, tag: number): string | undefined {
    const f = this.#lastField(start, end, tag);
    return f === undefined ? undefined : this.text.toString('utf8', f[0], f[1]);
  }

  #resourceProcessFacts(resource: [number, number] | undefined): void {
    const processes = this.sinks.processes;
    this.resourceKeys.length = 0;
    this.resourceMatch.length = 0;
    if (processes.length === 0) return;
    const keys = processes.flatMap((p) => [p.key, p.matchKey]);
    const values = resource === undefined ? keys.map(() => undefined) : this.#attributeStrings(resource[0], resource[1], tagOf(1, LEN), keys);
    processes.forEach((p, i) => {
      this.resourceKeys.push(values[2 * i]);
      this.resourceMatch.push(values[2 * i + 1] === p.matchValue);
    });
  }

  #spanLinks(start: number, end: number, traceAt: number, startAt: number): void {
    const processes = this.sinks.processes;
    const keys = processes.flatMap((p) => [p.key, p.matchKey]);
    const values = this.#attributeStrings(start, end, tagOf(9, LEN), keys);
    const b = this.sinks.links;
    processes.forEach((p, i) => {
      const key = values[2 * i] ?? this.resourceKeys[i];
      if (key === undefined || key === '') return;
      b.string(LINK.process, p.name);
      b.string(LINK.key, key);
      b.idU128(LINK.trace_id, this.buf, traceAt);
      b.fixed64(LINK.start_ns, this.buf, startAt);
      b.bool(LINK.matched, values[2 * i + 1] === p.matchValue || this.resourceMatch[i] === true);
      b.next();
    });
  }

  #logLinks(start: number, end: number, seq: bigint, timeAt: number): void {
    const processes = this.sinks.processes;
    const values = this.#attributeStrings(start, end, tagOf(6, LEN), processes.map((p) => p.key));
    const b = this.sinks.logLinks;
    processes.forEach((p, i) => {
      const key = values[i] ?? this.resourceKeys[i];
      if (key === undefined || key === '') return;
      b.string(LOG_LINK.process, p.name);
      b.string(LOG_LINK.key, key);
      b.u64(LOG_LINK.seq, seq);
      b.fixed64(LOG_LINK.time_ns, this.buf, timeAt);
      b.next();
    });
  }
}

function isZero(buf: Uint8Array, at: number): boolean {
  for (let k = 0; k < 8; k++) if (buf[at + k] !== 0) return false;
  return true;
}

function bytesEqual(key: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (key.length !== end - start) return false;
  for (let i = 0; i < key.length; i++) if (key[i] !== buf[start + i]) return false;
  return true;
}

/** 64-bit id of an account's resource+scope pair: the first 8 bytes of a SHA-1 over them. */
export function resourceHash(accountId: string, resource: Uint8Array, scope: Uint8Array): bigint {
  const h = createHash('sha1').update(accountId).update(new Uint8Array([0])).update(resource).update(new Uint8Array([0])).update(scope).digest();
  return h.readBigUInt64BE(0);
}

export function metricHash(name: string, description: string, unit: string, type: number, temporality: number, isMonotonic: boolean): bigint {
  const h = createHash('sha1').update(JSON.stringify([name, description, unit, type, temporality, isMonotonic])).digest();
  return h.readBigUInt64BE(0);
}
