/**
 * The edited request as a list of byte pieces: untouched runs are views into the input, changed
 * message headers are small new buffers. Nothing is copied until `assemble`, which makes one buffer.
 *
 * A container being rebuilt reserves a header slot, lets its children append, then fills the slot
 * with its tag and the length its children came to (or rolls back when it turns out to be dropped).
 */
export class Output {
  readonly pieces: Uint8Array[] = [];
  bytes = 0;

  push(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.pieces.push(piece);
    this.bytes += piece.length;
  }

  /** Starts a rebuilt message; returns a mark for `close` or `rollback`. */
  open(): Mark {
    const mark = { index: this.pieces.length, bytes: this.bytes };
    this.pieces.push(EMPTY);
    return mark;
  }

  /** Writes the header `tag + length` of the message opened at `mark`; returns its full size. */
  close(mark: Mark, tag: number): number {
    const contentBytes = this.bytes - mark.bytes;
    const header = encodeHeader(tag, contentBytes);
    this.pieces[mark.index] = header;
    this.bytes += header.length;
    return header.length + contentBytes;
  }

  /** Forgets everything appended since `mark` (the message was dropped or is emitted as it was). */
  rollback(mark: Mark): void {
    this.pieces.length = mark.index;
    this.bytes = mark.bytes;
  }

  /** One buffer of `headroomBytes` free bytes followed by the pieces. */
  assemble(headroomBytes = 0): Buffer {
    const out = Buffer.allocUnsafe(headroomBytes + this.bytes);
    let at = headroomBytes;
    for (const p of this.pieces) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

export interface Mark {
  index: number;
  bytes: number;
}

const EMPTY = new Uint8Array(0);

export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/** `tag` (field << 3 | 2) followed by the varint `length`. */
export function encodeHeader(tag: number, length: number): Uint8Array {
  const out = new Uint8Array(varintSize(tag) + varintSize(length));
  writeVarint(out, writeVarint(out, 0, tag), length);
  return out;
}

/** The bytes of one `KeyValue{key, value: {string_value}}` as attribute field `field`. */
export function encodeStringAttribute(field: number, key: string, value: string): Uint8Array {
  const k = Buffer.from(key, 'utf8');
  const v = Buffer.from(value, 'utf8');
  const anyValue = 1 + varintSize(v.length) + v.length;
  const kv = 1 + varintSize(k.length) + k.length + 1 + varintSize(anyValue) + anyValue;
  const out = new Uint8Array(varintSize((field << 3) | 2) + varintSize(kv) + kv);
  let at = writeVarint(out, 0, (field << 3) | 2);
  at = writeVarint(out, at, kv);
  out[at++] = 0x0a;
  at = writeVarint(out, at, k.length);
  out.set(k, at);
  at += k.length;
  out[at++] = 0x12;
  at = writeVarint(out, at, anyValue);
  out[at++] = 0x0a;
  at = writeVarint(out, at, v.length);
  out.set(v, at);
  return out;
}
