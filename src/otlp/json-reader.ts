import { OtlpDecodeError } from './decode-error.js';

/** A parsed JSON object (JSON.parse output); fields are read by name only, never iterated. */
export type JsonObject = { readonly [key: string]: unknown };

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const UINT32_MAX = 4294967295;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const INTEGER_STRING = /^-?\d+$/;
const NUMBER_STRING = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** Nibble value of each ASCII code, -1 for a non-hex character. */
const HEX_NIBBLE = new Int8Array(128).fill(-1);
for (let c = 0; c < 10; c++) HEX_NIBBLE[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX_NIBBLE[65 + c] = 10 + c;
  HEX_NIBBLE[97 + c] = 10 + c;
}

const snakeNames = new Map<string, string>();
/** The original proto field name of a lowerCamelCase JSON name, which receivers must accept too. */
function snakeOf(camel: string): string {
  let snake = snakeNames.get(camel);
  if (snake === undefined) {
    snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    snakeNames.set(camel, snake);
  }
  return snake;
}

/**
 * Typed access to a JSON.parse result with the path of the value being read, so every error names
 * where it is (`resourceSpans[0].scopeSpans[0].spans[2].traceId`). The path is a stack of segments
 * joined only when an error is thrown.
 */
export class JsonReader {
  readonly #path: (string | number)[] = [];

  push(segment: string | number): void {
    this.#path.push(segment);
  }

  pop(): void {
    this.#path.pop();
  }

  pathString(): string {
    let out = '';
    for (const seg of this.#path) {
      if (typeof seg === 'number') out += `[${seg}]`;
      else out += out === '' ? seg : `.${seg}`;
    }
    return out === '' ? 'the top-level value' : out;
  }

  fail(problem: string): never {
    throw new OtlpDecodeError(`invalid JSON: ${this.pathString()} ${problem}`);
  }

  /** Field `name` of `o` (or its snake_case twin); null counts as absent, as in protobuf JSON. */
  get(o: JsonObject, name: string): unknown {
    const v = o[name];
    if (v !== undefined && v !== null) return v;
    const snake = snakeOf(name);
    if (snake === name) return undefined;
    const s = o[snake];
    return s === null ? undefined : s;
  }

  object(v: unknown): JsonObject {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail('is not an object');
    return v as JsonObject;
  }

  /** Reads array field `name` with `read` per element (an absent field is an empty array). */
  array<T>(o: JsonObject, name: string, read: (v: unknown) => T): T[] {
    const v = this.get(o, name);
    if (v === undefined) return [];
    this.push(name);
    if (!Array.isArray(v)) this.fail('is not an array');
    // push, not new Array(n): a preallocated array stays "holey" in V8, slower for every reader.
    const out: T[] = [];
    for (let i = 0; i < v.length; i++) {
      this.push(i);
      out.push(read(v[i]));
      this.pop();
    }
    this.pop();
    return out;
  }

  /** Reads sub-message `name` with `read`, or undefined when absent. */
  message<T>(o: JsonObject, name: string, read: (o: JsonObject) => T): T | undefined {
    const v = this.get(o, name);
    if (v === undefined) return undefined;
    this.push(name);
    const out = read(this.object(v));
    this.pop();
    return out;
  }

