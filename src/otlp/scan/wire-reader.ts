import { OtlpDecodeError } from '../decode-error.js';
import { WIRE_I64 as I64, WIRE_LEN as LEN, WIRE_VARINT as VARINT } from '../proto-reader.js';

/** The decoder's wire types, under the short names the scanner's switches use. */
export { WIRE_VARINT as VARINT, WIRE_I64 as I64, WIRE_LEN as LEN, WIRE_I32 as I32 } from '../proto-reader.js';

/** `field << 3 | wire`, the form every switch below compares against. */
export function tagOf(field: number, wire: number): number {
  return (field << 3) | wire;
}

/**
 * A bounds-checked cursor over protobuf bytes that never allocates: the one-pass scanner walks a
 * whole request with it, checking exactly what the full decoder (`proto-reader.ts`) checks, so a
 * body the scanner accepts always decodes, and a body it refuses would not have.
 *
 * Hand-written for the ingest hot path: generated codecs materialise every message, which is the
 * cost this scanner exists to avoid. Not ProtoReader either: its varint computes both 32-bit halves
 * for 64-bit values the scanner never needs (here: the low half and a `wide` flag), and it makes a
 * DataView and a Buffer per body, which `scalarText` would pay per opt-in comparison.
 */
export class WireReader {
  buf: Uint8Array;
  pos = 0;
  end: number;
  /** Offset of the last tag read, for error messages. */
  tagAt = 0;
  /** High bits of the last varint were non-zero (value ≥ 2^32). */
  wide = false;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.end = buf.length;
  }

  fail(message: string): never {
    throw new OtlpDecodeError(`invalid protobuf: ${message}`);
  }

  /** Reads a varint; returns its low 32 bits as an unsigned number and sets `wide` for larger values. */
  varint(): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos < this.end) {
      const b = buf[pos] as number;
      if (b < 0x80) {
        this.pos = pos + 1;
        this.wide = false;
        return b;
      }
    }
    const start = pos;
    let lo = 0;
    let wide = false;
    for (let i = 0; i < 10; i++) {
      if (pos >= this.end) this.fail(`truncated varint at offset ${start}`);
      const b = buf[pos++] as number;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        if (b & 0x70) wide = true;
      } else if (b & 0x7f) wide = true;
      if (b < 0x80) {
        this.pos = pos;
        this.wide = wide;
        return lo >>> 0;
      }
    }
    this.fail(`varint at offset ${start} is longer than 10 bytes`);
  }

  /** Reads and checks a tag: field ≥ 1, fits 32 bits, wire type 0, 1, 2 or 5. */
  tag(): number {
    const at = this.pos;
    this.tagAt = at;
    const t = this.varint();
    if (this.wide || t >>> 3 === 0) this.fail(`invalid field tag at offset ${at}`);
    const wire = t & 7;
    if (wire === 3 || wire === 4 || wire > 5) this.fail(`field ${t >>> 3} at offset ${at} has unsupported wire type ${wire}`);
    return t;
  }

  /** Reads a length prefix and checks it against the enclosing message; returns the length. */
  len(): number {
    const n = this.varint();
    if (this.wide || n > this.end - this.pos) this.fail(`length-delimited field ${this.#field()} at offset ${this.tagAt} overruns the message`);
    return n;
  }

  #field(): number {
    // Re-read the tag's field number for the message; only on the error path.
    let pos = this.tagAt;
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.buf[pos++] ?? 0;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    return Math.floor(v / 8);
  }

  /** Skips a length-delimited field's content (its tag was just read). */
  skipLen(): void {
    const n = this.len();
    this.pos += n;
  }

  /**
   * Reads a length-delimited field expected to hold exactly `size` bytes (a trace or span id);
   * returns where those bytes start, or -1 for any other length, and moves past the field.
   */
  idAt(size: number): number {
    const n = this.len();
    const at = n === size ? this.pos : -1;
    this.pos += n;
    return at;
  }

  /** Moves past a fixed 64-bit field (its tag was just read); returns where its bytes start. */
  fixed64At(): number {
    const at = this.pos;
    this.fixed(8);
    return at;
  }

  /** Skips `n` fixed bytes (64- or 32-bit fields). */
  fixed(n: number): void {
    if (this.end - this.pos < n) this.fail(`truncated ${n === 8 ? '64' : '32'}-bit field at offset ${this.pos}`);
    this.pos += n;
  }

  /** Skips one field of an accepted wire type, with the checks the decoder's skip makes. */
  skip(tag: number): void {
    switch (tag & 7) {
      case VARINT:
        this.varint();
        return;
      case I64:
        this.fixed(8);
        return;
      case LEN: {
        const n = this.len();
        this.pos += n;
        return;
      }
      default:
        this.fixed(4);
    }
  }

  /** A length-delimited id field: empty or exactly `bytes` long (as the decoder requires). */
  id(bytes: number): void {
    const at = this.tagAt;
    const n = this.len();
    if (n !== 0 && n !== bytes) this.fail(`id field ${this.#field()} at offset ${at} is ${n} bytes, expected ${bytes}`);
    this.pos += n;
  }

  /** A repeated 64-bit scalar that may come packed; a packed run must be a whole number of values. */
  repeatedFixed64(tag: number): void {
    if ((tag & 7) === I64) {
      this.fixed(8);
      return;
    }
    const n = this.len();
    if (n % 8 !== 0) this.fail(`truncated 64-bit field at offset ${this.pos + n - (n % 8)}`);
    this.pos += n;
  }

  /** A repeated varint that may come packed: every varint in the run is checked. */
  repeatedVarint(tag: number): void {
    if ((tag & 7) === VARINT) {
      this.varint();
      return;
    }
    const n = this.len();
    const end = this.pos + n;
    const parentEnd = this.end;
    this.end = end;
    while (this.pos < end) this.varint();
    this.end = parentEnd;
  }
}
