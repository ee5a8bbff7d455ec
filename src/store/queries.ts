import { BIGINT, VARCHAR } from '@duckdb/node-api';
import type { DuckDBType, DuckDBValue, JS } from '@duckdb/node-api';
import { clampInt64 } from './flatten.js';
import type { LogQuery, LogRow, MetricPoint, MetricQuery, MetricSeries, SpanRow } from './types.js';

/**
 * The store's read queries. Every value a caller supplies is a bound parameter; the only SQL that
 * varies is which of a fixed set of WHERE fragments is present, so each variant is a distinct
 * prepared statement.
 */

/** Upper bound on `limit`: one query never materialises more rows than this. */
export const MAX_QUERY_ROWS = 100_000;

export interface BoundQuery {
  sql: string;
  values: Record<string, DuckDBValue>;
  types: Record<string, DuckDBType>;
}

type Row = Record<string, JS>;

const TRACE_ID_HEX = /^(?:[0-9a-f]{2}){1,32}$/;

/** The lowercased trace id, or undefined when it is not an even-length hex string of at most 32 bytes. */
export function normaliseTraceId(traceIdHex: string): string | undefined {
  const id = traceIdHex.toLowerCase();
  return TRACE_ID_HEX.test(id) ? id : undefined;
}

export function traceQuery(traceIdHex: string): BoundQuery {
  return {
    sql:
      'SELECT trace_id, span_id, parent_span_id, trace_state, name, kind, start_ns, end_ns, account_id, source_name, ' +
      'service_name, attributes, status, events, links, resource, scope_name ' +
      'FROM spans WHERE trace_id = $trace_id ORDER BY start_ns, span_id',
    values: { trace_id: traceIdHex },
    types: { trace_id: VARCHAR },
  };
}

function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`query limit must be a non-negative integer, got ${limit}`);
  return Math.min(limit, MAX_QUERY_ROWS);
}

/** A time bound clamped into BIGINT range, so any caller value binds. */
const timeBound = clampInt64;

class WhereBuilder {
  readonly clauses: string[] = [];
  readonly values: Record<string, DuckDBValue> = {};
  readonly types: Record<string, DuckDBType> = {};

  add(clause: string, name: string, value: DuckDBValue, type: DuckDBType): void {
    this.clauses.push(clause);
    this.values[name] = value;
    this.types[name] = type;
  }

  sql(): string {
    return this.clauses.length === 0 ? '' : ` WHERE ${this.clauses.join(' AND ')}`;
  }
}

/** An empty filter string means "no filter", as an empty query parameter does. */
function present(v: string | undefined): v is string {
  return v !== undefined && v !== '';
}

export function logsQuery(q: LogQuery): BoundQuery {
  const w = new WhereBuilder();
  if (present(q.account)) w.add('account_id = $account', 'account', q.account, VARCHAR);
  if (present(q.source)) w.add('source_name = $source', 'source', q.source, VARCHAR);
  if (q.since !== undefined) w.add('time_ns >= $since', 'since', timeBound(q.since), BIGINT);
  if (q.until !== undefined) w.add('time_ns < $until', 'until', timeBound(q.until), BIGINT);
  if (present(q.contains)) w.add('contains(lower(body_text), lower($contains))', 'contains', q.contains, VARCHAR);
  const limit = checkLimit(q.limit);
  return {
    sql:
      'SELECT time_ns, observed_ns, severity_number, severity_text, body, account_id, source_name, service_name, ' +
      `trace_id, span_id, attributes, resource, event_name, scope_name FROM logs${w.sql()} ` +
      // rowid breaks ties in arrival order, so equal timestamps list the latest arrival first.
      'ORDER BY time_ns DESC, rowid DESC LIMIT $limit',
    values: { ...w.values, limit: BigInt(limit) },
    types: { ...w.types, limit: BIGINT },
  };
}

export function metricsQuery(q: MetricQuery): BoundQuery {
  const w = new WhereBuilder();
  if (present(q.name)) w.add('name = $name', 'name', q.name, VARCHAR);
  if (present(q.account)) w.add('account_id = $account', 'account', q.account, VARCHAR);
  if (q.since !== undefined) w.add('time_ns >= $since', 'since', timeBound(q.since), BIGINT);
  if (q.until !== undefined) w.add('time_ns < $until', 'until', timeBound(q.until), BIGINT);
  const limit = checkLimit(q.limit);
  return {
    sql:
      'SELECT name, type, unit, account_id, source_name, attributes, time_ns, start_ns, value, count, sum, min, max, ' +
      `bucket_counts, explicit_bounds, exponential, quantiles, is_monotonic, temporality FROM metric_points${w.sql()} ` +
      // When the cap bites, the newest points are the ones kept: that is what a chart of "now" needs.
      'ORDER BY time_ns DESC, rowid DESC LIMIT $limit',
    values: { ...w.values, limit: BigInt(limit) },
    types: { ...w.types, limit: BIGINT },
  };
}

// ---- row conversion ----

