import { BIGINT, INTEGER, LIST, VARCHAR, listValue } from '@duckdb/node-api';
import type { DuckDBType, DuckDBValue, JS } from '@duckdb/node-api';
import { clampInt64, INT64_MAX, INT64_MIN } from './flatten.js';
import { MAX_QUERY_ROWS, rowToLog, rowToSpan, rowsToSeries, type BoundQuery } from './queries.js';
import type {
  InstanceQuery,
  InstanceRow,
  LogQuery,
  LogRow,
  MetricQuery,
  MetricSeries,
  ProcessDefinitionForStore,
  SpanRow,
  TraceSearchQuery,
  TraceSummary,
} from './types.js';

/**
 * STOPGAP (issue 10): the console's process, trace-search, metric-name and extended log/metric
 * queries over today's store tables, where span and log attributes and resources are JSON text.
 * Every business-key lookup re-reads the JSON of every span, so these scale with the table, not
 * with the answer; the new store (worker thread, keys linked at append time) replaces this file
 * with the same `EmbeddedStore` methods. All of the SQL lives here so that swap is one file.
 *
 * Semantics the replacement must keep (docs/notes/processes.md):
 * - A span's business key is its attribute `def.key`, else its resource's; empty means none.
 * - A span *matches* a process when its attribute or its resource's `match.attribute` equals
 *   `match.equals`; a *process trace* has a matching span.
 * - A keyed span belongs to the process when it matches, is named like one of its steps (a step
 *   whose trace context was lost still joins by key), or lies in a process trace. Its trace then
 *   belongs to the instance of its key; the instance is every span of all such traces.
 * - A step is seen when one of the instance's spans has the step's span name and either carries
 *   the instance's key or no key at all; it is in error when such a span has status ERROR.
 */

type Row = Record<string, JS>;
export type RunQuery = (query: BoundQuery) => Promise<Row[]>;

/** Correlated logs returned with one instance, newest first. */
export const MAX_INSTANCE_LOGS = 1000;
/** Spans returned with one instance (a runaway batch trace must not fill the response). */
export const MAX_INSTANCE_SPANS = 10_000;
export const MAX_METRIC_NAMES = 1000;

class Params {
  readonly values: Record<string, DuckDBValue> = {};
  readonly types: Record<string, DuckDBType> = {};
  #n = 0;

  /** Binds a value and returns its placeholder. */
  bind(value: DuckDBValue, type: DuckDBType): string {
    const name = `p${this.#n++}`;
    this.values[name] = value;
    this.types[name] = type;
    return `$${name}`;
  }

  text(v: string): string {
    return this.bind(v, VARCHAR);
  }

  ns(v: bigint): string {
    return this.bind(clampInt64(v), BIGINT);
  }

  list(v: readonly string[]): string {
    return this.bind(listValue([...v]), LIST(VARCHAR));
  }

  query(sql: string): BoundQuery {
    return { sql, values: this.values, types: this.types };
  }
}

/** A JSONPath naming one top-level key, whatever characters it has (`order.id` has a dot). */
function jsonKeyPath(key: string): string {
  return `$.${JSON.stringify(key)}`;
}

/** SQL for "attribute `key` of the span, else of its resource", '' counting as absent. */
function attrOrResource(p: Params, key: string, alias = ''): string {
  const path = p.text(jsonKeyPath(key));
  return `coalesce(nullif(json_extract_string(${alias}attributes, ${path}), ''), nullif(json_extract_string(${alias}resource, ${path}), ''))`;
}

const IS_ERROR = (alias = ''): string => `coalesce(TRY_CAST(json_extract(${alias}status, '$.code') AS INTEGER), 0) = 2`;

function checkLimit(limit: number): bigint {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`query limit must be a non-negative integer, got ${limit}`);
  return BigInt(Math.min(limit, MAX_QUERY_ROWS));
}

function nsOf(v: JS | undefined): bigint {
  return typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(Math.trunc(v)) : 0n;
}

