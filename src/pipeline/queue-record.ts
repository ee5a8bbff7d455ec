import { decodeRequest, encodeRequest } from '../otlp/index.js';
import type { Signal } from '../otlp/model.js';
import type { StoreItem } from '../store/types.js';

/**
 * Queue record layout (version 1): [u8 version][u8 signal][u16 accountId bytes][accountId utf8]
 * [f64 receivedAtMs][OTLP protobuf request]. Protobuf because it is the smallest form we already
 * have a fast codec for; the header is tiny and fixed so readers skip it without parsing JSON.
 */
const VERSION = 1;
const SIGNAL_CODE: Record<Signal, number> = { traces: 1, metrics: 2, logs: 3 };
const CODE_SIGNAL: readonly (Signal | undefined)[] = [undefined, 'traces', 'metrics', 'logs'];

export interface QueueEntry {
  item: StoreItem;
  receivedAtMs: number;
}

export function encodeQueueRecord(item: StoreItem, receivedAtMs: number): Uint8Array {
  const payload = encodeRequest(item.signal, item.request as never, 'protobuf');
  const account = Buffer.from(item.accountId, 'utf8');
  const out = Buffer.allocUnsafe(1 + 1 + 2 + account.length + 8 + payload.length);
  let o = 0;
  out[o++] = VERSION;
  out[o++] = SIGNAL_CODE[item.signal];
  out.writeUInt16BE(account.length, o);
  o += 2;
  account.copy(out, o);
  o += account.length;
  out.writeDoubleBE(receivedAtMs, o);
  o += 8;
  out.set(payload, o);
  return out;
}

/** Decodes a record written by `encodeQueueRecord`; throws on a record of another version (a bug). */
export function decodeQueueRecord(data: Uint8Array): QueueEntry {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf[0] !== VERSION) throw new Error(`queue record version ${String(buf[0])} is not supported`);
  const signal = CODE_SIGNAL[buf[1] ?? 0];
  if (signal === undefined) throw new Error(`queue record has unknown signal code ${String(buf[1])}`);
  const accountLength = buf.readUInt16BE(2);
  const accountId = buf.toString('utf8', 4, 4 + accountLength);
  const receivedAtMs = buf.readDoubleBE(4 + accountLength);
  const payload = buf.subarray(12 + accountLength);
  const request = decodeRequest(signal, payload, 'protobuf');
  return { item: { signal, accountId, request } as StoreItem, receivedAtMs };
}
