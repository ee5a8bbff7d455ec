import { chmod, mkdir, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BIGINT, BLOB, BOOLEAN, DuckDBBlobValue, DuckDBInstance, UBIGINT, UTINYINT, VARCHAR } from '@duckdb/node-api';
import type { DuckDBAppender, DuckDBConnection, DuckDBType, DuckDBValue, JS } from '@duckdb/node-api';
import { ChunkBuilder } from './chunk-builder.js';
import { PayloadFiles } from './payload-files.js';
import { addRecordRows, type MetricRow, type ProcessMatcher, type ResourceRow, type RowSinks } from './payload-rows.js';
import { FIXED_SCHEMA, SCHEMA_VERSION, SLICED_TABLES, createSliceSql, kindsOf, sliceTableName, viewSql, type SlicedTable } from './tables.js';
import type { RecordView } from '../pipeline/queue-record.js';
import type { ProcessDefinitionForStore } from './types.js';

/**
 * The embedded store itself: one DuckDB file, written and queried from the store worker (a thread or a process)
 * (never the ingest event loop). Appends commit the queue position they end at in the same
 * transaction as their rows, so after a crash the store resumes exactly there (exactly once).
 */
export interface DuckDbStoreOptions {
  path: string;
  /** DuckDB memory_limit in bytes. */
  maxMemoryBytes: number;
  /** DuckDB worker threads. */
  threads: number;
  /** Data older than this (by receive time) leaves in whole slices. */
  retentionHours: number;
  /** Oldest slices leave while the database uses more than this (0: no cap). */
  maxDiskBytes: number;
  /** Length of one time slice. */
  sliceHours: number;
  /** Told about things an operator should know (old file moved aside, slices dropped). */
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/** One queue record handed to append: its queue position and the parsed record. */
export interface StoredRecord {
  position: number;
  record: RecordView;
}

export interface AppendResult {
  items: number;
  /** Records whose payload could not be read (skipped, counted). */
  damaged: number;
}

export interface StoreDiskStats {
  /** Size of the database file (and its WAL) on disk. */
  fileBytes: number;
  /** Bytes in use by live data (DuckDB reuses freed blocks before growing the file). */
  usedBytes: number;
  /** Receive time (unix ms) where the oldest retained slice starts; undefined when empty. */
  oldestRetainedMs: number | undefined;
  slices: number;
  /** Memory of the store worker: V8 heap in use, external (buffers), DuckDB's own accounting, RSS of the process it runs in. */
  memory: { heapUsedBytes: number; externalBytes: number; duckdbBytes: number; rssBytes: number };
}

type Row = Record<string, JS>;

export async function openDuckDbStore(options: DuckDbStoreOptions): Promise<DuckDbStore> {
  await mkdir(dirname(options.path), { recursive: true, mode: 0o700 });
  const config = {
    memory_limit: `${Math.max(16 * 1024, Math.floor(options.maxMemoryBytes / 1024))}KiB`,
    threads: String(Math.max(1, options.threads)),
    // Queries order explicitly; not preserving insertion order lets big appends stream.
    preserve_insertion_order: 'false',
  };
  let instance = await DuckDBInstance.create(options.path, config);
  let connection = await instance.connect();
  if (await isOldLayout(connection)) {
    // The first store format (JSON columns, one table per kind) is not migrated: its rows are kept
    // in a file beside the new one, and the new store refills from the queue it still holds.
    connection.closeSync();
    instance.closeSync();
    const kept = `${options.path}.old-${Date.now()}`;
    await rename(options.path, kept);
    await rename(`${options.path}.wal`, `${kept}.wal`).catch(() => undefined);
    await rename(`${options.path}.payloads`, `${kept}.payloads`).catch(() => undefined);
    options.log?.('warn', 'embedded store: the file has an older layout; moved aside, the new store starts empty', { kept });
    instance = await DuckDBInstance.create(options.path, config);
    connection = await instance.connect();
  }
  await chmod(options.path, 0o600).catch(() => undefined);
  for (const sql of FIXED_SCHEMA) await connection.run(sql);
  await connection.run("INSERT INTO store_meta VALUES ('schema', $v) ON CONFLICT DO UPDATE SET value = excluded.value", { v: SCHEMA_VERSION }, { v: VARCHAR });
  const reader = await instance.connect();
  const payloads = await PayloadFiles.open(`${options.path}.payloads`);
  const store = new DuckDbStore(options, instance, connection, reader, payloads);
  await store.load();
  return store;
}

/** A file of an earlier store layout: the first (JSON columns) or any other schema version. */
async function isOldLayout(connection: DuckDBConnection): Promise<boolean> {
  const tables = (await connection.runAndReadAll("SELECT table_name FROM information_schema.tables WHERE table_name IN ('metric_points', 'store_meta')")).getRowsJS().map((r) => r[0]);
  if (tables.includes('metric_points')) return true;
  if (!tables.includes('store_meta')) return false;
  const version = (await connection.runAndReadAll("SELECT value FROM store_meta WHERE key = 'schema'")).getRowsJS()[0]?.[0];
  return version !== undefined && version !== SCHEMA_VERSION;
}

export class DuckDbStore {
  readonly #o: DuckDbStoreOptions;
  readonly #instance: DuckDBInstance;
  readonly #writer: DuckDBConnection;
  readonly #reader: DuckDBConnection;
  readonly #payloads: PayloadFiles;
  #cursor = 0;
  /** Retained slices, oldest first: [id, startMs]. */
  #slices: [number, number][] = [];
  readonly #knownResources = new Set<bigint>();
  /** One row builder per sliced table, reused by every append (see ChunkBuilder). */
  readonly #builders = Object.fromEntries(SLICED_TABLES.map((t) => [t, new ChunkBuilder(kindsOf(t))])) as Record<SlicedTable, ChunkBuilder>;
  readonly #knownMetrics = new Set<bigint>();
  #processes: ProcessMatcher[] = [];
  #closed = false;
  /** Serialises writes (appends, retention): one transaction at a time on the writer connection. */
  #writeChain: Promise<unknown> = Promise.resolve();

