import { isUtf8 } from 'node:buffer';
import duckdb from '@duckdb/node-bindings';
import { DuckDBDataChunk, type DuckDBAppender } from '@duckdb/node-api';

/**
 * Column kinds of the store's tables and their DuckDB logical types. Fixed-width kinds are filled
 * in typed arrays and copied into a DuckDB vector once per chunk; strings and blobs are byte ranges
 * (views into the queue record) assigned one call each. That is the whole point of this module:
 * the DuckDB value-by-value appender and the node-api conversions cost an N-API round trip per
 * value (measured ~0.2 µs each), which at 20 columns per span was most of the store's CPU.
 */
export type ColumnKind = 'u128' | 'u64' | 'i64' | 'u32' | 'u8' | 'f64' | 'bool' | 'varchar' | 'blob';

const TYPE_ID: Record<ColumnKind, number> = {
  u128: duckdb.Type.UHUGEINT,
  u64: duckdb.Type.UBIGINT,
  i64: duckdb.Type.BIGINT,
  u32: duckdb.Type.UINTEGER,
  u8: duckdb.Type.UTINYINT,
  f64: duckdb.Type.DOUBLE,
  bool: duckdb.Type.BOOLEAN,
  varchar: duckdb.Type.VARCHAR,
  blob: duckdb.Type.BLOB,
};
const WIDTH: Record<ColumnKind, number> = { u128: 16, u64: 8, i64: 8, u32: 4, u8: 1, f64: 8, bool: 1, varchar: 0, blob: 0 };

/** DuckDB's vector size: the most rows one data chunk holds. */
export const CHUNK_ROWS = 2048;

export const SQL_TYPE: Record<ColumnKind, string> = {
  u128: 'UHUGEINT',
  u64: 'UBIGINT',
  i64: 'BIGINT',
  u32: 'UINTEGER',
  u8: 'UTINYINT',
  f64: 'DOUBLE',
  bool: 'BOOLEAN',
  varchar: 'VARCHAR',
  blob: 'BLOB',
};

interface Column {
  kind: ColumnKind;
  /** Fixed-width values of the current chunk. */
  bytes: Uint8Array<ArrayBuffer>;
  view: DataView;
  /** Validity: 1 valid, 0 null (one byte per row; packed into DuckDB's bitmask at flush). */
  valid: Uint8Array;
  nulls: number;
  /** String/blob cells: a view per row (undefined = null) or a JS string (a decoded fallback). */
  cells: (Uint8Array | string | undefined)[];
}

/**
 * Rows of one table accumulated column-wise and appended in chunks of 2048 through a DuckDB
 * appender. A row is written with the set* methods on the current row index, then `next()`.
 *
 * One builder serves a table for the store's lifetime (`begin` with each batch's appender): its
 * column buffers and its DuckDB data chunk are reused, so a batch allocates nothing that lingers
 * until a GC (measured: fresh builders and chunks per batch kept tens of MiB resident).
 */
export class ChunkBuilder {
  readonly #columns: Column[];
  readonly #types: duckdb.LogicalType[];
  #appender: DuckDBAppender | undefined;
  #chunk: DuckDBDataChunk | undefined;
  #row = 0;
  /** Rows appended since `begin` (for the caller's counts). */
  rows = 0;

