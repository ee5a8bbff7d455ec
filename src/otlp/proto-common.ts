import { MAX_ANY_VALUE_DEPTH } from './decode-error.js';
import type { AnyValue, InstrumentationScope, KeyValue, Resource } from './model.js';
import type { ProtoReader } from './proto-reader.js';
import type { ProtoWriter } from './proto-writer.js';

/*
 * opentelemetry/proto/common/v1/common.proto and resource/v1/resource.proto.
 * Tags below are written as field << 3 | wire type so each switch compares one integer; a known
 * field arriving with another wire type falls to default and is skipped like an unknown field.
 */

/** Reads one length-delimited sub-message with `read`, keeping every read inside its bounds. */
export function readMessage<T>(r: ProtoReader, field: number, read: (r: ProtoReader) => T): T {
  const len = r.length(field);
  const parentEnd = r.enter(len);
  const value = read(r);
  r.leave(parentEnd);
  return value;
}

/** A request message: field 1 repeated, e.g. ExportTraceServiceRequest.resource_spans. */
export function readRepeatedField1<T>(r: ProtoReader, read: (r: ProtoReader) => T): T[] {
  const out: T[] = [];
  while (r.pos < r.end) {
    const tag = r.readTag();
    if (tag === ((1 << 3) | 2)) out.push(readMessage(r, 1, read));
    else r.skip(tag);
  }
  return out;
}

/**
 * ResourceSpans/Metrics/Logs and ScopeSpans/Metrics/Logs share one layout: field 1 a header message
 * (Resource or InstrumentationScope), field 2 the repeated children, field 3 schema_url. One reader
 * serves all six; each signal puts the parts under its own field names.
 */
export function readEnvelope<H, C>(
  r: ProtoReader,
  readHead: (r: ProtoReader) => H,
  readChild: (r: ProtoReader) => C,
): { head: H | undefined; children: C[]; schemaUrl: string } {
  const out: { head: H | undefined; children: C[]; schemaUrl: string } = { head: undefined, children: [], schemaUrl: '' };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (1 << 3) | 2:
        out.head = readMessage(r, 1, readHead);
        break;
      case (2 << 3) | 2:
        out.children.push(readMessage(r, 2, readChild));
        break;
      case (3 << 3) | 2:
        out.schemaUrl = r.string(3);
        break;
      default:
        r.skip(tag);
    }
  }
  return out;
}

function readAnyValueAt(r: ProtoReader, depth: number): AnyValue {
  if (depth > MAX_ANY_VALUE_DEPTH) r.fail(`AnyValue nesting deeper than ${MAX_ANY_VALUE_DEPTH} at offset ${r.pos}`);
  // A oneof: when a sender repeats it, the last field wins, as in every protobuf parser.
  let value: AnyValue = {};
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (1 << 3) | 2:
        value = { stringValue: r.string(1) };
        break;
      case (2 << 3) | 0:
        value = { boolValue: r.bool() };
        break;
      case (3 << 3) | 0:
        value = { intValue: r.int64() };
        break;
      case (4 << 3) | 1:
        value = { doubleValue: r.double() };
        break;
      case (5 << 3) | 2: {
        const len = r.length(5);
        const parentEnd = r.enter(len);
        const values: AnyValue[] = [];
        while (r.pos < r.end) {
          const t = r.readTag();
          if (t === ((1 << 3) | 2)) {
            const l = r.length(1);
            const e = r.enter(l);
            values.push(readAnyValueAt(r, depth + 1));
            r.leave(e);
          } else r.skip(t);
        }
        r.leave(parentEnd);
        value = { arrayValue: { values } };
        break;
      }
      case (6 << 3) | 2: {
        const len = r.length(6);
        const parentEnd = r.enter(len);
        const values: KeyValue[] = [];
        while (r.pos < r.end) {
          const t = r.readTag();
          if (t === ((1 << 3) | 2)) {
            const l = r.length(1);
            const e = r.enter(l);
            values.push(readKeyValueAt(r, depth + 1));
            r.leave(e);
          } else r.skip(t);
        }
        r.leave(parentEnd);
        value = { kvlistValue: { values } };
        break;
      }
      case (7 << 3) | 2:
        value = { bytesValue: r.bytes(7) };
        break;
      default:
        r.skip(tag);
    }
  }
  return value;
}

function readKeyValueAt(r: ProtoReader, depth: number): KeyValue {
  let key = '';
  let value: AnyValue | undefined;
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (1 << 3) | 2:
        key = r.string(1);
        break;
      case (2 << 3) | 2: {
        const len = r.length(2);
        const parentEnd = r.enter(len);
        value = readAnyValueAt(r, depth);
        r.leave(parentEnd);
        break;
      }
      default:
        r.skip(tag);
    }
  }
  return value === undefined ? { key } : { key, value };
}

/** Reads a top-level AnyValue (a log body); depth 1. */
export function readAnyValue(r: ProtoReader): AnyValue {
  return readAnyValueAt(r, 1);
}

/** Reads one KeyValue (an attribute) into `out`. */
export function readKeyValueInto(r: ProtoReader, field: number, out: KeyValue[]): void {
  const len = r.length(field);
  const parentEnd = r.enter(len);
  out.push(readKeyValueAt(r, 1));
  r.leave(parentEnd);
}