  #at<T>(name: string, v: unknown, read: (v: unknown) => T): T {
    this.push(name);
    const out = read(v);
    this.pop();
    return out;
  }

  string(o: JsonObject, name: string): string {
    const v = this.get(o, name);
    if (v === undefined) return '';
    if (typeof v !== 'string') this.#at(name, v, () => this.fail('is not a string'));
    return v as string;
  }

  bool(o: JsonObject, name: string): boolean {
    const v = this.get(o, name);
    if (v === undefined) return false;
    if (typeof v !== 'boolean') this.#at(name, v, () => this.fail('is not a boolean'));
    return v as boolean;
  }

  boolValue(v: unknown): boolean {
    if (typeof v !== 'boolean') this.fail('is not a boolean');
    return v;
  }

  #integer(v: unknown, min: number, max: number, what: string): number {
    let n: number;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'string' && INTEGER_STRING.test(v)) n = Number(v);
    else this.fail(`is not ${what}`);
    if (!Number.isInteger(n) || n < min || n > max) this.fail(`is not ${what}`);
    return n;
  }

  uint32(o: JsonObject, name: string): number {
    const v = this.get(o, name);
    if (v === undefined) return 0;
    return this.#at(name, v, (x) => this.#integer(x, 0, UINT32_MAX, 'an unsigned 32-bit integer'));
  }

  int32(o: JsonObject, name: string): number {
    const v = this.get(o, name);
    if (v === undefined) return 0;
    return this.#at(name, v, (x) => this.#integer(x, INT32_MIN, INT32_MAX, 'a 32-bit integer'));
  }

  /** An enum: its number, or its name from `names` (the proto enum value names). */
  enumValue(o: JsonObject, name: string, names: ReadonlyMap<string, number>): number {
    const v = this.get(o, name);
    if (v === undefined) return 0;
    if (typeof v === 'string' && !INTEGER_STRING.test(v)) {
      const n = names.get(v);
      if (n === undefined) this.#at(name, v, () => this.fail(`has unknown enum value "${v}"`));
      return n as number;
    }
    return this.#at(name, v, (x) => this.#integer(x, INT32_MIN, INT32_MAX, 'an enum number or name'));
  }

  #bigint(v: unknown, min: bigint, max: bigint, what: string): bigint {
    let n: bigint;
    if (typeof v === 'string' && INTEGER_STRING.test(v)) n = BigInt(v);
    else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
    else this.fail(`is not ${what}`);
    if (n < min || n > max) this.fail(`is not ${what}`);
    return n;
  }

  uint64Value(v: unknown): bigint {
    return this.#bigint(v, 0n, UINT64_MAX, 'an unsigned 64-bit integer');
  }

  int64Value(v: unknown): bigint {
    return this.#bigint(v, INT64_MIN, INT64_MAX, 'a 64-bit integer');
  }

  uint64(o: JsonObject, name: string): bigint {
    const v = this.get(o, name);
    if (v === undefined) return 0n;
    return this.#at(name, v, (x) => this.uint64Value(x));
  }

  int64(o: JsonObject, name: string): bigint {
    const v = this.get(o, name);
    if (v === undefined) return 0n;
    return this.#at(name, v, (x) => this.int64Value(x));
  }

  /** A double: a JSON number, or a string holding a number, "NaN", "Infinity" or "-Infinity". */
  doubleValue(v: unknown): number {
    if (typeof v === 'number') return v;
    if (typeof v === 'string') {
      if (v === 'NaN') return NaN;
      if (v === 'Infinity') return Infinity;
      if (v === '-Infinity') return -Infinity;
      if (NUMBER_STRING.test(v)) return Number(v);
    }
    this.fail('is not a number');
  }

  double(o: JsonObject, name: string): number {
    const v = this.get(o, name);
    if (v === undefined) return 0;
    return this.#at(name, v, (x) => this.doubleValue(x));
  }

  optionalDouble(o: JsonObject, name: string): number | undefined {
    const v = this.get(o, name);
    if (v === undefined) return undefined;
    return this.#at(name, v, (x) => this.doubleValue(x));
  }

  /** A trace or span id: hex of exactly `bytes` bytes, any case; '' is the empty id. */
  id(o: JsonObject, name: string, bytes: number): Uint8Array {
    const v = this.get(o, name);
    if (v === undefined || v === '') return new Uint8Array(0);
    if (typeof v !== 'string' || v.length !== bytes * 2) {
      this.#at(name, v, () => this.fail(`is not ${bytes * 2} hex characters`));
    }
    const s = v as string;
    const out = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i++) {
      const hi = HEX_NIBBLE[s.charCodeAt(2 * i)] ?? -1;
      const lo = HEX_NIBBLE[s.charCodeAt(2 * i + 1)] ?? -1;
      if (hi < 0 || lo < 0) this.#at(name, v, () => this.fail(`is not ${bytes * 2} hex characters`));
      out[i] = (hi << 4) | lo;
    }
    return out;
  }

  /** A bytes value: base64, standard or URL-safe, padded or not. */
  bytesValue(v: unknown): Uint8Array {
    if (typeof v !== 'string' || !BASE64.test(v)) this.fail('is not base64');
    const unpadded = v.length - (v.endsWith('==') ? 2 : v.endsWith('=') ? 1 : 0);
    if (unpadded % 4 === 1 || (v.length !== unpadded && v.length % 4 !== 0)) this.fail('is not base64');
    const decoded = Buffer.from(v, 'base64');
    return new Uint8Array(decoded.buffer.slice(decoded.byteOffset, decoded.byteOffset + decoded.byteLength));
  }
}
