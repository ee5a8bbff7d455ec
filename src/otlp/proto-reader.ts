import { OtlpDecodeError } from './decode-error.js';

/** Protobuf wire types (3 and 4, deprecated groups, and 6/7 are rejected). */
export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

const WIRE_NAMES = ['varint', '64-bit', 'length-delimited', 'start-group', 'end-group', '32-bit', '6', '7'];

/**
 * Cursor over one protobuf body. `end` is the limit of the message being read, so every read is
 * checked against the enclosing message, not only the buffer: a field may never straddle the end
 * of its parent. Offsets in errors are absolute offsets in the body.
 */
export class ProtoReader {
  readonly buf: Uint8Array;
  readonly #view: DataView;
  /** A Buffer view of the same bytes (no copy), for Node's native UTF-8 decoding. */
  readonly #nodeBuf: Buffer;
  pos = 0;
  end: number;
  /** Low and high 32 bits of the last varint read by readVarint(); fields avoid an allocation per varint. */
  lo = 0;
  hi = 0;
  /** Offset of the last tag read, so errors about a field point at the field, not its length. */
  #tagAt = 0;

  constructor(body: Uint8Array) {
    // A Buffer would make slice() return Buffers (and share memory); ids must be plain copies.
    this.buf = body.constructor === Uint8Array ? body : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    this.#view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.#nodeBuf = Buffer.from(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.end = this.buf.length;
  }

  fail(message: string): never {
    throw new OtlpDecodeError(`invalid protobuf: ${message}`);
  }

  /** Reads a varint into lo/hi. */
  readVarint(): void {
    const buf = this.buf;
    let pos = this.pos;
    if (pos < this.end) {
      const b = buf[pos] as number;
      if (b < 0x80) {
        this.lo = b;
        this.hi = 0;
        this.pos = pos + 1;
        return;
      }
    }
    const start = pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= this.end) this.fail(`truncated varint at offset ${start}`);
      const b = buf[pos++] as number;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        this.pos = pos;
        return;
      }
    }
    this.fail(`varint at offset ${start} is longer than 10 bytes`);
  }

  /** Reads a tag; returns field number << 3 | wire type, rejecting field 0 and tags over 32 bits. */
  readTag(): number {
    const at = this.pos;
    this.#tagAt = at;
    this.readVarint();
    if (this.hi !== 0 || this.lo >>> 3 === 0) this.fail(`invalid field tag at offset ${at}`);
    const wire = this.lo & 7;
    if (wire !== WIRE_VARINT && wire !== WIRE_I64 && wire !== WIRE_LEN && wire !== WIRE_I32) {
      this.fail(`field ${this.lo >>> 3} at offset ${at} has unsupported wire type ${WIRE_NAMES[wire] ?? wire}`);
    }
    return this.lo;
  }

  uint32(): number {
    this.readVarint();
    return this.lo;
  }

  /** int32 and enums: the low 32 bits, signed (negative values arrive as 10-byte varints). */
  int32(): number {
    this.readVarint();
    return this.lo | 0;
  }

  sint32(): number {
    this.readVarint();
    const lo = this.lo;
    return (lo >>> 1) ^ -(lo & 1);
  }

  bool(): boolean {
    this.readVarint();
    return this.lo !== 0 || this.hi !== 0;
  }

  uint64(): bigint {
    this.readVarint();
    if (this.hi === 0) return BigInt(this.lo);
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  int64(): bigint {
    this.readVarint();
    if (this.hi === 0 && this.lo < 0x80000000) return BigInt(this.lo);
    return BigInt.asIntN(64, (BigInt(this.hi) << 32n) | BigInt(this.lo));
  }

  #need(bytes: number, what: string): number {
    const pos = this.pos;
    if (this.end - pos < bytes) this.fail(`truncated ${what} at offset ${pos}`);
    this.pos = pos + bytes;
    return pos;
  }

  fixed64(): bigint {
    return this.#view.getBigUint64(this.#need(8, '64-bit field'), true);
  }

  sfixed64(): bigint {
    return this.#view.getBigInt64(this.#need(8, '64-bit field'), true);
  }

  double(): number {
    return this.#view.getFloat64(this.#need(8, '64-bit field'), true);
  }

  fixed32(): number {
    return this.#view.getUint32(this.#need(4, '32-bit field'), true);
  }

  /** Reads a length prefix and checks it against the enclosing message; returns the length. */
  length(field: number): number {
    this.readVarint();
    const len = this.lo + this.hi * 4294967296;
    if (len > this.end - this.pos) {
      this.fail(`length-delimited field ${field} at offset ${this.#tagAt} overruns the message`);
    }
    return len;
  }

  /** Narrows `end` to a sub-message of `len` bytes; returns the parent end for leave(). */
  enter(len: number): number {
    const parentEnd = this.end;
    this.end = this.pos + len;
    return parentEnd;
  }

  leave(parentEnd: number): void {
    this.end = parentEnd;
  }

  string(field: number): string {
    const len = this.length(field);
    const start = this.pos;
    const end = start + len;
    this.pos = end;
    // Node's native decoder (ASCII fast path): invalid sequences become U+FFFD, and a leading BOM
    // is kept (TextDecoder would strip it), so valid strings come back byte for byte.
    return this.#nodeBuf.toString('utf8', start, end);
  }

  /** A copy of a bytes field, so the decoded model never aliases the request body. */
  bytes(field: number): Uint8Array {
    const len = this.length(field);
    const start = this.pos;
    this.pos = start + len;
    return this.buf.slice(start, start + len);
  }

  /**
   * A trace or span id: empty or exactly `bytes` long. Checked here, as the Go collector does, so
   * that every stored id has a valid hex form and JSON re-encoding never fails.
   */
  id(field: number, bytes: number): Uint8Array {
    const at = this.#tagAt;
    const id = this.bytes(field);
    if (id.length !== 0 && id.length !== bytes) {
      this.fail(`id field ${field} at offset ${at} is ${id.length} bytes, expected ${bytes}`);
    }
    return id;
  }

  /** Skips one field of any accepted wire type. */
  skip(tag: number): void {
    switch (tag & 7) {
      case WIRE_VARINT:
        this.readVarint();
        return;
      case WIRE_I64:
        this.#need(8, '64-bit field');
        return;
      case WIRE_LEN: {
        // Not `this.pos += this.length()`: that would add to the position before the length prefix.
        const len = this.length(tag >>> 3);
        this.pos += len;
        return;
      }
      case WIRE_I32:
        this.#need(4, '32-bit field');
        return;
      default:
        this.fail(`unsupported wire type ${tag & 7}`);
    }
  }

  /**
   * Reads a repeated scalar that may come packed (one length-delimited run) or unpacked (one value
   * per tag): proto3 writers pack, but parsers must accept both.
   */
  repeated<T>(tag: number, scalarWire: number, read: (r: ProtoReader) => T, out: T[]): void {
    if ((tag & 7) === scalarWire) {
      out.push(read(this));
      return;
    }
    if ((tag & 7) !== WIRE_LEN) {
      this.skip(tag);
      return;
    }
    const len = this.length(tag >>> 3);
    const parentEnd = this.enter(len);
    while (this.pos < this.end) out.push(read(this));
    this.leave(parentEnd);
  }
}
