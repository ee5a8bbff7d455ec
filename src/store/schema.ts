import type { LogRecordRow, PointRecord, SpanRecord } from './flatten.js';

/**
 * Table layout of the embedded store. Each table is a list of columns, each with the accessor that
 * reads its value from a flattened row: the DDL and the appender's column order come from the same
 * list, so they cannot drift apart.
 */

interface ValueByKind {
  varchar: string;
  json: string;
  bigint: bigint;
  ubigint: bigint;
  integer: number;
  uinteger: number;
  double: number;
  boolean: boolean;
}
export type ColumnKind = keyof ValueByKind;

export type Column<R> = {
  [K in ColumnKind]: { name: string; kind: K; get: (row: R) => ValueByKind[K] | null };
}[ColumnKind];

export interface TableDef<R> {
  name: string;
  columns: readonly Column<R>[];
}

const SQL_TYPE: Record<ColumnKind, string> = {
  varchar: 'VARCHAR',
  json: 'JSON',
  bigint: 'BIGINT',
  ubigint: 'UBIGINT',
  integer: 'INTEGER',
  uinteger: 'UINTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
};

export const SPANS: TableDef<SpanRecord> = {
  name: 'spans',
  columns: [
    { name: 'trace_id', kind: 'varchar', get: (r) => r.traceId },
    { name: 'span_id', kind: 'varchar', get: (r) => r.spanId },
    { name: 'parent_span_id', kind: 'varchar', get: (r) => r.parentSpanId },
    { name: 'trace_state', kind: 'varchar', get: (r) => r.traceState },
    { name: 'flags', kind: 'uinteger', get: (r) => r.flags },
    { name: 'name', kind: 'varchar', get: (r) => r.name },
    { name: 'kind', kind: 'integer', get: (r) => r.kind },
    { name: 'start_ns', kind: 'bigint', get: (r) => r.startNs },
    { name: 'end_ns', kind: 'bigint', get: (r) => r.endNs },
    { name: 'account_id', kind: 'varchar', get: (r) => r.accountId },
    { name: 'source_name', kind: 'varchar', get: (r) => r.sourceName },
    { name: 'service_name', kind: 'varchar', get: (r) => r.serviceName },
    { name: 'attributes', kind: 'json', get: (r) => r.attributesJson },
    { name: 'status', kind: 'json', get: (r) => r.statusJson },
    { name: 'events', kind: 'json', get: (r) => r.eventsJson },
    { name: 'links', kind: 'json', get: (r) => r.linksJson },
    { name: 'resource', kind: 'json', get: (r) => r.resourceJson },
    { name: 'scope_name', kind: 'varchar', get: (r) => r.scopeName },
    { name: 'scope_version', kind: 'varchar', get: (r) => r.scopeVersion },
  ],
};

export const LOGS: TableDef<LogRecordRow> = {
  name: 'logs',
  columns: [
    { name: 'time_ns', kind: 'bigint', get: (r) => r.timeNs },
    { name: 'observed_ns', kind: 'bigint', get: (r) => r.observedNs },
    { name: 'severity_number', kind: 'integer', get: (r) => r.severityNumber },
    { name: 'severity_text', kind: 'varchar', get: (r) => r.severityText },
    { name: 'body', kind: 'json', get: (r) => r.bodyJson },
    { name: 'body_text', kind: 'varchar', get: (r) => r.bodyText },
    { name: 'account_id', kind: 'varchar', get: (r) => r.accountId },
    { name: 'source_name', kind: 'varchar', get: (r) => r.sourceName },
    { name: 'service_name', kind: 'varchar', get: (r) => r.serviceName },
    { name: 'trace_id', kind: 'varchar', get: (r) => r.traceId },
    { name: 'span_id', kind: 'varchar', get: (r) => r.spanId },
    { name: 'flags', kind: 'uinteger', get: (r) => r.flags },
    { name: 'attributes', kind: 'json', get: (r) => r.attributesJson },
    { name: 'resource', kind: 'json', get: (r) => r.resourceJson },
    { name: 'event_name', kind: 'varchar', get: (r) => r.eventName },
    { name: 'scope_name', kind: 'varchar', get: (r) => r.scopeName },
  ],
};

export const METRIC_POINTS: TableDef<PointRecord> = {
  name: 'metric_points',
  columns: [
    { name: 'name', kind: 'varchar', get: (r) => r.name },
    { name: 'type', kind: 'varchar', get: (r) => r.type },
    { name: 'unit', kind: 'varchar', get: (r) => r.unit },
    { name: 'account_id', kind: 'varchar', get: (r) => r.accountId },
    { name: 'source_name', kind: 'varchar', get: (r) => r.sourceName },
    { name: 'service_name', kind: 'varchar', get: (r) => r.serviceName },
    { name: 'attributes', kind: 'json', get: (r) => r.attributesJson },
    { name: 'resource', kind: 'json', get: (r) => r.resourceJson },
    { name: 'scope_name', kind: 'varchar', get: (r) => r.scopeName },
    { name: 'time_ns', kind: 'bigint', get: (r) => r.timeNs },
    { name: 'start_ns', kind: 'bigint', get: (r) => r.startNs },
    { name: 'value', kind: 'double', get: (r) => r.value },
    { name: 'count', kind: 'ubigint', get: (r) => r.count },
    { name: 'sum', kind: 'double', get: (r) => r.sum },
    { name: 'min', kind: 'double', get: (r) => r.min },
    { name: 'max', kind: 'double', get: (r) => r.max },
    { name: 'bucket_counts', kind: 'json', get: (r) => r.bucketCountsJson },
    { name: 'explicit_bounds', kind: 'json', get: (r) => r.explicitBoundsJson },
    { name: 'exponential', kind: 'json', get: (r) => r.exponentialJson },
    { name: 'quantiles', kind: 'json', get: (r) => r.quantilesJson },
    { name: 'is_monotonic', kind: 'boolean', get: (r) => r.isMonotonic },
    { name: 'temporality', kind: 'integer', get: (r) => r.temporality },
    { name: 'flags', kind: 'uinteger', get: (r) => r.flags },
  ],
};

function createTable<R>(def: TableDef<R>): string {
  const cols = def.columns.map((c) => `${c.name} ${SQL_TYPE[c.kind]}`).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${def.name} (${cols})`;
}

/** Idempotent DDL run at every open. */
export const SCHEMA_STATEMENTS: readonly string[] = [
  createTable(SPANS),
  createTable(LOGS),
  createTable(METRIC_POINTS),
  // The one row holding the queue position the stored rows end at (see EmbeddedStore.append).
  'CREATE TABLE IF NOT EXISTS store_cursor (id INTEGER PRIMARY KEY, position BIGINT NOT NULL)',
  'INSERT INTO store_cursor VALUES (1, 0) ON CONFLICT DO NOTHING',
  // Only trace lookups are point queries. Logs and metrics are read by time range, account and name,
  // which DuckDB serves from its per-row-group min/max zone maps; ART indexes there would slow every
  // append and must be held in memory.
  'CREATE INDEX IF NOT EXISTS spans_trace_id ON spans (trace_id)',
];

/** Names of the columns of `def`, in table order. */
export function columnNames<R>(def: TableDef<R>): string[] {
  return def.columns.map((c) => c.name);
}