function strings(v: JS | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

// ---- processes ----

function instancesQuery(def: ProcessDefinitionForStore, q: InstanceQuery): BoundQuery {
  const p = new Params();
  const steps = p.list(def.steps.map((s) => s.span));
  const matchPath = p.text(jsonKeyPath(def.match.attribute));
  const equals = p.text(def.match.equals);
  const keyFilter = q.key === undefined ? '' : ` AND k = ${p.text(q.key)}`;
  const accountFilter = q.accounts === undefined ? '' : ` AND list_has_any(accounts, ${p.list(q.accounts)})`;
  const sql = `
WITH tagged AS MATERIALIZED (
  SELECT trace_id, name, ${attrOrResource(p, def.key)} AS k,
    (coalesce(json_extract_string(attributes, ${matchPath}) = ${equals}, false)
      OR coalesce(json_extract_string(resource, ${matchPath}) = ${equals}, false)) AS m
  FROM spans
),
ptraces AS (SELECT DISTINCT trace_id FROM tagged WHERE m),
members AS MATERIALIZED (
  SELECT DISTINCT k AS ikey, trace_id FROM tagged
  WHERE k IS NOT NULL${keyFilter}
    AND (m OR list_contains(${steps}, name) OR trace_id IN (SELECT trace_id FROM ptraces))
),
ispans AS MATERIALIZED (
  SELECT mb.ikey, s.trace_id, s.name, s.start_ns, s.end_ns, s.account_id,
    ${attrOrResource(p, def.key, 's.')} AS skey, ${IS_ERROR('s.')} AS err
  FROM members mb JOIN spans s ON s.trace_id = mb.trace_id
),
inst AS (
  SELECT ikey, min(start_ns) AS start_ns, max(end_ns) AS end_ns, list_sort(list(DISTINCT trace_id)) AS trace_ids,
    list(account_id ORDER BY start_ns, account_id) AS accounts, count(*) AS span_count,
    count(*) FILTER (WHERE err) AS error_spans
  FROM ispans GROUP BY ikey
),
page AS (
  SELECT * FROM inst WHERE start_ns >= ${p.ns(q.since)} AND start_ns < ${p.ns(q.until)}${accountFilter}
  ORDER BY start_ns DESC, ikey LIMIT ${p.bind(checkLimit(q.limit), BIGINT)}
),
step_facts AS (
  SELECT sp.ikey, sp.name, min(sp.start_ns) AS s, max(sp.end_ns) AS e, bool_or(sp.err) AS err
  FROM ispans sp WHERE sp.ikey IN (SELECT ikey FROM page)
    AND list_contains(${steps}, sp.name) AND (sp.skey IS NULL OR sp.skey = sp.ikey)
  GROUP BY sp.ikey, sp.name
)
SELECT page.*, (SELECT list({name: f.name, s: f.s, e: f.e, err: f.err}) FROM step_facts f WHERE f.ikey = page.ikey) AS steps
FROM page ORDER BY start_ns DESC, ikey`;
  return p.query(sql);
}

function rowToInstance(def: ProcessDefinitionForStore, row: Row): InstanceRow {
  const facts = new Map<string, { s: bigint; e: bigint; err: boolean }>();
  const stepRows = row['steps'];
  if (Array.isArray(stepRows)) {
    for (const f of stepRows) {
      if (f === null || typeof f !== 'object' || Array.isArray(f)) continue;
      const o = f as Record<string, JS>;
      if (typeof o['name'] === 'string') facts.set(o['name'], { s: nsOf(o['s']), e: nsOf(o['e']), err: o['err'] === true });
    }
  }
  const accounts: string[] = [];
  for (const a of strings(row['accounts'])) if (!accounts.includes(a)) accounts.push(a);
  return {
    key: typeof row['ikey'] === 'string' ? row['ikey'] : '',
    startNs: nsOf(row['start_ns']),
    endNs: nsOf(row['end_ns']),
    traceIds: strings(row['trace_ids']),
    accounts,
    steps: def.steps.map((step) => {
      const f = facts.get(step.span);
      return f === undefined
        ? { name: step.name, seen: false, error: false, startNs: null, endNs: null }
        : { name: step.name, seen: true, error: f.err, startNs: f.s, endNs: f.e };
    }),
    errorSpans: Number(nsOf(row['error_spans'])),
    spanCount: Number(nsOf(row['span_count'])),
  };
}

export async function legacyProcessInstances(run: RunQuery, def: ProcessDefinitionForStore, q: InstanceQuery): Promise<InstanceRow[]> {
  const rows = await run(instancesQuery(def, q));
  return rows.map((r) => rowToInstance(def, r));
}

export async function legacyProcessInstance(
  run: RunQuery,
  def: ProcessDefinitionForStore,
  key: string,
): Promise<{ row: InstanceRow; spans: SpanRow[]; logs: LogRow[] } | undefined> {
  const [found] = await legacyProcessInstances(run, def, { since: INT64_MIN, until: INT64_MAX, key, limit: 1 });
  if (found === undefined) return undefined;
  const sp = new Params();
  const spans = await run(
    sp.query(
      'SELECT trace_id, span_id, parent_span_id, trace_state, name, kind, start_ns, end_ns, account_id, source_name, ' +
        'service_name, attributes, status, events, links, resource, scope_name ' +
        `FROM spans WHERE list_contains(${sp.list(found.traceIds)}, trace_id) ORDER BY start_ns, span_id LIMIT ${MAX_INSTANCE_SPANS}`,
    ),
  );
  const lp = new Params();
  const traces = lp.list(found.traceIds);
  const keyExpr = attrOrResource(lp, def.key);
  const logs = await run(
    lp.query(
      'SELECT time_ns, observed_ns, severity_number, severity_text, body, account_id, source_name, service_name, ' +
        'trace_id, span_id, attributes, resource, event_name, scope_name FROM logs ' +
        `WHERE list_contains(${traces}, trace_id) OR ${keyExpr} = ${lp.text(key)} ORDER BY time_ns DESC, rowid DESC LIMIT ${MAX_INSTANCE_LOGS}`,
    ),
  );
  return { row: found, spans: spans.map(rowToSpan), logs: logs.map(rowToLog) };
}

// ---- trace search ----

export async function legacySearchTraces(run: RunQuery, q: TraceSearchQuery): Promise<TraceSummary[]> {
  const p = new Params();
  const spanFilters: string[] = [];
  if (q.since !== undefined) spanFilters.push(`start_ns >= ${p.ns(q.since)}`);
  if (q.account !== undefined) spanFilters.push(`account_id = ${p.text(q.account)}`);
  if (q.service !== undefined) spanFilters.push(`service_name = ${p.text(q.service)}`);
  if (q.name !== undefined) spanFilters.push(`name = ${p.text(q.name)}`);
  for (const [key, value] of Object.entries(q.attributes ?? {})) {
    const path = p.text(jsonKeyPath(key));
    const v = p.text(value);
    spanFilters.push(`(json_extract_string(attributes, ${path}) = ${v} OR json_extract_string(resource, ${path}) = ${v})`);
  }
  const traceFilters: string[] = [];
  if (q.since !== undefined) traceFilters.push(`start_ns >= ${p.ns(q.since)}`);
  if (q.until !== undefined) traceFilters.push(`start_ns < ${p.ns(q.until)}`);
  if (q.errorsOnly === true) traceFilters.push('error_count > 0');
  if (q.minDurationMs !== undefined) traceFilters.push(`end_ns - start_ns >= ${p.bind(BigInt(Math.round(q.minDurationMs * 1e6)), BIGINT)}`);
  if (q.accounts !== undefined) traceFilters.push(`list_has_any(accounts, ${p.list(q.accounts)})`);
  const where = (clauses: string[]): string => (clauses.length === 0 ? '' : ` WHERE ${clauses.join(' AND ')}`);
  const sql = `
WITH cand AS (SELECT DISTINCT trace_id FROM spans${where(spanFilters)}),
agg AS (
  SELECT trace_id, min(start_ns) AS start_ns, max(end_ns) AS end_ns, count(*) AS span_count,
    count(*) FILTER (WHERE ${IS_ERROR()}) AS error_count,
    list_sort(list(DISTINCT account_id)) AS accounts,
    list_sort(list(DISTINCT service_name) FILTER (WHERE service_name <> '')) AS services,
    coalesce(arg_min(name, start_ns) FILTER (WHERE parent_span_id = ''), arg_min(name, start_ns)) AS root_name,
    coalesce(arg_min(service_name, start_ns) FILTER (WHERE parent_span_id = ''), arg_min(service_name, start_ns)) AS root_service
  FROM spans WHERE trace_id IN (SELECT trace_id FROM cand) GROUP BY trace_id
)
SELECT * FROM agg${where(traceFilters)} ORDER BY start_ns DESC, trace_id LIMIT ${p.bind(checkLimit(q.limit), BIGINT)}`;
  const rows = await run(p.query(sql));
  return rows.map((r) => {
    const start = nsOf(r['start_ns']);
    return {
      traceId: typeof r['trace_id'] === 'string' ? r['trace_id'] : '',
      rootName: typeof r['root_name'] === 'string' ? r['root_name'] : '',
      rootService: typeof r['root_service'] === 'string' ? r['root_service'] : '',
      startTimeUnixNano: start.toString(),
      durationMs: Number(nsOf(r['end_ns']) - start) / 1e6,
      spanCount: Number(nsOf(r['span_count'])),
      errorCount: Number(nsOf(r['error_count'])),
      accounts: strings(r['accounts']),
      services: strings(r['services']),
    };
  });
}

// ---- metric names, extended log and metric filters ----

export async function legacyMetricNames(run: RunQuery, q: { accounts?: readonly string[] }): Promise<string[]> {
  const p = new Params();
  const where = q.accounts === undefined ? '' : ` WHERE list_contains(${p.list(q.accounts)}, account_id)`;
  const rows = await run(p.query(`SELECT DISTINCT name FROM metric_points${where} ORDER BY name LIMIT ${MAX_METRIC_NAMES}`));
  return rows.map((r) => (typeof r['name'] === 'string' ? r['name'] : '')).filter((n) => n !== '');
}

/** An empty filter string means "no filter", as an empty query parameter does. */
function present(v: string | undefined): v is string {
  return v !== undefined && v !== '';
}

export async function legacyQueryLogs(run: RunQuery, q: LogQuery): Promise<LogRow[]> {
  const p = new Params();
  const w: string[] = [];
  if (present(q.account)) w.push(`account_id = ${p.text(q.account)}`);
  if (q.accounts !== undefined) w.push(`list_contains(${p.list(q.accounts)}, account_id)`);
  if (present(q.source)) w.push(`source_name = ${p.text(q.source)}`);
  if (present(q.service)) w.push(`service_name = ${p.text(q.service)}`);
  if (present(q.traceId)) w.push(`trace_id = ${p.text(q.traceId.toLowerCase())}`);
  if (q.minSeverity !== undefined) w.push(`severity_number >= ${p.bind(q.minSeverity, INTEGER)}`);
  if (q.since !== undefined) w.push(`time_ns >= ${p.ns(q.since)}`);
  if (q.until !== undefined) w.push(`time_ns < ${p.ns(q.until)}`);
  if (present(q.contains)) w.push(`contains(lower(body_text), lower(${p.text(q.contains)}))`);
  const limit = p.bind(checkLimit(q.limit), BIGINT);
  const rows = await run(
    p.query(
      'SELECT time_ns, observed_ns, severity_number, severity_text, body, account_id, source_name, service_name, ' +
        `trace_id, span_id, attributes, resource, event_name, scope_name FROM logs${w.length === 0 ? '' : ` WHERE ${w.join(' AND ')}`} ` +
        // rowid breaks ties in arrival order, so equal timestamps list the latest arrival first.
        `ORDER BY time_ns DESC, rowid DESC LIMIT ${limit}`,
    ),
  );
  return rows.map(rowToLog);
}

export async function legacyQueryMetrics(run: RunQuery, q: MetricQuery): Promise<MetricSeries[]> {
  const p = new Params();
  const w: string[] = [];
  if (present(q.name)) w.push(`name = ${p.text(q.name)}`);
  if (present(q.account)) w.push(`account_id = ${p.text(q.account)}`);
  if (q.accounts !== undefined) w.push(`list_contains(${p.list(q.accounts)}, account_id)`);
  if (q.since !== undefined) w.push(`time_ns >= ${p.ns(q.since)}`);
  if (q.until !== undefined) w.push(`time_ns < ${p.ns(q.until)}`);
  const limit = p.bind(checkLimit(q.limit), BIGINT);
  const rows = await run(
    p.query(
      'SELECT name, type, unit, account_id, source_name, attributes, time_ns, start_ns, value, count, sum, min, max, ' +
        `bucket_counts, explicit_bounds, exponential, quantiles, is_monotonic, temporality FROM metric_points${w.length === 0 ? '' : ` WHERE ${w.join(' AND ')}`} ` +
        'ORDER BY time_ns DESC, rowid DESC LIMIT ' +
        limit,
    ),
  );
  return rowsToSeries(rows);
}
