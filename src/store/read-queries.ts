import { UBIGINT, UHUGEINT, UTINYINT, VARCHAR } from '@duckdb/node-api';
import type { DuckDBType, DuckDBValue, JS } from '@duckdb/node-api';
import type { KeyValue, Metric, Span } from '../otlp/model.js';
import { anyValueToPlain, attributesToPlain, decodeLogRecord, decodePoint, decodeResource, decodeSpan, idToHex } from './detail-decode.js';
import { METRIC_TYPES } from './payload-rows.js';
import type {
  InstanceQuery,
  InstanceRow,
  LogQuery,
  LogRow,
  MetricPoint,
  MetricQuery,
  MetricSeries,
  ProcessDefinitionForStore,
  SpanRow,
  TraceSearchQuery,
  TraceSummary,
} from './types.js';

/**
 * The store's read queries, run in the store worker. Every caller value is a bound parameter; only
 * the presence of filter fragments varies the SQL. Rows carry the item's own protobuf bytes
 * (`detail`), decoded here, only for the rows a query returns.
 */
type Row = Record<string, JS>;

export interface Queryable {
  query(sql: string, values?: Record<string, DuckDBValue>, types?: Record<string, DuckDBType>): Promise<Row[]>;
  /** Bytes of a slice's payload file (where items' own messages are kept). */
  readPayload(slice: number, offset: number, length: number): Promise<Uint8Array>;
}

/** Upper bound on any `limit`: one query never materialises more rows than this. */
export const MAX_QUERY_ROWS = 100_000;

function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`query limit must be a non-negative integer, got ${limit}`);
  return Math.min(limit, MAX_QUERY_ROWS);
}

const UINT64_MAX = (1n << 64n) - 1n;
/** A time bound clamped into the UBIGINT range of the time columns. */
function timeBound(v: bigint): bigint {
  return v < 0n ? 0n : v > UINT64_MAX ? UINT64_MAX : v;
}

class Where {
  readonly clauses: string[] = [];
  readonly values: Record<string, DuckDBValue> = {};
  readonly types: Record<string, DuckDBType> = {};
  #n = 0;
  /** Parameter name prefix: builders whose values are merged into one query need distinct ones. */
  readonly #prefix: string;

  constructor(prefix = 'p') {
    this.#prefix = prefix;
  }

  /** Binds a value without adding a clause; returns its placeholder (`$p3`) for hand-written SQL. */
  param(value: DuckDBValue, type: DuckDBType): string {
    const name = `${this.#prefix}${this.#n++}`;
    this.values[name] = value;
    this.types[name] = type;
    return `$${name}`;
  }

  add(clause: string, value: DuckDBValue, type: DuckDBType): void {
    this.clauses.push(clause.replaceAll('$?', this.param(value, type)));
  }

  /** `column IN (…)` over string values (account lists of a viewer scope). */
  in(column: string, list: readonly string[]): void {
    if (list.length === 0) {
      this.clauses.push('false');
      return;
    }
    this.clauses.push(`${column} IN (${this.params(list, VARCHAR)})`);
  }

  /** Binds every value of `list`; returns their placeholders, comma-separated. */
  params(list: readonly DuckDBValue[], type: DuckDBType): string {
    return list.map((v) => this.param(v, type)).join(', ');
  }

  /** A clause without a parameter. */
  raw(clause: string): void {
    this.clauses.push(clause);
  }

  sql(prefix = 'WHERE'): string {
    return this.clauses.length === 0 ? '' : ` ${prefix} ${this.clauses.join(' AND ')}`;
  }
}

function present(v: string | undefined): v is string {
  return v !== undefined && v !== '';
}

const TRACE_ID = /^[0-9a-f]{32}$/;

/** A trace id as the UHUGEINT the store keeps (big-endian bytes as one number). */
export function traceIdValue(hex: string): bigint | undefined {
  const id = hex.toLowerCase();
  return TRACE_ID.test(id) ? BigInt(`0x${id}`) : undefined;
}

function hex(v: JS, bytes: number): string {
  if (typeof v !== 'bigint' || v === 0n) return '';
  return v.toString(16).padStart(bytes * 2, '0');
}

