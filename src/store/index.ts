/**
 * The embedded store: spans, logs and metric points of every account in one DuckDB file, appended
 * by the export consumer in batches together with the queue cursor (exactly once across crashes),
 * and read by the console's query API.
 */
export { createDuckDbStore } from './duckdb-store.js';
export type { DuckDbStoreOptions } from './duckdb-store.js';
export type {
  EmbeddedStore,
  LogQuery,
  LogRow,
  MetricPoint,
  MetricQuery,
  MetricSeries,
  SpanRow,
  StoreItem,
} from './types.js';
export { MAX_QUERY_ROWS } from './queries.js';
