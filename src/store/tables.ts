import { SQL_TYPE, type ColumnKind } from './chunk-builder.js';

/**
 * The embedded store's layout. Items live in time slices: one table per kind and slice
 * (`spans_s<id>`…), so retention drops whole tables instead of deleting rows; a view per kind
 * (`spans`, `logs`, `points`, `process_links`, `process_log_links`) unions the retained slices for
 * queries. Resources (with their scope) and metric descriptors are stored once, by id.
 * Ids and timestamps are fixed-width numbers (trace ids UHUGEINT, span ids UBIGINT, unix ns
 * UBIGINT); each item's own protobuf message is its `detail` blob, decoded only when returned.
 */
export const SCHEMA_VERSION = '2';

type Columns<N extends string> = readonly (readonly [N, ColumnKind])[];

function columns<N extends string>(cols: Columns<N>): { list: Columns<N>; index: Readonly<Record<N, number>> } {
  const index = {} as Record<N, number>;
  cols.forEach(([name], i) => (index[name] = i));
  return { list: cols, index };
}

const spans = columns([
  ['trace_id', 'u128'],
  ['span_id', 'u64'],
  ['parent_span_id', 'u64'],
  ['name', 'varchar'],
  ['kind', 'u8'],
  ['start_ns', 'u64'],
  ['end_ns', 'u64'],
  ['status_code', 'u8'],
  ['resource_id', 'u64'],
  ['detail', 'blob'],
] as const);
const logs = columns([
  ['time_ns', 'u64'],
  ['observed_ns', 'u64'],
  ['severity_number', 'u8'],
  ['trace_id', 'u128'],
  ['span_id', 'u64'],
  ['resource_id', 'u64'],
  ['seq', 'u64'],
  ['body_text', 'varchar'],
  ['detail', 'blob'],
] as const);
const points = columns([
  ['metric_id', 'u64'],
  ['resource_id', 'u64'],
  ['time_ns', 'u64'],
  ['start_ns', 'u64'],
  ['value', 'f64'],
  ['detail', 'blob'],
] as const);
const links = columns([
  ['process', 'varchar'],
  ['key', 'varchar'],
  ['trace_id', 'u128'],
  ['start_ns', 'u64'],
  ['matched', 'bool'],
] as const);
const logLinks = columns([
  ['process', 'varchar'],
  ['key', 'varchar'],
  ['seq', 'u64'],
  ['time_ns', 'u64'],
] as const);

export const SPAN = spans.index;
export const LOG = logs.index;
export const POINT = points.index;
export const LINK = links.index;
export const LOG_LINK = logLinks.index;

/** The sliced tables: view name → columns. */
export const SLICED = {
  spans: spans.list,
  logs: logs.list,
  points: points.list,
  process_links: links.list,
  process_log_links: logLinks.list,
} as const;
export type SlicedTable = keyof typeof SLICED;
export const SLICED_TABLES = Object.keys(SLICED) as SlicedTable[];

export function kindsOf(table: SlicedTable): ColumnKind[] {
  return SLICED[table].map(([, kind]) => kind);
}

export function sliceTableName(table: SlicedTable, slice: number): string {
  return `${table}_s${slice}`;
}

function columnDdl(table: SlicedTable): string {
  return SLICED[table].map(([name, kind]) => `${name} ${SQL_TYPE[kind]}`).join(', ');
}

export function createSliceSql(table: SlicedTable, slice: number): string {
  return `CREATE TABLE IF NOT EXISTS ${sliceTableName(table, slice)} (${columnDdl(table)})`;
}

/** The view over the retained slices (an empty template keeps the view valid with none). */
export function viewSql(table: SlicedTable, slices: readonly number[]): string {
  const parts = [`SELECT * FROM ${table}_template`, ...slices.map((s) => `SELECT * FROM ${sliceTableName(table, s)}`)];
  return `CREATE OR REPLACE VIEW ${table} AS ${parts.join(' UNION ALL ')}`;
}

/** Idempotent DDL run at every open. */
export const FIXED_SCHEMA: readonly string[] = [
  'CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)',
  // The one row holding the queue position the stored rows end at (committed with the rows).
  'CREATE TABLE IF NOT EXISTS store_cursor (id INTEGER PRIMARY KEY, position BIGINT NOT NULL)',
  'INSERT INTO store_cursor VALUES (1, 0) ON CONFLICT DO NOTHING',
  'CREATE TABLE IF NOT EXISTS slices (slice_id BIGINT PRIMARY KEY, start_ms BIGINT NOT NULL, end_ms BIGINT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS resources (resource_id UBIGINT PRIMARY KEY, account_id VARCHAR, service_name VARCHAR, source_name VARCHAR, ' +
    'resource BLOB, scope BLOB, scope_name VARCHAR, first_seen_ms BIGINT)',
  'CREATE TABLE IF NOT EXISTS metrics (metric_id UBIGINT PRIMARY KEY, name VARCHAR, description VARCHAR, unit VARCHAR, ' +
    'type UTINYINT, temporality UTINYINT, is_monotonic BOOLEAN)',
  ...SLICED_TABLES.map((t) => `CREATE TABLE IF NOT EXISTS ${t}_template (${columnDdl(t)})`),
];