function str(row: Row, key: string): string {
  const v = row[key];
  // Every column read with this is VARCHAR: anything else is an absent value.
  return typeof v === 'string' ? v : '';
}

function int(row: Row, key: string): number {
  const v = row[key];
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : 0;
}

function nsString(row: Row, key: string): string {
  const v = row[key];
  return typeof v === 'bigint' || typeof v === 'number' ? v.toString() : '0';
}

function optNumber(row: Row, key: string): number | undefined {
  const v = row[key];
  return typeof v === 'number' ? v : undefined;
}

function json(row: Row, key: string): unknown {
  const v = row[key];
  return typeof v === 'string' ? (JSON.parse(v) as unknown) : null;
}

function jsonObject(row: Row, key: string): Record<string, unknown> {
  const v = json(row, key);
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function jsonArray(row: Row, key: string): unknown[] {
  const v = json(row, key);
  return Array.isArray(v) ? v : [];
}

export function rowToSpan(row: Row): SpanRow {
  return {
    traceId: str(row, 'trace_id'),
    spanId: str(row, 'span_id'),
    parentSpanId: str(row, 'parent_span_id'),
    name: str(row, 'name'),
    kind: int(row, 'kind'),
    startTimeUnixNano: nsString(row, 'start_ns'),
    endTimeUnixNano: nsString(row, 'end_ns'),
    accountId: str(row, 'account_id'),
    sourceName: str(row, 'source_name'),
    serviceName: str(row, 'service_name'),
    attributes: jsonObject(row, 'attributes'),
    status: jsonObject(row, 'status'),
    events: jsonArray(row, 'events'),
    links: jsonArray(row, 'links'),
    resource: jsonObject(row, 'resource'),
    scopeName: str(row, 'scope_name'),
    traceState: str(row, 'trace_state'),
  };
}

export function rowToLog(row: Row): LogRow {
  return {
    timeUnixNano: nsString(row, 'time_ns'),
    observedTimeUnixNano: nsString(row, 'observed_ns'),
    severityNumber: int(row, 'severity_number'),
    severityText: str(row, 'severity_text'),
    body: json(row, 'body'),
    accountId: str(row, 'account_id'),
    sourceName: str(row, 'source_name'),
    serviceName: str(row, 'service_name'),
    traceId: str(row, 'trace_id'),
    spanId: str(row, 'span_id'),
    attributes: jsonObject(row, 'attributes'),
    resource: jsonObject(row, 'resource'),
    eventName: str(row, 'event_name'),
    scopeName: str(row, 'scope_name'),
  };
}

function rowToPoint(row: Row): MetricPoint {
  const v = row['value'];
  const point: MetricPoint = {
    timeUnixNano: nsString(row, 'time_ns'),
    startTimeUnixNano: nsString(row, 'start_ns'),
    value: typeof v === 'number' ? v : null,
  };
  const count = row['count'];
  if (typeof count === 'bigint') point.count = count.toString();
  const sum = optNumber(row, 'sum');
  if (sum !== undefined) point.sum = sum;
  const min = optNumber(row, 'min');
  if (min !== undefined) point.min = min;
  const max = optNumber(row, 'max');
  if (max !== undefined) point.max = max;
  if (typeof row['bucket_counts'] === 'string') point.bucketCounts = jsonArray(row, 'bucket_counts').map(String);
  if (typeof row['explicit_bounds'] === 'string') point.explicitBounds = jsonArray(row, 'explicit_bounds').map(Number);
  if (typeof row['quantiles'] === 'string') point.quantiles = jsonArray(row, 'quantiles') as MetricPoint['quantiles'];
  if (typeof row['exponential'] === 'string') point.exponential = jsonObject(row, 'exponential') as MetricPoint['exponential'];
  return point;
}

/**
 * Groups point rows (newest first, as `metricsQuery` returns them) into series keyed by name,
 * account, source and attributes; series are sorted by that key and their points ascend by time.
 */
export function rowsToSeries(rows: readonly Row[]): MetricSeries[] {
  const byKey = new Map<string, MetricSeries>();
  for (const row of rows) {
    const attributesJson = str(row, 'attributes');
    const key = JSON.stringify([str(row, 'name'), str(row, 'account_id'), str(row, 'source_name'), attributesJson]);
    let series = byKey.get(key);
    if (series === undefined) {
      series = {
        name: str(row, 'name'),
        type: str(row, 'type'),
        unit: str(row, 'unit'),
        accountId: str(row, 'account_id'),
        sourceName: str(row, 'source_name'),
        attributes: jsonObject(row, 'attributes'),
        points: [],
      };
      const mono = row['is_monotonic'];
      if (typeof mono === 'boolean') series.isMonotonic = mono;
      const temporality = row['temporality'];
      if (typeof temporality === 'number') series.temporality = temporality;
      byKey.set(key, series);
    }
    series.points.push(rowToPoint(row));
  }
  const keys = [...byKey.keys()].sort();
  const out: MetricSeries[] = [];
  for (const key of keys) {
    const series = byKey.get(key);
    if (series === undefined) continue;
    series.points.reverse();
    out.push(series);
  }
  return out;
}
