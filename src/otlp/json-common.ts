import { MAX_ANY_VALUE_DEPTH } from './decode-error.js';
import type { JsonObject, JsonReader } from './json-reader.js';
import { base64Json, type JsonWriter } from './json-writer.js';
import type { AnyValue, InstrumentationScope, KeyValue, Resource } from './model.js';

/** AnyValue member names in the JSON mapping; exactly one may be set. */
const ANY_VALUE_KINDS = [
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'arrayValue',
  'kvlistValue',
  'bytesValue',
] as const;

export function readAnyValue(j: JsonReader, v: unknown, depth = 1): AnyValue {
  if (depth > MAX_ANY_VALUE_DEPTH) j.fail(`nests AnyValue deeper than ${MAX_ANY_VALUE_DEPTH}`);
  const o = j.object(v);
  let kind: (typeof ANY_VALUE_KINDS)[number] | undefined;
  let member: unknown;
  for (const k of ANY_VALUE_KINDS) {
    const m = j.get(o, k);
    if (m === undefined) continue;
    if (kind !== undefined) j.fail(`sets both ${kind} and ${k}`);
    kind = k;
    member = m;
  }
  if (kind === undefined) return {};
  j.push(kind);
  let out: AnyValue;
  switch (kind) {
    case 'stringValue':
      if (typeof member !== 'string') j.fail('is not a string');
      out = { stringValue: member };
      break;
    case 'boolValue':
      out = { boolValue: j.boolValue(member) };
      break;
    case 'intValue':
      out = { intValue: j.int64Value(member) };
      break;
    case 'doubleValue':
      out = { doubleValue: j.doubleValue(member) };
      break;
    case 'arrayValue':
      out = { arrayValue: { values: j.array(j.object(member), 'values', (x) => readAnyValue(j, x, depth + 1)) } };
      break;
    case 'kvlistValue':
      out = { kvlistValue: { values: j.array(j.object(member), 'values', (x) => readKeyValue(j, x, depth + 1)) } };
      break;
    case 'bytesValue':
      out = { bytesValue: j.bytesValue(member) };
      break;
  }
  j.pop();
  return out;
}

export function readKeyValue(j: JsonReader, v: unknown, depth = 1): KeyValue {
  const o = j.object(v);
  const key = j.string(o, 'key');
  const raw = j.get(o, 'value');
  if (raw === undefined) return { key };
  j.push('value');
  const value = readAnyValue(j, raw, depth);
  j.pop();
  return { key, value };
}

export function readAttributes(j: JsonReader, o: JsonObject, name: string): KeyValue[] {
  return j.array(o, name, (v) => readKeyValue(j, v));
}

export function readResource(j: JsonReader, o: JsonObject): Resource {
  return {
    attributes: readAttributes(j, o, 'attributes'),
    droppedAttributesCount: j.uint32(o, 'droppedAttributesCount'),
  };
}

export function readScope(j: JsonReader, o: JsonObject): InstrumentationScope {
  return {
    name: j.string(o, 'name'),
    version: j.string(o, 'version'),
    attributes: readAttributes(j, o, 'attributes'),
    droppedAttributesCount: j.uint32(o, 'droppedAttributesCount'),
  };
}

// ---- writing ----

export function writeAnyValue(w: JsonWriter, v: AnyValue): void {
  w.open('{');
  if (v.stringValue !== undefined) {
    w.key('stringValue');
    w.stringValue(v.stringValue);
  } else if (v.boolValue !== undefined) {
    w.key('boolValue');
    w.raw(v.boolValue ? 'true' : 'false');
  } else if (v.intValue !== undefined) {
    w.key('intValue');
    w.raw(`"${v.intValue}"`);
  } else if (v.doubleValue !== undefined) {
    w.key('doubleValue');
    w.doubleValue(v.doubleValue);
  } else if (v.arrayValue !== undefined) {
    w.key('arrayValue');
    w.open('{');
    if (v.arrayValue.values.length !== 0) {
      w.key('values');
      w.open('[');
      for (const item of v.arrayValue.values) writeAnyValue(w, item);
      w.close(']');
    }
    w.close('}');
  } else if (v.kvlistValue !== undefined) {
    w.key('kvlistValue');
    w.open('{');
    writeAttributes(w, 'values', v.kvlistValue.values);
    w.close('}');
  } else if (v.bytesValue !== undefined) {
    w.key('bytesValue');
    w.raw(base64Json(v.bytesValue));
  }
  w.close('}');
}

export function writeAttributes(w: JsonWriter, name: string, attributes: readonly KeyValue[]): void {
  if (attributes.length === 0) return;
  w.key(name);
  w.open('[');
  for (const kv of attributes) {
    w.open('{');
    w.key('key');
    w.stringValue(kv.key);
    if (kv.value !== undefined) {
      w.key('value');
      writeAnyValue(w, kv.value);
    }
    w.close('}');
  }
  w.close(']');
}

export function writeResource(w: JsonWriter, resource: Resource | undefined): void {
  if (resource === undefined) return;
  w.key('resource');
  w.open('{');
  writeAttributes(w, 'attributes', resource.attributes);
  w.int('droppedAttributesCount', resource.droppedAttributesCount);
  w.close('}');
}

export function writeScope(w: JsonWriter, scope: InstrumentationScope | undefined): void {
  if (scope === undefined) return;
  w.key('scope');
  w.open('{');
  w.string('name', scope.name);
  w.string('version', scope.version);
  writeAttributes(w, 'attributes', scope.attributes);
  w.int('droppedAttributesCount', scope.droppedAttributesCount);
  w.close('}');
}

/** Writes array field `name` (omitted when empty) with `write` per element. */
export function writeArray<T>(w: JsonWriter, name: string, items: readonly T[], write: (item: T) => void): void {
  if (items.length === 0) return;
  w.key(name);
  w.open('[');
  for (const item of items) write(item);
  w.close(']');
}
