import type { Signal } from '../otlp/model.js';

/**
 * The queue record, one format for the hub and the agent (version 2):
 *   [u8 version=2][u8 signal][u16 accountId bytes][accountId utf8][f64 receivedAtMs][u32 items][payload]
 * where payload is the accepted OTLP protobuf request exactly as ingest stamped it. Readers take the
 * header without decoding the payload: exporters forward the bytes, the store decodes them once.
 * The agent writes an empty accountId (the hub decides the account from the signature).
 *
 * Version 1 records (written before the one-pass data path) are still read: the hub's had no item
 * count, the agent's no account field either (`legacy: 'agent'`).
 */
export const RECORD_VERSION = 2;
const SIGNAL_CODE: Record<Signal, number> = { traces: 1, metrics: 2, logs: 3 };
const CODE_SIGNAL: readonly (Signal | undefined)[] = [undefined, 'traces', 'metrics', 'logs'];
/** Item count of a version 1 record: unknown until its payload is decoded. */
export const UNKNOWN_ITEMS = -1;

export interface RecordHeader {
  signal: Signal;
  accountId: string;
  receivedAtMs: number;
  /** Spans, data points or log records in the payload (UNKNOWN_ITEMS for version 1 records). */
  items: number;
}

export interface RecordView extends RecordHeader {
  /** The OTLP protobuf request (a view into the record, not a copy). */
  payload: Uint8Array;
}

export type ReadRecordOutcome = { ok: true; record: RecordView } | { ok: false; reason: string };

/** Bytes the header of a record for `accountId` takes. */
export function recordHeaderBytes(accountId: string): number {
  return 1 + 1 + 2 + Buffer.byteLength(accountId, 'utf8') + 8 + 4;
}

/** Writes the header at the start of `record` (which has recordHeaderBytes(accountId) bytes free there). */
export function writeRecordHeader(record: Uint8Array, header: RecordHeader): void {
  const buf = Buffer.from(record.buffer, record.byteOffset, record.byteLength);
  buf[0] = RECORD_VERSION;
  buf[1] = SIGNAL_CODE[header.signal];
  const accountBytes = buf.write(header.accountId, 4, 'utf8');
  buf.writeUInt16BE(accountBytes, 2);
  let o = 4 + accountBytes;
  buf.writeDoubleBE(header.receivedAtMs, o);
  o += 8;
  buf.writeUInt32BE(Math.max(0, header.items) >>> 0, o);
}

/** A whole record: the header followed by a copy of `payload` (for payloads not built with headroom). */
export function encodeRecord(header: RecordHeader, payload: Uint8Array): Uint8Array {
  const headerBytes = recordHeaderBytes(header.accountId);
  const out = Buffer.allocUnsafe(headerBytes + payload.length);
  writeRecordHeader(out, header);
  out.set(payload, headerBytes);
  return out;
}

/** Reads a record's header; the payload stays a view. Never throws: a bad record is an outcome. */
export function readRecord(data: Uint8Array, legacy: 'hub' | 'agent' = 'hub'): ReadRecordOutcome {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 2) return { ok: false, reason: `record of ${buf.length} bytes is too short` };
  const version = buf[0];
  const signal = CODE_SIGNAL[buf[1] ?? 0];
  if (signal === undefined) return { ok: false, reason: `unknown signal code ${String(buf[1])}` };
  if (version === 1 && legacy === 'agent') {
    if (buf.length < 10) return { ok: false, reason: 'agent record too short' };
    return { ok: true, record: { signal, accountId: '', receivedAtMs: buf.readDoubleBE(2), items: UNKNOWN_ITEMS, payload: buf.subarray(10) } };
  }
  if (version !== 1 && version !== RECORD_VERSION) return { ok: false, reason: `record version ${String(version)} is not supported` };
  if (buf.length < 4) return { ok: false, reason: 'record header truncated' };
  const accountBytes = buf.readUInt16BE(2);
  const fixed = 4 + accountBytes + 8 + (version === RECORD_VERSION ? 4 : 0);
  if (buf.length < fixed) return { ok: false, reason: 'record header truncated' };
  const accountId = buf.toString('utf8', 4, 4 + accountBytes);
  const receivedAtMs = buf.readDoubleBE(4 + accountBytes);
  const items = version === RECORD_VERSION ? buf.readUInt32BE(12 + accountBytes) : UNKNOWN_ITEMS;
  return { ok: true, record: { signal, accountId, receivedAtMs, items, payload: buf.subarray(fixed) } };
}