function str(v: JS): string {
  return typeof v === 'string' ? v : '';
}

function num(v: JS): number {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : 0;
}

function ns(v: JS): string {
  return typeof v === 'bigint' || typeof v === 'number' ? v.toString() : '0';
}

function bytes(v: JS): Uint8Array {
  return v instanceof Uint8Array ? v : new Uint8Array(0);
}

/** Decoded resource attributes, once per resource id per query. */
class ResourceCache {
  readonly #byId = new Map<bigint, Record<string, unknown>>();
  get(id: JS, raw: JS): Record<string, unknown> {
    const key = typeof id === 'bigint' ? id : 0n;
    let out = this.#byId.get(key);
    if (out === undefined) this.#byId.set(key, (out = attributesToPlain(decodeResource(bytes(raw)).attributes)));
    return out;
  }
}

/**
 * The bytes of each row's own item message, read from its slice's payload file. Rows next to each
 * other in a file (the items of one request) are read with one read. Sets `detail` on every row.
 */
async function withDetails(db: Queryable, rows: Row[]): Promise<Row[]> {
  const bySlice = new Map<number, Row[]>();
  for (const r of rows) {
    const slice = num(r['slice'] ?? null);
    let list = bySlice.get(slice);
    if (list === undefined) bySlice.set(slice, (list = []));
    list.push(r);
  }
  for (const [slice, list] of bySlice) {
    const sorted = [...list].sort((a, b) => num(a['item_offset'] ?? null) - num(b['item_offset'] ?? null));
    let i = 0;
    while (i < sorted.length) {
      // One read covers rows whose items lie within 64 KiB of each other.
      const start = num(sorted[i]?.['item_offset'] ?? null);
      let end = start + num(sorted[i]?.['item_length'] ?? null);
      let j = i + 1;
      while (j < sorted.length) {
        const o = num(sorted[j]?.['item_offset'] ?? null);
        if (o > end + 65_536 || o + num(sorted[j]?.['item_length'] ?? null) - start > 16 * 1024 * 1024) break;
        end = Math.max(end, o + num(sorted[j]?.['item_length'] ?? null));
        j++;
      }
      const bytesRead = await db.readPayload(slice, start, end - start);
      for (let k = i; k < j; k++) {
        const r = sorted[k] as Row;
        const o = num(r['item_offset'] ?? null) - start;
        r['detail'] = bytesRead.subarray(o, o + num(r['item_length'] ?? null));
      }
      i = j;
    }
  }
  return rows;
}

// ---- traces ----

const SPAN_SELECT =
  'SELECT s.trace_id, s.span_id, s.parent_span_id, s.name, s.kind, s.start_ns, s.end_ns, s.status_code, s.resource_id, s.slice, s.item_offset, s.item_length, ' +
  'r.account_id, r.service_name, r.source_name, r.resource, r.scope_name FROM spans s JOIN resources r USING (resource_id)';

function spanRow(row: Row, resources: ResourceCache): SpanRow {
  const span = decodeSpan(bytes(row['detail'] ?? null));
  return {
    traceId: hex(row['trace_id'] ?? null, 16),
    spanId: hex(row['span_id'] ?? null, 8),
    parentSpanId: hex(row['parent_span_id'] ?? null, 8),
    name: str(row['name'] ?? null),
    kind: num(row['kind'] ?? null),
    startTimeUnixNano: ns(row['start_ns'] ?? null),
    endTimeUnixNano: ns(row['end_ns'] ?? null),
    accountId: str(row['account_id'] ?? null),
    sourceName: str(row['source_name'] ?? null),
    serviceName: str(row['service_name'] ?? null),
    attributes: attributesToPlain(span?.attributes ?? []),
    status: span?.status === undefined ? {} : { code: span.status.code, message: span.status.message },
    events: (span?.events ?? []).map((e) => ({ timeUnixNano: e.timeUnixNano.toString(), name: e.name, attributes: attributesToPlain(e.attributes), droppedAttributesCount: e.droppedAttributesCount })),
    links: (span?.links ?? []).map((l) => ({ traceId: idToHex(l.traceId), spanId: idToHex(l.spanId), traceState: l.traceState, attributes: attributesToPlain(l.attributes), droppedAttributesCount: l.droppedAttributesCount, flags: l.flags })),
    resource: resources.get(row['resource_id'] ?? null, row['resource'] ?? null),
    scopeName: str(row['scope_name'] ?? null),
    traceState: span?.traceState ?? '',
  };
}

