/**
 * The embedded store: spans, logs and metric points of every account in one DuckDB file, written and
 * queried by a worker (a thread of the hub, or a child process) fed from the queue (one decode per record, straight into columns;
 * exactly once across crashes), read by the console's query API.
 */
export { startEmbeddedStore, StoreUnavailableError } from './embedded-store.js';
export type { StartEmbeddedStoreOptions, StoreLogger } from './embedded-store.js';
export type { StoreChannel, StoreIsolation } from './store-channel.js';
export { MAX_QUERY_ROWS, traceIdValue } from './read-queries.js';
export type {
  EmbeddedStore,
  InstanceQuery,
  InstanceRow,
  LogQuery,
  LogRow,
  MetricPoint,
  MetricQuery,
  MetricSeries,
  ProcessDefinitionForStore,
  SpanRow,
  StoreStatus,
  TraceSearchQuery,
  TraceSummary,
} from './types.js';
