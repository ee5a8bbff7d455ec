/**
 * One growing buffer. A length-delimited field reserves one length byte, writes its content, and
 * back-patches the length, shifting the content only when it needs a longer varint (content of
 * 128 bytes or more): one memmove per nesting level is far cheaper than a second sizing pass over
 * every string and attribute.
 */
const INITIAL_BYTES = 1024;
/**
 * Below this share of the buffer in use, the result is copied out rather than kept as a view.
 * Buffers are zero-filled (Buffer.alloc, not allocUnsafe): a view's .buffer must never expose old memory.
 */
const MIN_USED_SHARE = 0.5;
/** Strings up to this many UTF-16 units are first tried as ASCII by hand (cheaper than buf.write). */
const SHORT_STRING_UNITS = 32;

const TWO_POW_32 = 4294967296;

export class ProtoWriter {
  #buf: Buffer;
  #view: DataView;
  pos = 0;

  constructor(initialBytes = INITIAL_BYTES) {
    this.#buf = Buffer.alloc(Math.max(16, initialBytes));
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
  }

  #ensure(bytes: number): void {
    const needed = this.pos + bytes;
    if (needed <= this.#buf.length) return;
    const next = Buffer.alloc(Math.max(needed, this.#buf.length * 2));
    this.#buf.copy(next, 0, 0, this.pos);
    this.#buf = next;
    this.#view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  /** The encoded bytes as a plain Uint8Array. */
  finish(): Uint8Array {
    const buf = this.#buf;
    if (this.pos >= buf.length * MIN_USED_SHARE) return new Uint8Array(buf.buffer, buf.byteOffset, this.pos);
    const out = new Uint8Array(this.pos);
    out.set(buf.subarray(0, this.pos));
    return out;
  }

  /** Unsigned varint of a number up to 2^53. */
  varint(value: number): void {
    this.#ensure(10);
    const buf = this.#buf;
    let pos = this.pos;
    let v = value;
    if (v < 0x80) {
      buf[pos] = v;
      this.pos = pos + 1;
      return;
    }
    if (v <= 0xffffffff) {
      v >>>= 0;
      while (v > 0x7f) {
        buf[pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buf[pos++] = v;
      this.pos = pos;
      return;
    }
    this.#varint64(v % TWO_POW_32, Math.floor(v / TWO_POW_32));
  }

  #varint64(loIn: number, hiIn: number): void {
    this.#ensure(10);
    const buf = this.#buf;
    let pos = this.pos;
    let lo = loIn >>> 0;
    let hi = hiIn >>> 0;
    while (hi !== 0 || lo > 0x7f) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  /** int32 and enums: negative values are sign-extended to 10 bytes, as protobuf requires. */
  int32(value: number): void {
    if (value >= 0) this.varint(value >>> 0);
    else this.#varint64(value >>> 0, 0xffffffff);
  }

  sint32(value: number): void {
    const v = value | 0;
    this.varint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  uint64(value: bigint): void {
    const v = BigInt.asUintN(64, value);
    if (v <= 0xffffffffn) this.varint(Number(v));
    else this.#varint64(Number(v & 0xffffffffn), Number(v >> 32n));
  }

  int64(value: bigint): void {
    this.uint64(value);
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  fixed64(value: bigint): void {
    this.#ensure(8);
    this.#view.setBigUint64(this.pos, BigInt.asUintN(64, value), true);
    this.pos += 8;
  }

  sfixed64(value: bigint): void {
    this.#ensure(8);
    this.#view.setBigInt64(this.pos, BigInt.asIntN(64, value), true);
    this.pos += 8;
  }

  double(value: number): void {
    this.#ensure(8);
    this.#view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  fixed32(value: number): void {
    this.#ensure(4);
    this.#view.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }

  bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.#ensure(value.length);
    this.#buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** Length-prefixed UTF-8 (lone surrogates become U+FFFD, as in any UTF-8 encoder). */
  string(value: string): void {
    const units = value.length;
    if (units <= SHORT_STRING_UNITS) {
      this.#ensure(units * 3 + 1);
      const buf = this.#buf;
      const start = this.pos + 1;
      let i = 0;
      for (; i < units; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      if (i === units) {
        buf[this.pos] = units;
        this.pos = start + units;
        return;
      }
      // Non-ASCII: at most 96 bytes, so the length still fits one byte.
      const written = buf.write(value, start, 'utf8');
      buf[this.pos] = written;
      this.pos = start + written;
      return;
    }
    const byteLength = Buffer.byteLength(value, 'utf8');
    this.varint(byteLength);
    this.#ensure(byteLength);
    this.pos += this.#buf.write(value, this.pos, 'utf8');
  }

  /** Starts a length-delimited field; pass the result to endLength() once its content is written. */
  beginLength(field: number): number {
    this.tag(field, 2);
    this.#ensure(1);
    const at = this.pos;
    this.pos = at + 1;
    return at;
  }

  endLength(at: number): void {
    const len = this.pos - at - 1;
    if (len < 0x80) {
      this.#buf[at] = len;
      return;
    }
    const size = varintSize(len);
    this.#ensure(size - 1);
    const buf = this.#buf;
    buf.copyWithin(at + size, at + 1, this.pos);
    this.pos += size - 1;
    let v = len;
    let p = at;
    while (v > 0x7f) {
      buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[p] = v;
  }
}

function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}