export function readResource(r: ProtoReader): Resource {
  const resource: Resource = { attributes: [], droppedAttributesCount: 0 };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (1 << 3) | 2:
        readKeyValueInto(r, 1, resource.attributes);
        break;
      case (2 << 3) | 0:
        resource.droppedAttributesCount = r.uint32();
        break;
      default:
        // entity_refs (3) and later additions are not part of the model.
        r.skip(tag);
    }
  }
  return resource;
}

export function readScope(r: ProtoReader): InstrumentationScope {
  const scope: InstrumentationScope = { name: '', version: '', attributes: [], droppedAttributesCount: 0 };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (1 << 3) | 2:
        scope.name = r.string(1);
        break;
      case (2 << 3) | 2:
        scope.version = r.string(2);
        break;
      case (3 << 3) | 2:
        readKeyValueInto(r, 3, scope.attributes);
        break;
      case (4 << 3) | 0:
        scope.droppedAttributesCount = r.uint32();
        break;
      default:
        r.skip(tag);
    }
  }
  return scope;
}

// ---- writing ----

export function writeAnyValue(w: ProtoWriter, v: AnyValue): void {
  // Oneof members are written whenever set, even when they hold the default value.
  if (v.stringValue !== undefined) {
    w.tag(1, 2);
    w.string(v.stringValue);
  } else if (v.boolValue !== undefined) {
    w.tag(2, 0);
    w.varint(v.boolValue ? 1 : 0);
  } else if (v.intValue !== undefined) {
    w.tag(3, 0);
    w.int64(v.intValue);
  } else if (v.doubleValue !== undefined) {
    w.tag(4, 1);
    w.double(v.doubleValue);
  } else if (v.arrayValue !== undefined) {
    const at = w.beginLength(5);
    for (const item of v.arrayValue.values) {
      const itemAt = w.beginLength(1);
      writeAnyValue(w, item);
      w.endLength(itemAt);
    }
    w.endLength(at);
  } else if (v.kvlistValue !== undefined) {
    const at = w.beginLength(6);
    writeAttributes(w, 1, v.kvlistValue.values);
    w.endLength(at);
  } else if (v.bytesValue !== undefined) {
    w.tag(7, 2);
    w.bytes(v.bytesValue);
  }
}

export function writeAttributes(w: ProtoWriter, field: number, attributes: readonly KeyValue[]): void {
  for (const kv of attributes) {
    const at = w.beginLength(field);
    if (kv.key !== '') {
      w.tag(1, 2);
      w.string(kv.key);
    }
    if (kv.value !== undefined) {
      const valueAt = w.beginLength(2);
      writeAnyValue(w, kv.value);
      w.endLength(valueAt);
    }
    w.endLength(at);
  }
}

export function writeResource(w: ProtoWriter, field: number, resource: Resource): void {
  const at = w.beginLength(field);
  writeAttributes(w, 1, resource.attributes);
  if (resource.droppedAttributesCount !== 0) {
    w.tag(2, 0);
    w.varint(resource.droppedAttributesCount >>> 0);
  }
  w.endLength(at);
}

export function writeScope(w: ProtoWriter, field: number, scope: InstrumentationScope): void {
  const at = w.beginLength(field);
  if (scope.name !== '') {
    w.tag(1, 2);
    w.string(scope.name);
  }
  if (scope.version !== '') {
    w.tag(2, 2);
    w.string(scope.version);
  }
  writeAttributes(w, 3, scope.attributes);
  if (scope.droppedAttributesCount !== 0) {
    w.tag(4, 0);
    w.varint(scope.droppedAttributesCount >>> 0);
  }
  w.endLength(at);
}

/** Helpers for the proto3 rule "omit scalars holding their default". */
export function writeStringField(w: ProtoWriter, field: number, value: string): void {
  if (value !== '') {
    w.tag(field, 2);
    w.string(value);
  }
}

export function writeBytesField(w: ProtoWriter, field: number, value: Uint8Array): void {
  if (value.length !== 0) {
    w.tag(field, 2);
    w.bytes(value);
  }
}

export function writeUint32Field(w: ProtoWriter, field: number, value: number): void {
  if (value !== 0) {
    w.tag(field, 0);
    w.varint(value >>> 0);
  }
}

export function writeEnumField(w: ProtoWriter, field: number, value: number): void {
  if (value !== 0) {
    w.tag(field, 0);
    w.int32(value);
  }
}

export function writeFixed64Field(w: ProtoWriter, field: number, value: bigint): void {
  if (value !== 0n) {
    w.tag(field, 1);
    w.fixed64(value);
  }
}

export function writeFixed32Field(w: ProtoWriter, field: number, value: number): void {
  if (value !== 0) {
    w.tag(field, 5);
    w.fixed32(value);
  }
}

/** Implicit-presence double: 0 is omitted but -0 is kept, so the bits round-trip. */
export function writeDoubleField(w: ProtoWriter, field: number, value: number): void {
  if (value !== 0 || Object.is(value, -0)) {
    w.tag(field, 1);
    w.double(value);
  }
}
