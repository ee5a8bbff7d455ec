import { idToHex } from './attributes.js';

const utf8Encoder = new TextEncoder();

/**
 * Builds OTLP JSON text by appending to one string (V8 ropes make += cheap) instead of building a
 * mirror object tree for JSON.stringify: it saves the copy, and it can write what JSON.stringify
 * cannot: -0 as `-0`, int64 as decimal strings, NaN/Infinity as their protobuf-JSON strings.
 * Keys are the fixed ASCII field names, so they need no escaping; string values go through
 * JSON.stringify, which also escapes lone surrogates so the text stays valid UTF-8.
 */
export class JsonWriter {
  text = '';
  #comma = false;

  open(bracket: '{' | '['): void {
    if (this.#comma) this.text += ',';
    this.text += bracket;
    this.#comma = false;
  }

  close(bracket: '}' | ']'): void {
    this.text += bracket;
    this.#comma = true;
  }

  key(name: string): void {
    if (this.#comma) this.text += ',';
    this.text += `"${name}":`;
    this.#comma = false;
  }

  /** Appends an already-encoded JSON value. */
  raw(json: string): void {
    if (this.#comma) this.text += ',';
    this.text += json;
    this.#comma = true;
  }

  stringValue(v: string): void {
    this.raw(JSON.stringify(v));
  }

  doubleValue(v: number): void {
    this.raw(doubleJson(v));
  }

  /** Omits '' (the proto3 default). */
  string(name: string, v: string): void {
    if (v === '') return;
    this.key(name);
    this.raw(JSON.stringify(v));
  }

  /** 32-bit integers and enums as JSON numbers; omits 0. */
  int(name: string, v: number): void {
    if (v === 0) return;
    this.key(name);
    this.raw(String(v));
  }

  /** 64-bit integers as decimal strings; omits 0. */
  bigint(name: string, v: bigint): void {
    if (v === 0n) return;
    this.key(name);
    this.raw(`"${v}"`);
  }

  /** Implicit-presence double: omits 0 but keeps -0. */
  double(name: string, v: number): void {
    if (v === 0 && !Object.is(v, -0)) return;
    this.key(name);
    this.raw(doubleJson(v));
  }

  /** Explicit-presence double (optional fields, oneof members): written whenever defined. */
  optionalDouble(name: string, v: number | undefined): void {
    if (v === undefined) return;
    this.key(name);
    this.raw(doubleJson(v));
  }

  bool(name: string, v: boolean): void {
    if (!v) return;
    this.key(name);
    this.raw('true');
  }

  /** Trace and span ids as hex; omits the empty id. */
  id(name: string, v: Uint8Array): void {
    if (v.length === 0) return;
    this.key(name);
    this.raw(`"${idToHex(v)}"`);
  }

  /** UTF-8 bytes of the text. */
  finish(): Uint8Array {
    return utf8Encoder.encode(this.text);
  }
}

export function doubleJson(v: number): string {
  if (Number.isFinite(v)) return Object.is(v, -0) ? '-0' : String(v);
  if (Number.isNaN(v)) return '"NaN"';
  return v > 0 ? '"Infinity"' : '"-Infinity"';
}

export function base64Json(v: Uint8Array): string {
  return `"${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}"`;
}
