import type { DuckDbStoreOptions } from './duckdb-store.js';
import type { ProcessDefinitionForStore } from './types.js';

/** Messages between the hub and its store worker (structured-clone safe). */
export type QueryMethod = 'getTrace' | 'queryLogs' | 'queryMetrics' | 'metricNames' | 'searchTraces' | 'processInstances' | 'processInstance' | 'counts';

export type ToWorker =
  | { type: 'open'; options: Omit<DuckDbStoreOptions, 'log'> }
  | { type: 'append'; id: number; records: { position: number; data: Uint8Array }[]; cursor: number }
  | { type: 'query'; id: number; method: QueryMethod; args: unknown[] }
  | { type: 'processes'; defs: ProcessDefinitionForStore[] }
  | { type: 'retain'; id: number; nowMs: number }
  | { type: 'stats'; id: number }
  | { type: 'close'; id: number };

export type FromWorker =
  | { type: 'ready'; cursor: number }
  | { type: 'open-failed'; message: string }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  /** `name` keeps the kind of error across the thread boundary (RangeError: bad input from a caller). */
  | { type: 'reply'; id: number; ok: false; message: string; name: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> };
