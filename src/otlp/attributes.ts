import type { AnyValue, KeyValue } from './model.js';

/** The string value of attribute `key`, or undefined when absent or not a string. */
export function getStringAttribute(attributes: readonly KeyValue[], key: string): string | undefined {
  for (const kv of attributes) {
    if (kv.key === key) return kv.value?.stringValue;
  }
  return undefined;
}

/** True when attribute `key` is present with a non-empty value of any kind. */
export function hasAttribute(attributes: readonly KeyValue[], key: string): boolean {
  for (const kv of attributes) {
    if (kv.key === key) return kv.value !== undefined && !isEmptyValue(kv.value);
  }
  return false;
}

/** Sets `key` to a string value, replacing every existing entry of that key. */
export function setStringAttribute(attributes: KeyValue[], key: string, value: string): void {
  let written = false;
  for (let i = attributes.length - 1; i >= 0; i--) {
    const kv = attributes[i];
    if (kv === undefined || kv.key !== key) continue;
    if (written) attributes.splice(i, 1);
    else {
      attributes[i] = { key, value: { stringValue: value } };
      written = true;
    }
  }
  if (!written) attributes.push({ key, value: { stringValue: value } });
}

function isEmptyValue(v: AnyValue): boolean {
  return (
    v.stringValue === undefined &&
    v.boolValue === undefined &&
    v.intValue === undefined &&
    v.doubleValue === undefined &&
    v.arrayValue === undefined &&
    v.kvlistValue === undefined &&
    v.bytesValue === undefined
  );
}

/**
 * Plain JSON form of an AnyValue for the query API and the embedded store: strings, booleans and
 * doubles as they are; ints as numbers when exactly representable, else decimal strings; bytes as
 * base64; arrays as arrays; kvlists as objects; the empty value as null.
 */
export function anyValueToPlain(v: AnyValue | undefined): unknown {
  if (v === undefined) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) {
    const n = Number(v.intValue);
    return Number.isSafeInteger(n) ? n : v.intValue.toString();
  }
  if (v.doubleValue !== undefined) return Number.isFinite(v.doubleValue) ? v.doubleValue : String(v.doubleValue);
  if (v.arrayValue !== undefined) return v.arrayValue.values.map(anyValueToPlain);
  if (v.kvlistValue !== undefined) return attributesToPlain(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return Buffer.from(v.bytesValue).toString('base64');
  return null;
}

/** Attributes as a plain object; the last entry of a repeated key wins. */
export function attributesToPlain(attributes: readonly KeyValue[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of attributes) out[kv.key] = anyValueToPlain(kv.value);
  return out;
}

/** Hex form of a trace or span id; '' for an empty id. */
export function idToHex(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
}
