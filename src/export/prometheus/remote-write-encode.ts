import { createRequire } from 'node:module';
import type { PromLabel, PromMetadata, PromSample, PromTimeSeries, PromWriteRequest } from './types.js';

/**
 * Hand-written protobuf encoding of prometheus.WriteRequest (remote write 1.0): the message is four
 * small types, so a sized two-pass writer beats a protobuf library. Field numbers (prompb):
 * WriteRequest{timeseries=1, metadata=3}; TimeSeries{labels=1, samples=2}; Label{name=1, value=2};
 * Sample{value=1 double, timestamp=2 int64}; MetricMetadata{type=1, metric_family_name=2, help=4, unit=5}.
 */
export function encodeWriteRequest(request: PromWriteRequest): Uint8Array {
  const series = request.timeseries.map(prepareSeries);
  const metadata = request.metadata.map(prepareMetadata);
  let total = 0;
  for (const s of series) total += fieldLength(s.size);
  for (const m of metadata) total += fieldLength(m.size);
  const w = new Writer(total);
  for (const s of series) {
    w.tag(1, WIRE_LEN);
    w.varint(s.size);
    for (const l of s.labels) {
      w.tag(1, WIRE_LEN);
      w.varint(l.size);
      w.string(1, l.name, l.nameBytes);
      w.string(2, l.value, l.valueBytes);
    }
    for (const sample of s.samples) {
      w.tag(2, WIRE_LEN);
      w.varint(sampleSize(sample));
      w.tag(1, WIRE_FIXED64);
      if (sample.stale === true) w.staleNaN();
      else w.double(sample.value);
      w.tag(2, WIRE_VARINT);
      w.int64(sample.timestampMs);
    }
  }
  for (const m of metadata) {
    w.tag(3, WIRE_LEN);
    w.varint(m.size);
    if (m.type !== 0) {
      w.tag(1, WIRE_VARINT);
      w.varint(m.type);
    }
    w.string(2, m.metricFamilyName, m.nameBytes);
    w.string(4, m.help, m.helpBytes);
    w.string(5, m.unit, m.unitBytes);
  }
  return w.finish();
}

const snappy = createRequire(import.meta.url)('snappyjs') as { compress(input: Uint8Array): Uint8Array };

/** Snappy block format (not the framed format), as remote write requires. */
export function snappyCompress(bytes: Uint8Array): Uint8Array {
  return snappy.compress(bytes);
}

// ---- sizing ----

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;

interface PreparedLabel {
  name: string;
  value: string;
  nameBytes: number;
  valueBytes: number;
  size: number;
}

function prepareSeries(ts: PromTimeSeries): { labels: PreparedLabel[]; samples: PromSample[]; size: number } {
  // Receivers require labels sorted by name; sort a copy so callers' arrays are untouched.
  const labels = [...ts.labels]
    .sort((a: PromLabel, b: PromLabel) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((l) => {
      const nameBytes = Buffer.byteLength(l.name, 'utf8');
      const valueBytes = Buffer.byteLength(l.value, 'utf8');
      return { ...l, nameBytes, valueBytes, size: stringFieldSize(nameBytes) + stringFieldSize(valueBytes) };
    });
  let size = 0;
  for (const l of labels) size += fieldLength(l.size);
  for (const s of ts.samples) size += fieldLength(sampleSize(s));
  return { labels, samples: ts.samples, size };
}

function prepareMetadata(m: PromMetadata) {
  const nameBytes = Buffer.byteLength(m.metricFamilyName, 'utf8');
  const helpBytes = Buffer.byteLength(m.help, 'utf8');
  const unitBytes = Buffer.byteLength(m.unit, 'utf8');
  const size =
    (m.type !== 0 ? 1 + varintSize(m.type) : 0) +
    stringFieldSize(nameBytes) +
    stringFieldSize(helpBytes) +
    stringFieldSize(unitBytes);
  return { ...m, nameBytes, helpBytes, unitBytes, size };
}

/** A length-delimited field's bytes: tag (fields here are < 16, one byte) + length + payload. */
function fieldLength(payloadBytes: number): number {
  return 1 + varintSize(payloadBytes) + payloadBytes;
}

/** proto3 omits empty strings. */
function stringFieldSize(bytes: number): number {
  return bytes === 0 ? 0 : fieldLength(bytes);
}

function sampleSize(s: PromSample): number {
  return 9 + 1 + int64Size(s.timestampMs);
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function int64Size(n: number): number {
  return n < 0 ? 10 : varintSize(Math.trunc(n));
}

class Writer {
  readonly #buf: Buffer;
  #pos = 0;

  constructor(size: number) {
    this.#buf = Buffer.allocUnsafe(size);
  }

  tag(field: number, wire: number): void {
    this.#buf[this.#pos++] = (field << 3) | wire;
  }

  varint(n: number): void {
    while (n >= 0x80) {
      this.#buf[this.#pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.#buf[this.#pos++] = n;
  }

  /** int64 as protobuf does: negatives as their 64-bit two's complement (10 bytes). */
  int64(n: number): void {
    if (n >= 0) {
      this.varint(Math.trunc(n));
      return;
    }
    let v = BigInt.asUintN(64, BigInt(Math.trunc(n)));
    for (let i = 0; i < 9; i++) {
      this.#buf[this.#pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#buf[this.#pos++] = Number(v);
  }

  double(v: number): void {
    this.#buf.writeDoubleLE(v, this.#pos);
    this.#pos += 8;
  }

  /** Prometheus' staleness marker, NaN with payload 0x7ff0000000000002, written bit for bit. */
  staleNaN(): void {
    this.#buf.writeUInt32LE(0x00000002, this.#pos);
    this.#buf.writeUInt32LE(0x7ff00000, this.#pos + 4);
    this.#pos += 8;
  }

  string(field: number, value: string, bytes: number): void {
    if (bytes === 0) return;
    this.tag(field, WIRE_LEN);
    this.varint(bytes);
    this.#pos += this.#buf.write(value, this.#pos, 'utf8');
  }

  finish(): Uint8Array {
    if (this.#pos !== this.#buf.length) throw new Error(`remote write encoder: wrote ${this.#pos} of ${this.#buf.length} bytes`);
    return this.#buf;
  }
}
