import type { DuckDbStoreOptions } from './duckdb-store.js';
import type { ProcessDefinitionForStore } from './types.js';

/** Messages between the hub and its store worker, a thread or a process (structured-clone safe). */
export type QueryMethod = 'getTrace' | 'queryLogs' | 'queryMetrics' | 'metricNames' | 'searchTraces' | 'processInstances' | 'processInstance' | 'counts';

/** The requests the store worker answers with a reply; the hub adds the `id` the reply carries. */
export type WorkerCall =
  /** `batch`: the records packed by packBatch (one buffer: one copy each way, no object per record). */
  | { type: 'append'; batch: Uint8Array; cursor: number }
  | { type: 'query'; method: QueryMethod; args: unknown[] }
  | { type: 'retain'; nowMs: number }
  | { type: 'stats' }
  | { type: 'close' };

export type ToWorker =
  | { type: 'open'; options: Omit<DuckDbStoreOptions, 'log'> }
  | { type: 'processes'; defs: ProcessDefinitionForStore[] }
  /** End as a crash would, once the calls in flight are done (a thread: see store-channel.ts). */
  | { type: 'exit' }
  | (WorkerCall & { id: number });

export type FromWorker =
  | { type: 'ready'; cursor: number }
  | { type: 'open-failed'; message: string }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  /** `name` keeps the kind of error across the process boundary (RangeError: bad input from a caller). */
  | { type: 'reply'; id: number; ok: false; message: string; name: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> };

/** Packs queue records as [u32 count] then per record [f64 position][u32 length][bytes]. */
export function packBatch(records: readonly { position: number; data: Uint8Array }[]): Uint8Array {
  let size = 4;
  for (const r of records) size += 12 + r.data.byteLength;
  // Its own ArrayBuffer (not a slice of Buffer's pool), so it can be handed to a worker thread.
  const out = Buffer.allocUnsafeSlow(size);
  out.writeUInt32LE(records.length, 0);
  let at = 4;
  for (const r of records) {
    out.writeDoubleLE(r.position, at);
    out.writeUInt32LE(r.data.byteLength, at + 8);
    out.set(r.data, at + 12);
    at += 12 + r.data.byteLength;
  }
  return out;
}

/** The records of a packed batch, as views into it. */
export function unpackBatch(batch: Uint8Array): { position: number; data: Uint8Array }[] {
  const buf = Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength);
  const count = buf.readUInt32LE(0);
  const out: { position: number; data: Uint8Array }[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    const position = buf.readDoubleLE(at);
    const length = buf.readUInt32LE(at + 8);
    out.push({ position, data: buf.subarray(at + 12, at + 12 + length) });
    at += 12 + length;
  }
  return out;
}