export async function getTrace(db: Queryable, traceIdHex: string): Promise<SpanRow[]> {
  const id = traceIdValue(traceIdHex);
  if (id === undefined) return [];
  const rows = await withDetails(db, await db.query(`${SPAN_SELECT} WHERE s.trace_id = $id ORDER BY s.start_ns, s.span_id`, { id }, { id: UHUGEINT }));
  const resources = new ResourceCache();
  return rows.map((r) => spanRow(r, resources));
}

/** Spans of several traces, in trace and start order. */
export async function spansOfTraces(db: Queryable, traceIds: readonly bigint[]): Promise<SpanRow[]> {
  if (traceIds.length === 0) return [];
  const w = new Where();
  const ids = w.params(traceIds, UHUGEINT);
  const rows = await withDetails(db, await db.query(`${SPAN_SELECT} WHERE s.trace_id IN (${ids}) ORDER BY s.start_ns, s.span_id`, w.values, w.types));
  const resources = new ResourceCache();
  return rows.map((r) => spanRow(r, resources));
}

// ---- logs ----

const LOG_SELECT =
  'SELECT l.time_ns, l.observed_ns, l.severity_number, l.trace_id, l.span_id, l.resource_id, l.slice, l.item_offset, l.item_length, ' +
  'r.account_id, r.service_name, r.source_name, r.resource, r.scope_name FROM logs l JOIN resources r USING (resource_id)';

export async function queryLogs(db: Queryable, q: LogQuery): Promise<LogRow[]> {
  const w = new Where();
  if (present(q.account)) w.add('r.account_id = $?', q.account, VARCHAR);
  if (q.accounts !== undefined) w.in('r.account_id', q.accounts);
  if (present(q.source)) w.add('r.source_name = $?', q.source, VARCHAR);
  if (present(q.service)) w.add('r.service_name = $?', q.service, VARCHAR);
  if (q.since !== undefined) w.add('l.time_ns >= $?', timeBound(q.since), UBIGINT);
  if (q.until !== undefined) w.add('l.time_ns < $?', timeBound(q.until), UBIGINT);
  if (q.minSeverity !== undefined) w.add('l.severity_number >= $?', q.minSeverity, UTINYINT);
  if (present(q.traceId)) {
    const id = traceIdValue(q.traceId);
    if (id === undefined) return [];
    w.add('l.trace_id = $?', id, UHUGEINT);
  }
  if (present(q.contains)) w.add('contains(lower(l.body_text), lower($?))', q.contains, VARCHAR);
  const limit = checkLimit(q.limit);
  const rows = await db.query(
    `${LOG_SELECT}${w.sql()} ORDER BY l.time_ns DESC, l.seq DESC LIMIT ${limit}`,
    w.values,
    w.types,
  );
  await withDetails(db, rows);
  const resources = new ResourceCache();
  return rows.map((row) => logRow(row, resources));
}

function logRow(row: Row, resources: ResourceCache): LogRow {
  const rec = decodeLogRecord(bytes(row['detail'] ?? null));
  return {
    timeUnixNano: ns(row['time_ns'] ?? null),
    observedTimeUnixNano: ns(row['observed_ns'] ?? null),
    severityNumber: num(row['severity_number'] ?? null),
    severityText: rec?.severityText ?? '',
    body: anyValueToPlain(rec?.body),
    accountId: str(row['account_id'] ?? null),
    sourceName: str(row['source_name'] ?? null),
    serviceName: str(row['service_name'] ?? null),
    traceId: hex(row['trace_id'] ?? null, 16),
    spanId: hex(row['span_id'] ?? null, 8),
    attributes: attributesToPlain(rec?.attributes ?? []),
    resource: resources.get(row['resource_id'] ?? null, row['resource'] ?? null),
    eventName: rec?.eventName ?? '',
    scopeName: str(row['scope_name'] ?? null),
  };
}

