import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BIGINT, DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection, JS } from '@duckdb/node-api';
import type { QueuePosition } from '../queue/types.js';
import { flattenItems } from './flatten.js';
import {
  normaliseTraceId,
  rowToSpan,
  traceQuery,
  type BoundQuery,
} from './queries.js';
import { LOGS, METRIC_POINTS, SCHEMA_STATEMENTS, SPANS, columnNames, type TableDef } from './schema.js';
import { Serial } from './serial.js';
import { appendRows } from './table-appender.js';
import type { EmbeddedStore, LogQuery, LogRow, MetricQuery, MetricSeries, SpanRow, StoreItem } from './types.js';
// STOPGAP (issue 10): process/search queries over today's tables until the new store lands.
import type { InstanceQuery, InstanceRow, ProcessDefinitionForStore, TraceSearchQuery, TraceSummary } from './types.js';
import {
  legacyMetricNames,
  legacyProcessInstance,
  legacyProcessInstances,
  legacyQueryLogs,
  legacyQueryMetrics,
  legacySearchTraces,
} from './legacy-queries.js';

export interface DuckDbStoreOptions {
  /** The DuckDB database file; created (with its directory) when missing. */
  path: string;
  /** DuckDB's memory_limit in bytes; DuckDB's own default (80% of RAM) when unset. */
  maxMemoryBytes?: number;
}

/**
 * Opens (or creates) the embedded store: one DuckDB file holding spans, logs, metric points and the
 * queue cursor they are consistent with.
 */
export async function createDuckDbStore(options: DuckDbStoreOptions): Promise<EmbeddedStore> {
  await mkdir(dirname(options.path), { recursive: true });
  const config: Record<string, string> = {};
  if (options.maxMemoryBytes !== undefined) {
    if (!Number.isSafeInteger(options.maxMemoryBytes) || options.maxMemoryBytes <= 0) {
      throw new RangeError(`maxMemoryBytes must be a positive integer, got ${options.maxMemoryBytes}`);
    }
    config['memory_limit'] = `${Math.max(1, Math.floor(options.maxMemoryBytes / 1024))}KiB`;
  }
  const instance = await DuckDBInstance.create(options.path, config);
  let writer: DuckDBConnection | undefined;
  let reader: DuckDBConnection | undefined;
  try {
    writer = await instance.connect();
    for (const statement of SCHEMA_STATEMENTS) await writer.run(statement);
    await checkColumns(writer, SPANS, options.path);
    await checkColumns(writer, LOGS, options.path);
    await checkColumns(writer, METRIC_POINTS, options.path);
    const cursor = await readCursor(writer);
    // Queries use their own connection so they neither wait for nor see a half-done append.
    reader = await instance.connect();
    return new DuckDbStore(instance, writer, reader, cursor);
  } catch (err) {
    reader?.closeSync();
    writer?.closeSync();
    instance.closeSync();
    throw err;
  }
}

async function checkColumns<R>(connection: DuckDBConnection, def: TableDef<R>, path: string): Promise<void> {
  const result = await connection.runAndReadAll(
    'SELECT column_name FROM information_schema.columns WHERE table_name = $table ORDER BY ordinal_position',
    { table: def.name },
  );
  const actual = result.getRowsJS().map((r) => (typeof r[0] === 'string' ? r[0] : ''));
  const expected = columnNames(def);
  if (actual.join(',') !== expected.join(',')) {
    throw new Error(
      `embedded store ${path}: table ${def.name} has columns (${actual.join(', ')}), expected (${expected.join(', ')}); ` +
        'the file was written by an incompatible version',
    );
  }
}

async function readCursor(connection: DuckDBConnection): Promise<QueuePosition> {
  const result = await connection.runAndReadAll('SELECT position FROM store_cursor WHERE id = 1');
  const value = result.getRowsJS()[0]?.[0];
  return typeof value === 'bigint' ? Number(value) : 0;
}

class DuckDbStore implements EmbeddedStore {
  readonly #instance: DuckDBInstance;
  readonly #writer: DuckDBConnection;
  readonly #reader: DuckDBConnection;
  readonly #writes = new Serial();
  readonly #reads = new Serial();
  #cursor: QueuePosition;
  #closed = false;

  constructor(instance: DuckDBInstance, writer: DuckDBConnection, reader: DuckDBConnection, cursor: QueuePosition) {
    this.#instance = instance;
    this.#writer = writer;
    this.#reader = reader;
    this.#cursor = cursor;
  }