  constructor(kinds: readonly ColumnKind[]) {
    this.#types = kinds.map((k) => duckdb.create_logical_type(TYPE_ID[k]));
    this.#columns = kinds.map((kind) => {
      const bytes = new Uint8Array(CHUNK_ROWS * WIDTH[kind]);
      return { kind, bytes, view: new DataView(bytes.buffer), valid: new Uint8Array(CHUNK_ROWS).fill(1), nulls: 0, cells: [] };
    });
  }

  /** Starts a batch on `appender`; whatever an earlier, failed batch left is dropped. */
  begin(appender: DuckDBAppender): void {
    this.#appender = appender;
    this.#clear(this.#row);
    this.#row = 0;
    this.rows = 0;
  }

  #clear(n: number): void {
    for (const c of this.#columns) {
      c.valid.fill(1, 0, n);
      c.nulls = 0;
      c.cells.length = 0;
    }
  }

  #col(i: number): Column {
    return this.#columns[i] as Column;
  }

  /** A 16-byte id stored as UHUGEINT: the big-endian bytes as one number (hex round-trips). */
  idU128(i: number, buf: Uint8Array, at: number): void {
    // DuckDB's uhugeint is { lower: u64, upper: u64 } little-endian: the byte order reversed.
    this.#copy(i, 16, buf, at, true);
  }

  /** An 8-byte id stored as UBIGINT (big-endian bytes as one number). */
  idU64(i: number, buf: Uint8Array, at: number): void {
    this.#copy(i, 8, buf, at, true);
  }

  /** A protobuf fixed64 (little-endian on the wire, as in DuckDB's memory): copied as it is. */
  fixed64(i: number, buf: Uint8Array, at: number): void {
    this.#copy(i, 8, buf, at, false);
  }

  /** Copies `width` bytes at `at` into the current row's cell (`reverse`: last byte first); `at` = -1 (the field is absent) stores 0. */
  #copy(i: number, width: number, buf: Uint8Array, at: number, reverse: boolean): void {
    const bytes = this.#col(i).bytes;
    const o = this.#row * width;
    if (at === -1) bytes.fill(0, o, o + width);
    else if (reverse) for (let k = 0; k < width; k++) bytes[o + k] = buf[at + width - 1 - k] as number;
    else for (let k = 0; k < width; k++) bytes[o + k] = buf[at + k] as number;
  }

  u64(i: number, value: bigint): void {
    this.#col(i).view.setBigUint64(this.#row * 8, value, true);
  }

  i64(i: number, value: number): void {
    this.#col(i).view.setBigInt64(this.#row * 8, BigInt(Math.trunc(value)), true);
  }

  u32(i: number, value: number): void {
    this.#col(i).view.setUint32(this.#row * 4, value >>> 0, true);
  }

  u8(i: number, value: number): void {
    this.#col(i).bytes[this.#row] = value < 0 ? 0 : value > 255 ? 255 : value;
  }

  f64(i: number, value: number): void {
    this.#col(i).view.setFloat64(this.#row * 8, value, true);
  }

  bool(i: number, value: boolean): void {
    this.#col(i).bytes[this.#row] = value ? 1 : 0;
  }

  /** A string or blob cell from bytes (a view, not copied until flush). VARCHAR bytes must be UTF-8. */
  bytes(i: number, value: Uint8Array): void {
    const c = this.#col(i);
    if (c.kind === 'varchar' && !isUtf8(value)) {
      // DuckDB silently stores invalid UTF-8 as NULL; decode with replacement, as the decoder does.
      c.cells[this.#row] = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
      return;
    }
    c.cells[this.#row] = value;
  }

  string(i: number, value: string): void {
    this.#col(i).cells[this.#row] = value;
  }

  null(i: number): void {
    const c = this.#col(i);
    c.valid[this.#row] = 0;
    c.nulls++;
    if (c.kind === 'varchar' || c.kind === 'blob') c.cells[this.#row] = undefined;
  }

  /** Ends the current row; appends a full chunk. */
  next(): void {
    this.#row++;
    this.rows++;
    if (this.#row === CHUNK_ROWS) this.flush();
  }

  /** Appends the rows of the current chunk (the appender flushes into the open transaction at close). */
  flush(): void {
    const n = this.#row;
    if (n === 0) return;
    if (this.#appender === undefined) throw new Error('ChunkBuilder.flush before begin');
    this.#chunk ??= new DuckDBDataChunk(duckdb.create_data_chunk(this.#types));
    const chunk = this.#chunk.chunk;
    duckdb.data_chunk_reset(chunk);
    duckdb.data_chunk_set_size(chunk, n);
    for (let i = 0; i < this.#columns.length; i++) {
      const c = this.#col(i);
      const vector = duckdb.data_chunk_get_vector(chunk, i);
      if (c.kind === 'varchar' || c.kind === 'blob') {
        for (let r = 0; r < n; r++) {
          const cell = c.cells[r];
          if (cell === undefined) continue;
          if (typeof cell === 'string') duckdb.vector_assign_string_element(vector, r, cell);
          else duckdb.vector_assign_string_element_len(vector, r, cell);
        }
      } else {
        duckdb.copy_data_to_vector(vector, 0, c.bytes.buffer, c.bytes.byteOffset, n * WIDTH[c.kind]);
      }
      if (c.nulls > 0) writeValidity(vector, c.valid, n);
    }
    // The appender copies the chunk's rows; the chunk is reset and refilled by the next flush.
    this.#appender.appendDataChunk(this.#chunk);
    this.#clear(n);
    this.#row = 0;
  }
}

/** Packs per-row validity into DuckDB's bitmask (u64 words, bit i = row i valid). */
function writeValidity(vector: duckdb.Vector, valid: Uint8Array, n: number): void {
  duckdb.vector_ensure_validity_writable(vector);
  const words = Math.ceil(n / 64);
  const mask = new Uint8Array(words * 8);
  for (let r = 0; r < n; r++) if (valid[r] === 1) mask[r >> 3] = (mask[r >> 3] as number) | (1 << (r & 7));
  duckdb.copy_data_to_vector_validity(vector, 0, mask.buffer, 0, mask.byteLength);
}