// ---- metrics ----

export async function queryMetrics(db: Queryable, q: MetricQuery): Promise<MetricSeries[]> {
  const w = new Where();
  if (present(q.name)) w.add('m.name = $?', q.name, VARCHAR);
  if (present(q.account)) w.add('r.account_id = $?', q.account, VARCHAR);
  if (q.accounts !== undefined) w.in('r.account_id', q.accounts);
  if (q.since !== undefined) w.add('p.time_ns >= $?', timeBound(q.since), UBIGINT);
  if (q.until !== undefined) w.add('p.time_ns < $?', timeBound(q.until), UBIGINT);
  const limit = checkLimit(q.limit);
  const rows = await db.query(
    'SELECT m.name, m.type, m.unit, m.temporality, m.is_monotonic, r.account_id, r.source_name, p.time_ns, p.start_ns, p.value, p.slice, p.item_offset, p.item_length ' +
      `FROM points p JOIN metrics m USING (metric_id) JOIN resources r USING (resource_id)${w.sql()} ` +
      // When the cap bites, the newest points are kept: that is what a chart of "now" needs.
      `ORDER BY p.time_ns DESC LIMIT ${limit}`,
    w.values,
    w.types,
  );
  return rowsToSeries(await withDetails(db, rows));
}

/** Groups point rows (newest first) into series by name, account, source and attributes; points ascend. */
function rowsToSeries(rows: readonly Row[]): MetricSeries[] {
  const byKey = new Map<string, MetricSeries>();
  for (const row of rows) {
    const type = num(row['type'] ?? null);
    const metric = decodePoint(type, bytes(row['detail'] ?? null));
    const attrs = pointAttributes(metric);
    const attributes = sortKeys(attributesToPlain(attrs)) as Record<string, unknown>;
    const pointSource = attrs.find((kv) => kv.key === 'source.name')?.value?.stringValue;
    const sourceName = pointSource ?? str(row['source_name'] ?? null);
    const name = str(row['name'] ?? null);
    const accountId = str(row['account_id'] ?? null);
    const key = JSON.stringify([name, accountId, sourceName, attributes]);
    let series = byKey.get(key);
    if (series === undefined) {
      const typeName = METRIC_TYPES[type] ?? 'gauge';
      series = { name, type: typeName, unit: str(row['unit'] ?? null), accountId, sourceName, attributes, points: [] };
      if (typeName === 'sum') series.isMonotonic = row['is_monotonic'] === true;
      if (typeName === 'sum' || typeName === 'histogram' || typeName === 'exponential_histogram') series.temporality = num(row['temporality'] ?? null);
      byKey.set(key, series);
    }
    series.points.push(pointOf(row, metric));
  }
  return [...byKey.keys()].sort().map((k) => {
    const s = byKey.get(k) as MetricSeries;
    s.points.reverse();
    return s;
  });
}

function pointAttributes(metric: Metric | undefined): readonly KeyValue[] {
  const p = metric?.gauge?.dataPoints[0] ?? metric?.sum?.dataPoints[0] ?? metric?.histogram?.dataPoints[0] ?? metric?.exponentialHistogram?.dataPoints[0] ?? metric?.summary?.dataPoints[0];
  return p?.attributes ?? [];
}

