import { decodeRequest, encodeRequest } from '../otlp/index.js';
import type { RequestBySignal, Signal } from '../otlp/model.js';

/**
 * The agent's queue record (version 1): [u8 version][u8 signal][f64 receivedAtMs][OTLP protobuf
 * request]. One record per received request or scrape. Protobuf because both exporters send
 * protobuf anyway and the codec is fast; receivedAtMs gives the exporters' lag.
 */
const VERSION = 1;
const HEADER_BYTES = 10;
const SIGNAL_CODE: Record<Signal, number> = { traces: 1, metrics: 2, logs: 3 };
const CODE_SIGNAL: readonly (Signal | undefined)[] = [undefined, 'traces', 'metrics', 'logs'];

export type AgentItem = { [S in Signal]: { signal: S; request: RequestBySignal[S] } }[Signal];

export interface AgentRecord {
  item: AgentItem;
  receivedAtMs: number;
}

export function encodeAgentRecord(item: AgentItem, receivedAtMs: number): Uint8Array {
  const payload = encodeRequest(item.signal, item.request as never, 'protobuf');
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  out[0] = VERSION;
  out[1] = SIGNAL_CODE[item.signal];
  out.writeDoubleBE(receivedAtMs, 2);
  out.set(payload, HEADER_BYTES);
  return out;
}

/** Decodes a record written by encodeAgentRecord; throws on anything else (the runner skips and counts it). */
export function decodeAgentRecord(data: Uint8Array): AgentRecord {
  if (data.byteLength < HEADER_BYTES) throw new Error(`agent queue record of ${data.byteLength} bytes is too short`);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf[0] !== VERSION) throw new Error(`agent queue record version ${String(buf[0])} is not supported`);
  const signal = CODE_SIGNAL[buf[1] ?? 0];
  if (signal === undefined) throw new Error(`agent queue record has unknown signal code ${String(buf[1])}`);
  const receivedAtMs = buf.readDoubleBE(2);
  const request = decodeRequest(signal, buf.subarray(HEADER_BYTES), 'protobuf');
  return { item: { signal, request } as AgentItem, receivedAtMs };
}