  async append(items: StoreItem[], cursor: QueuePosition): Promise<void> {
    this.#assertOpen();
    if (!Number.isSafeInteger(cursor) || cursor < 0) throw new RangeError(`cursor must be a non-negative integer, got ${cursor}`);
    const rows = flattenItems(items);
    await this.#writes.run(async () => {
      const connection = this.#writer;
      await connection.run('BEGIN TRANSACTION');
      try {
        await appendRows(connection, SPANS, rows.spans);
        await appendRows(connection, LOGS, rows.logs);
        await appendRows(connection, METRIC_POINTS, rows.points);
        // Checked inside the transaction, after the rows: a cursor that goes backwards means the
        // caller is re-delivering stored records, and the whole batch must not land.
        const updated = await connection.run(
          'UPDATE store_cursor SET position = $position WHERE id = 1 AND position <= $position',
          { position: BigInt(cursor) },
          { position: BIGINT },
        );
        if (updated.rowsChanged !== 1) {
          throw new Error(`store append: cursor ${cursor} is behind the stored cursor ${this.#cursor}`);
        }
        await connection.run('COMMIT');
      } catch (err) {
        await rollbackQuietly(connection);
        throw err;
      }
      this.#cursor = cursor;
    });
  }

  async cursor(): Promise<QueuePosition> {
    this.#assertOpen();
    // Only this store writes the file, so the cached value is the committed one.
    return this.#writes.run(() => Promise.resolve(this.#cursor));
  }

  async getTrace(traceId: string): Promise<SpanRow[]> {
    this.#assertOpen();
    const id = normaliseTraceId(traceId);
    if (id === undefined) return [];
    return (await this.#query(traceQuery(id))).map(rowToSpan);
  }

  async queryLogs(query: LogQuery): Promise<LogRow[]> {
    this.#assertOpen();
    return legacyQueryLogs(this.#run, query);
  }

  async queryMetrics(query: MetricQuery): Promise<MetricSeries[]> {
    this.#assertOpen();
    return legacyQueryMetrics(this.#run, query);
  }

  // ---- STOPGAP (issue 10): see legacy-queries.ts ----
  readonly #run = (query: BoundQuery): Promise<Record<string, JS>[]> => this.#query(query);

  setProcesses(defs: readonly ProcessDefinitionForStore[]): void {
    // The stopgap joins keys at query time: nothing to link ahead.
    void defs;
  }

  async processInstances(def: ProcessDefinitionForStore, q: InstanceQuery): Promise<InstanceRow[]> {
    this.#assertOpen();
    return legacyProcessInstances(this.#run, def, q);
  }

  async processInstance(def: ProcessDefinitionForStore, key: string): Promise<{ row: InstanceRow; spans: SpanRow[]; logs: LogRow[] } | undefined> {
    this.#assertOpen();
    return legacyProcessInstance(this.#run, def, key);
  }

  async searchTraces(q: TraceSearchQuery): Promise<TraceSummary[]> {
    this.#assertOpen();
    return legacySearchTraces(this.#run, q);
  }

  async metricNames(q: { accounts?: readonly string[] }): Promise<string[]> {
    this.#assertOpen();
    return legacyMetricNames(this.#run, q);
  }
  // ---- end STOPGAP ----

  async counts(): Promise<{ spans: number; logs: number; points: number }> {
    this.#assertOpen();
    const rows = await this.#query({
      sql:
        'SELECT (SELECT count(*) FROM spans) AS spans, (SELECT count(*) FROM logs) AS logs, ' +
        '(SELECT count(*) FROM metric_points) AS points',
      values: {},
      types: {},
    });
    const row = rows[0];
    return { spans: Number(row?.['spans'] ?? 0), logs: Number(row?.['logs'] ?? 0), points: Number(row?.['points'] ?? 0) };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Let the running and queued work finish before the handles go away.
    await Promise.all([this.#writes.run(() => Promise.resolve()), this.#reads.run(() => Promise.resolve())]);
    this.#reader.closeSync();
    this.#writer.closeSync();
    this.#instance.closeSync();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('embedded store is closed');
  }

  #query(query: BoundQuery): Promise<Record<string, JS>[]> {
    return this.#reads.run(async () => {
      // Prepared and bound on every call rather than cached: DuckDB may plan a statement against the
      // table state at prepare time (an unfiltered count(*) becomes a constant), and a cached plan
      // then answers stale results after later appends.
      const reader = await this.#reader.runAndReadAll(query.sql, query.values, query.types);
      return reader.getRowObjectsJS();
    });
  }
}

async function rollbackQuietly(connection: DuckDBConnection): Promise<void> {
  try {
    await connection.run('ROLLBACK');
  } catch {
    // A failed COMMIT already ended the transaction; there is nothing left to roll back.
  }
}