function pointOf(row: Row, metric: Metric | undefined): MetricPoint {
  const v = row['value'];
  const point: MetricPoint = { timeUnixNano: ns(row['time_ns'] ?? null), startTimeUnixNano: ns(row['start_ns'] ?? null), value: typeof v === 'number' ? v : null };
  const h = metric?.histogram?.dataPoints[0];
  const e = metric?.exponentialHistogram?.dataPoints[0];
  const s = metric?.summary?.dataPoints[0];
  const agg = h ?? e ?? s;
  if (agg === undefined) return point;
  point.count = agg.count.toString();
  if (agg.sum !== undefined) point.sum = agg.sum;
  if (h !== undefined || e !== undefined) {
    const he = (h ?? e) as { min?: number; max?: number };
    if (he.min !== undefined) point.min = he.min;
    if (he.max !== undefined) point.max = he.max;
  }
  if (h !== undefined) {
    point.bucketCounts = h.bucketCounts.map(String);
    point.explicitBounds = h.explicitBounds;
  }
  if (s !== undefined) point.quantiles = s.quantileValues.map((qv) => ({ quantile: qv.quantile, value: qv.value }));
  if (e !== undefined) {
    point.exponential = {
      scale: e.scale,
      zeroCount: e.zeroCount.toString(),
      zeroThreshold: e.zeroThreshold,
      positive: { offset: e.positive?.offset ?? 0, bucketCounts: (e.positive?.bucketCounts ?? []).map(String) },
      negative: { offset: e.negative?.offset ?? 0, bucketCounts: (e.negative?.bucketCounts ?? []).map(String) },
    };
  }
  return point;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

export async function metricNames(db: Queryable, q: { accounts?: readonly string[] }): Promise<string[]> {
  const w = new Where();
  if (q.accounts !== undefined) w.in('r.account_id', q.accounts);
  const rows = await db.query(
    `SELECT DISTINCT m.name FROM points p JOIN metrics m USING (metric_id) JOIN resources r USING (resource_id)${w.sql()} ORDER BY m.name LIMIT 1000`,
    w.values,
    w.types,
  );
  return rows.map((r) => str(r['name'] ?? null));
}

export async function counts(db: Queryable): Promise<{ spans: number; logs: number; points: number }> {
  const rows = await db.query('SELECT (SELECT count(*) FROM spans) AS spans, (SELECT count(*) FROM logs) AS logs, (SELECT count(*) FROM points) AS points');
  const r = rows[0] ?? {};
  return { spans: num(r['spans'] ?? null), logs: num(r['logs'] ?? null), points: num(r['points'] ?? null) };
}

// ---- trace search ----

/** Candidate traces scanned when attribute filters (checked on decoded spans) narrow the result. */
const ATTRIBUTE_SCAN_TRACES = 5000;

export async function searchTraces(db: Queryable, q: TraceSearchQuery): Promise<TraceSummary[]> {
  const limit = Math.min(checkLimit(q.limit), 1000);
  const w = new Where();
  if (present(q.account)) w.add('r.account_id = $?', q.account, VARCHAR);
  if (q.accounts !== undefined) w.in('r.account_id', q.accounts);
  if (present(q.service)) w.add('r.service_name = $?', q.service, VARCHAR);
  if (present(q.name)) w.add('s.name = $?', q.name, VARCHAR);
  if (q.errorsOnly === true) w.add('s.status_code = $?', 2, UTINYINT);
  if (q.since !== undefined) w.add('s.start_ns >= $?', timeBound(q.since), UBIGINT);
  if (q.until !== undefined) w.add('s.start_ns < $?', timeBound(q.until), UBIGINT);
  const attributes = Object.entries(q.attributes ?? {});
  const postFilter = attributes.length > 0 || (q.minDurationMs ?? 0) > 0;
  const scan = postFilter ? ATTRIBUTE_SCAN_TRACES : limit;
  const hits = await db.query(
    // Newest first by the start of what matched (a trace's root usually starts it).
    `SELECT s.trace_id, min(s.start_ns) AS first FROM spans s JOIN resources r USING (resource_id)${w.sql()} GROUP BY s.trace_id ORDER BY first DESC LIMIT ${scan}`,
    w.values,
    w.types,
  );
  if (hits.length === 0) return [];
  const ids = hits.map((h) => h['trace_id'] as bigint);
  // The whole of each hit trace: accounts and services list every span, not only those matching.
  const w2 = new Where();
  const idList = w2.params(ids, UHUGEINT);
  const detail = attributes.length > 0 ? ', s.slice, s.item_offset, s.item_length, r.resource' : '';
  const rows = await db.query(
    `SELECT s.trace_id, s.span_id, s.parent_span_id, s.name, s.start_ns, s.end_ns, s.status_code, r.account_id, r.service_name, s.resource_id${detail} ` +
      `FROM spans s JOIN resources r USING (resource_id) WHERE s.trace_id IN (${idList}) ORDER BY s.start_ns`,
    w2.values,
    w2.types,
  );
  if (attributes.length > 0) await withDetails(db, rows);
  const byTrace = new Map<bigint, Row[]>();
  for (const row of rows) {
    const id = row['trace_id'] as bigint;
    let list = byTrace.get(id);
    if (list === undefined) byTrace.set(id, (list = []));
    list.push(row);
  }
  const resources = new ResourceCache();
  const out: TraceSummary[] = [];
  for (const id of ids) {
    const spans = byTrace.get(id);
    if (spans === undefined) continue;
    const summary = summarize(id, spans);
    if (q.minDurationMs !== undefined && summary.durationMs < q.minDurationMs) continue;
    if (attributes.length > 0 && !spans.some((s) => spanMatches(s, attributes, resources))) continue;
    out.push(summary);
  }
  // Newest first by the whole trace's start, as the list shows it.
  out.sort((a, b) => (BigInt(b.startTimeUnixNano) > BigInt(a.startTimeUnixNano) ? 1 : BigInt(b.startTimeUnixNano) < BigInt(a.startTimeUnixNano) ? -1 : 0));
  return out.slice(0, limit);
}

function summarize(id: bigint, spans: readonly Row[]): TraceSummary {
  const spanIds = new Set(spans.map((s) => s['span_id']));
  let root = spans[0] as Row;
  for (const s of spans) {
    const parent = s['parent_span_id'];
    if (parent === 0n || !spanIds.has(parent ?? null)) {
      root = s;
      break;
    }
  }
  let start = UINT64_MAX;
  let end = 0n;
  let errors = 0;
  const accounts: string[] = [];
  const services: string[] = [];
  for (const s of spans) {
    const st = s['start_ns'] as bigint;
    const en = s['end_ns'] as bigint;
    if (st < start) start = st;
    if (en > end) end = en;
    if (s['status_code'] === 2) errors++;
    const a = str(s['account_id'] ?? null);
    if (!accounts.includes(a)) accounts.push(a);
    const v = str(s['service_name'] ?? null);
    if (!services.includes(v)) services.push(v);
  }
  return {
    traceId: hex(id, 16),
    rootName: str(root['name'] ?? null),
    rootService: str(root['service_name'] ?? null),
    startTimeUnixNano: start.toString(),
    durationMs: end > start ? Number(end - start) / 1e6 : 0,
    spanCount: spans.length,
    errorCount: errors,
    accounts,
    services,
  };
}

/** Every wanted attribute holds on the span or its resource (string form of the value). */
function spanMatches(row: Row, wanted: readonly [string, string][], resources: ResourceCache): boolean {
  const span: Span | undefined = decodeSpan(bytes(row['detail'] ?? null));
  const own = attributesToPlain(span?.attributes ?? []);
  const res = resources.get(row['resource_id'] ?? null, row['resource'] ?? null);
  return wanted.every(([k, v]) => textOf(own[k]) === v || textOf(res[k]) === v);
}

function textOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

// ---- processes ----

/**
 * Instances of a process: keys whose linked spans (stored with the key as they arrived) include one
 * matching the process, with every span of every trace joined to the key. The steps are evaluated
 * in SQL so an overview over a day of instances never ships their spans out of DuckDB.
 */
export async function processInstances(db: Queryable, def: ProcessDefinitionForStore, q: InstanceQuery): Promise<InstanceRow[]> {
  const w = new Where();
  w.add('process = $?', def.name, VARCHAR);
  if (present(q.key)) w.add('key = $?', q.key, VARCHAR);
  const having = new Where('h');
  having.raw('bool_or(matched)');
  // The window selects instances by their first keyed span; the true start comes from all spans.
  having.add('min(start_ns) >= $?', timeBound(q.since), UBIGINT);
  having.add('min(start_ns) < $?', timeBound(q.until), UBIGINT);
  return instanceRows(db, def, w, having, q.accounts, checkLimit(q.limit));
}

async function instanceRows(db: Queryable, def: ProcessDefinitionForStore, w: Where, having: Where, accounts: readonly string[] | undefined, limit: number): Promise<InstanceRow[]> {
  const values = { ...w.values, ...having.values };
  const types = { ...w.types, ...having.types };
  const stepCols: string[] = [];
  def.steps.forEach((step, i) => {
    const p = `step${i}`;
    values[p] = step.span;
    types[p] = VARCHAR;
    stepCols.push(
      `count(*) FILTER (WHERE name = $${p}) AS seen${i}, count(*) FILTER (WHERE name = $${p} AND status_code = 2) AS err${i}, ` +
        `min(start_ns) FILTER (WHERE name = $${p}) AS st${i}, max(end_ns) FILTER (WHERE name = $${p}) AS en${i}`,
    );
  });
  values['proc'] = def.name;
  types['proc'] = VARCHAR;
  let accountFilter = '';
  if (accounts !== undefined) {
    const a = new Where('a');
    a.in('account_id', accounts);
    Object.assign(values, a.values);
    Object.assign(types, a.types);
    accountFilter = ` HAVING bool_or(${a.clauses[0] ?? 'false'})`;
  }
  const sql =
    `WITH keys AS (SELECT key FROM process_links${w.sql()} GROUP BY key${having.sql('HAVING')}), ` +
    'tr AS (SELECT DISTINCT l.key, l.trace_id FROM process_links l JOIN keys USING (key) WHERE l.process = $proc), ' +
    'sp AS (SELECT tr.key, s.trace_id, s.name, s.start_ns, s.end_ns, s.status_code, r.account_id FROM tr JOIN spans s USING (trace_id) JOIN resources r USING (resource_id)) ' +
    `SELECT key, min(start_ns) AS start_ns, max(end_ns) AS end_ns, list(DISTINCT trace_id) AS traces, list(account_id ORDER BY start_ns) AS accounts, ` +
    `count(*) AS spans, count(*) FILTER (WHERE status_code = 2) AS errors${stepCols.length > 0 ? `, ${stepCols.join(', ')}` : ''} ` +
    `FROM sp GROUP BY key${accountFilter} ORDER BY start_ns DESC LIMIT ${limit}`;
  const rows = await db.query(sql, values, types);
  return rows.map((row) => ({
    key: str(row['key'] ?? null),
    startNs: (row['start_ns'] as bigint | null) ?? 0n,
    endNs: (row['end_ns'] as bigint | null) ?? 0n,
    traceIds: ((row['traces'] as JS[] | null) ?? []).map((t) => hex(t, 16)),
    accounts: [...new Set(((row['accounts'] as JS[] | null) ?? []).map((a) => str(a)))],
    steps: def.steps.map((step, i) => ({
      name: step.name,
      seen: num(row[`seen${i}`] ?? null) > 0,
      error: num(row[`err${i}`] ?? null) > 0,
      startNs: (row[`st${i}`] as bigint | null) ?? null,
      endNs: (row[`en${i}`] as bigint | null) ?? null,
    })),
    errorSpans: num(row['errors'] ?? null),
    spanCount: num(row['spans'] ?? null),
  }));
}

export async function processInstance(
  db: Queryable,
  def: ProcessDefinitionForStore,
  key: string,
): Promise<{ row: InstanceRow; spans: SpanRow[]; logs: LogRow[] } | undefined> {
  const w = new Where();
  w.add('process = $?', def.name, VARCHAR);
  w.add('key = $?', key, VARCHAR);
  const having = new Where('h');
  having.raw('bool_or(matched)');
  const [row] = await instanceRows(db, def, w, having, undefined, 1);
  if (row === undefined) return undefined;
  const ids = row.traceIds.map((t) => BigInt(`0x${t}`));
  const spans = await spansOfTraces(db, ids);
  const lw = new Where();
  const traceList = lw.params(ids, UHUGEINT);
  const proc = lw.param(def.name, VARCHAR);
  const k = lw.param(key, VARCHAR);
  const rows = await db.query(
    `${LOG_SELECT} ` +
      `WHERE l.trace_id IN (${traceList || 'NULL'}) OR l.seq IN (SELECT seq FROM process_log_links WHERE process = ${proc} AND key = ${k}) ` +
      'ORDER BY l.time_ns, l.seq LIMIT 1000',
    lw.values,
    lw.types,
  );
  await withDetails(db, rows);
  const resources = new ResourceCache();
  return { row, spans, logs: rows.map((r) => logRow(r, resources)) };
}