  constructor(options: DuckDbStoreOptions, instance: DuckDBInstance, writer: DuckDBConnection, reader: DuckDBConnection, payloads: PayloadFiles) {
    this.#o = options;
    this.#instance = instance;
    this.#writer = writer;
    this.#reader = reader;
    this.#payloads = payloads;
  }

  async load(): Promise<void> {
    const cursor = await this.#writer.runAndReadAll('SELECT position FROM store_cursor WHERE id = 1');
    const value = cursor.getRowsJS()[0]?.[0];
    this.#cursor = typeof value === 'bigint' ? Number(value) : 0;
    const slices = await this.#writer.runAndReadAll('SELECT slice_id, start_ms FROM slices ORDER BY slice_id');
    this.#slices = slices.getRowsJS().map((r) => [Number(r[0]), Number(r[1])]);
    for (const r of (await this.#writer.runAndReadAll('SELECT resource_id FROM resources')).getRowsJS()) this.#knownResources.add(r[0] as bigint);
    for (const r of (await this.#writer.runAndReadAll('SELECT metric_id FROM metrics')).getRowsJS()) this.#knownMetrics.add(r[0] as bigint);
    await this.#rebuildViews();
    await this.#dropOrphanPayloads();
  }

  /**
   * Payload files of slices the database does not know: a crash after a slice was dropped and
   * before its file was unlinked, or before the first commit into a new slice. No row refers to them.
   */
  async #dropOrphanPayloads(): Promise<void> {
    const known = new Set(this.#slices.map(([id]) => id));
    for (const slice of await this.#payloads.slices()) {
      if (known.has(slice)) continue;
      await this.#payloads.drop(slice);
      this.#o.log?.('warn', 'embedded store: removed a payload file no stored row refers to', { slice });
    }
  }

  get cursor(): number {
    return this.#cursor;
  }

  setProcesses(defs: readonly ProcessDefinitionForStore[]): void {
    const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
    this.#processes = defs.map((d) => ({ name: d.name, key: bytes(d.key), matchKey: bytes(d.match.attribute), matchValue: d.match.equals }));
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#writeChain.then(work);
    this.#writeChain = run.catch(() => undefined);
    return run;
  }

  /** Appends the records and records `cursor` with them, in one transaction. */
  append(records: readonly StoredRecord[], cursor: number): Promise<AppendResult> {
    return this.#serial(() => this.#append(records, cursor));
  }

  async #append(records: readonly StoredRecord[], cursor: number): Promise<AppendResult> {
    if (this.#closed) throw new Error('embedded store is closed');
    if (cursor < this.#cursor) throw new Error(`store append: cursor ${cursor} is behind the stored cursor ${this.#cursor}`);
    const last = records[records.length - 1];
    const sliceMs = this.#o.sliceHours * 3_600_000;
    const slice = Math.floor((last?.record.receivedAtMs ?? Date.now()) / sliceMs);
    await this.#ensureSlice(slice, slice * sliceMs);
    // The items' bytes first, durable before the rows that point at them commit.
    const payloadEnd = await this.#payloads.endOf(slice);
    const offsets = await this.#payloads.append(slice, records.map((r) => r.record.payload));
    await this.#payloads.sync(slice);
    const w = this.#writer;
    await w.run('BEGIN TRANSACTION');
    try {
      const appenders: DuckDBAppender[] = [];
      const builders = this.#builders;
      for (const t of SLICED_TABLES) {
        const appender = await w.createAppender(sliceTableName(t, slice));
        appenders.push(appender);
        builders[t].begin(appender);
      }
      // Rows first seen in this batch, by id (inserted in the order seen, known once committed).
      const newResources = new Map<bigint, ResourceRow>();
      const newMetrics = new Map<bigint, MetricRow>();
      const sinks: RowSinks = {
        spans: builders.spans,
        logs: builders.logs,
        points: builders.points,
        links: builders.process_links,
        logLinks: builders.process_log_links,
        payloadOffset: 0,
        slice,
        resource: (row) => {
          if (!this.#knownResources.has(row.id) && !newResources.has(row.id)) newResources.set(row.id, row);
        },
        metric: (row) => {
          if (!this.#knownMetrics.has(row.id) && !newMetrics.has(row.id)) newMetrics.set(row.id, row);
        },
        processes: this.#processes,
      };
      let items = 0;
      let damaged = 0;
      for (const [i, { record }] of records.entries()) {
        sinks.payloadOffset = offsets[i] ?? 0;
        try {
          items += addRecordRows(record, sinks);
        } catch (err) {
          // Checked at ingest and by the queue's checksum: this cannot happen short of a bug; the
          // record's rows so far stay, the rest is skipped and counted rather than blocking the store.
          damaged++;
          this.#o.log?.('error', 'embedded store: a queue record could not be turned into rows; skipped', { err: String(err) });
        }
      }
      for (const t of SLICED_TABLES) builders[t].flush();
      for (const a of appenders) a.closeSync();
      for (const r of newResources.values()) await this.#insertResource(r);
      for (const m of newMetrics.values()) await this.#insertMetric(m);
      await w.run('UPDATE store_cursor SET position = $p WHERE id = 1', { p: BigInt(cursor) }, { p: BIGINT });
      await w.run('COMMIT');
      for (const id of newResources.keys()) this.#knownResources.add(id);
      for (const id of newMetrics.keys()) this.#knownMetrics.add(id);
      this.#cursor = cursor;
      return { items, damaged };
    } catch (err) {
      await w.run('ROLLBACK').catch(() => undefined);
      // The bytes no committed row points at are cut off (they would be overwritten anyway).
      await this.#payloads.truncate(slice, payloadEnd).catch(() => undefined);
      throw err;
    }
  }

  async #insertResource(r: ResourceRow): Promise<void> {
    await this.#writer.run(
      'INSERT OR IGNORE INTO resources VALUES ($id, $account, $service, $source, $resource, $scope, $scope_name, $seen)',
      { id: r.id, account: r.accountId, service: r.serviceName, source: r.sourceName, resource: new DuckDBBlobValue(r.resource), scope: new DuckDBBlobValue(r.scope), scope_name: r.scopeName, seen: BigInt(Date.now()) },
      { id: UBIGINT, account: VARCHAR, service: VARCHAR, source: VARCHAR, resource: BLOB, scope: BLOB, scope_name: VARCHAR, seen: BIGINT },
    );
  }

  async #insertMetric(m: MetricRow): Promise<void> {
    await this.#writer.run(
      'INSERT OR IGNORE INTO metrics VALUES ($id, $name, $description, $unit, $type, $temporality, $mono)',
      { id: m.id, name: m.name, description: m.description, unit: m.unit, type: m.type, temporality: Math.min(255, Math.max(0, m.temporality)), mono: m.isMonotonic },
      { id: UBIGINT, name: VARCHAR, description: VARCHAR, unit: VARCHAR, type: UTINYINT, temporality: UTINYINT, mono: BOOLEAN },
    );
  }

  async #ensureSlice(slice: number, startMs: number): Promise<void> {
    if (this.#slices.some(([id]) => id === slice)) return;
    for (const t of SLICED_TABLES) await this.#writer.run(createSliceSql(t, slice));
    const endMs = startMs + this.#o.sliceHours * 3_600_000;
    await this.#writer.run('INSERT INTO slices VALUES ($id, $start, $end) ON CONFLICT DO NOTHING', { id: BigInt(slice), start: BigInt(startMs), end: BigInt(endMs) }, { id: BIGINT, start: BIGINT, end: BIGINT });
    this.#slices.push([slice, startMs]);
    this.#slices.sort((a, b) => a[0] - b[0]);
    await this.#rebuildViews();
  }

  async #rebuildViews(): Promise<void> {
    const ids = this.#slices.map(([id]) => id);
    for (const t of SLICED_TABLES) await this.#writer.run(viewSql(t, ids));
  }

  // ---- retention ----

  /** Drops slices past the retention and, while over the disk cap, the oldest ones. */
  retain(nowMs: number): Promise<{ dropped: number }> {
    return this.#serial(async () => {
      let dropped = 0;
      const sliceMs = this.#o.sliceHours * 3_600_000;
      const cutoff = nowMs - this.#o.retentionHours * 3_600_000;
      // Never the newest slice: it is where appends go.
      while (this.#slices.length > 1 && (this.#slices[0] as [number, number])[1] + sliceMs <= cutoff) {
        await this.#dropOldest('retention');
        dropped++;
      }
      if (dropped > 0 || this.#o.maxDiskBytes > 0) await this.#writer.run('CHECKPOINT');
      if (this.#o.maxDiskBytes > 0) {
        // Blocks of dropped tables are free only after a checkpoint: measure after each.
        while (this.#slices.length > 1 && (await this.#usedBytes()) > this.#o.maxDiskBytes) {
          await this.#dropOldest('disk cap');
          await this.#writer.run('CHECKPOINT');
          dropped++;
        }
      }
      return { dropped };
    });
  }

  async #dropOldest(reason: string): Promise<void> {
    const oldest = this.#slices.shift();
    if (oldest === undefined) return;
    const [id, startMs] = oldest;
    await this.#rebuildViews();
    await this.#writer.run('BEGIN TRANSACTION');
    try {
      for (const t of SLICED_TABLES) await this.#writer.run(`DROP TABLE IF EXISTS ${sliceTableName(t, id)}`);
      await this.#writer.run('DELETE FROM slices WHERE slice_id = $id', { id: BigInt(id) }, { id: BIGINT });
      await this.#writer.run('COMMIT');
      // After the commit: a crash before this unlink leaves a file no row refers to (removed at open).
      await this.#payloads.drop(id);
    } catch (err) {
      await this.#writer.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
    this.#o.log?.('info', 'embedded store: a time slice left the store', { reason, sliceStart: new Date(startMs).toISOString() });
  }

  /** Blocks in use in the database file, the WAL not yet checkpointed into it, and the payload files. */
  async #usedBytes(): Promise<number> {
    return (await this.#blockBytes()) + (await this.#besideBytes());
  }

  /** Bytes of the blocks in use in the database file. */
  async #blockBytes(): Promise<number> {
    const r = (await this.#writer.runAndReadAll('SELECT block_size, used_blocks FROM pragma_database_size()')).getRowsJS()[0];
    return Number(r?.[0] ?? 0) * Number(r?.[1] ?? 0);
  }

  /** Bytes on disk beside the database file: its WAL and the payload files. */
  async #besideBytes(): Promise<number> {
    const wal = await stat(`${this.#o.path}.wal`).then((s) => s.size).catch(() => 0);
    return wal + (await this.#payloads.totalBytes());
  }

  /** Bytes of the items at [offset, offset + length) of a slice's payload file. */
  readPayload(slice: number, offset: number, length: number): Promise<Uint8Array> {
    return this.#payloads.read(slice, offset, length);
  }

  async diskStats(): Promise<StoreDiskStats> {
    const file = await stat(this.#o.path).then((s) => s.size).catch(() => 0);
    const beside = await this.#besideBytes();
    const duck = (await this.#writer.runAndReadAll('SELECT sum(memory_usage_bytes) FROM duckdb_memory()')).getRowsJS()[0]?.[0];
    const m = process.memoryUsage();
    return {
      fileBytes: file + beside,
      usedBytes: (await this.#blockBytes()) + beside,
      oldestRetainedMs: this.#slices[0]?.[1],
      slices: this.#slices.length,
      memory: { heapUsedBytes: m.heapUsed, externalBytes: m.external, duckdbBytes: Number(duck ?? 0), rssBytes: m.rss },
    };
  }

  // ---- reads ----

  /** Runs a read query on the reader connection (never blocked by, never seeing half of, an append). */
  async query(sql: string, values: Record<string, DuckDBValue> = {}, types: Record<string, DuckDBType> = {}): Promise<Row[]> {
    if (this.#closed) throw new Error('embedded store is closed');
    const reader = await this.#reader.runAndReadAll(sql, values, types);
    return reader.getRowObjectsJS();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#writeChain;
    this.#closed = true;
    await this.#payloads.close();
    this.#reader.closeSync();
    this.#writer.closeSync();
    this.#instance.closeSync();
  }
}
