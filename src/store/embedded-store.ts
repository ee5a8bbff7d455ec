import { readRecord } from '../pipeline/queue-record.js';
import type { QueueReader, QueueRecord } from '../queue/types.js';
import { openStoreChannel, type StoreChannel, type StoreIsolation } from './store-channel.js';
import { packBatch, type FromWorker, type QueryMethod, type ToWorker, type WorkerCall } from './worker-protocol.js';
import type { DuckDbStoreOptions, StoreDiskStats } from './duckdb-store.js';
import type {
  EmbeddedStore,
  InstanceQuery,
  InstanceRow,
  LogQuery,
  LogRow,
  MetricQuery,
  MetricSeries,
  ProcessDefinitionForStore,
  SpanRow,
  StoreStatus,
  TraceSearchQuery,
  TraceSummary,
} from './types.js';

/** A query or write the store cannot run now (its worker is restarting or failed to open). */
export class StoreUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}

export interface StoreLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface StartEmbeddedStoreOptions extends Omit<DuckDbStoreOptions, 'log'> {
  /** The store's own queue reader (`embedded`); the store keeps its position in the database. */
  reader: QueueReader;
  logger: StoreLogger;
  /** Told how many items each committed batch held. */
  onStored?: (items: number) => void;
  /** Records / bytes per append transaction. Defaults 4096 / 2 MiB (bigger batches cost memory, not less CPU). */
  batchMaxRecords?: number;
  batchMaxBytes?: number;
  /** Longest wait before restarting a dead worker (doubling from 250 ms). Default 10 s. */
  maxRestartDelayMs?: number;
  /** How often retention and the disk cap are applied. Default 60 s. */
  retentionIntervalMs?: number;
  /** The store worker runs as a thread of the hub (default) or as a child process (store-channel.ts). */
  isolation?: StoreIsolation;
  /** Told about every store worker started (crash tests). */
  onWorker?: (worker: StoreChannel) => void;
  /** V8 heap limit of the store worker. Default 512 MiB. */
  maxHeapMb?: number;
  /** Processes whose spans are linked to their keys from the first record on (setProcesses changes them). */
  processes?: readonly ProcessDefinitionForStore[];
}

/** A query that takes longer than this answers an error rather than hanging an API call. */
const QUERY_TIMEOUT_MS = 60_000;
/** After this many worker deaths on the same batch, records are tried one by one, then skipped. */
const POISON_ATTEMPTS = 3;
/**
 * A small batch waits this long for more records before it is sent: fewer, larger appends cost
 * the hub (IPC, one transaction each) and the store far less per item, for 25 ms of visibility.
 */
const LINGER_MS = 25;
/** Below this many bytes a batch lingers. */
const LINGER_BELOW_BYTES = 1024 * 1024;
/**
 * The queue cursor is written at most this often (each write is a file write, fsync and rename).
 * The store's own cursor, committed with the data, is authoritative; the queue's only frees segments.
 */
const ACK_INTERVAL_MS = 1000;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

/**
 * Starts the embedded store: a worker (a thread or a process, see store-channel.ts) owning DuckDB,
 * fed from the queue by this side (reads are cheap; a batch's records go to the worker packed into
 * one buffer). If the worker dies it is restarted with backoff and resumes at the
 * position it committed; meanwhile ingest keeps acknowledging into the queue, queries answer
 * StoreUnavailableError, and `status()` says so for /readyz and /metrics.
 */
export async function startEmbeddedStore(options: StartEmbeddedStoreOptions): Promise<EmbeddedStore> {
  const store = new WorkerStore(options);
  await store.start();
  return store;
}

class WorkerStore implements EmbeddedStore {
  readonly #o: StartEmbeddedStoreOptions;
  #worker: StoreChannel | undefined;
  #up = false;
  /** The reader stands at the committed position of the running worker: the feed may read. */
  #feeding = false;
  #reason = 'starting';
  #restarts = 0;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #ready: { resolve: (cursor: number) => void; reject: (err: Error) => void } | undefined;
  #cursor = 0;
  #stopped = false;
  /** The first open succeeded: from now on a dead worker is restarted here. */
  #started = false;
  #loop: Promise<void> = Promise.resolve();
  #wake: (() => void) | undefined;
  #processes: ProcessDefinitionForStore[] = [];
  #disk: StoreDiskStats = { fileBytes: 0, usedBytes: 0, oldestRetainedMs: undefined, slices: 0, memory: { heapUsedBytes: 0, externalBytes: 0, duckdbBytes: 0, rssBytes: 0 } };
  #oldestUnstoredAtMs: number | undefined;
  #storedItems = 0;
  #damaged = 0;
  readonly #waiters = new Set<{ position: number; resolve: (ok: boolean) => void }>();
  #timers: NodeJS.Timeout[] = [];
  /** Batch start position and how many times the worker died on it. */
  #poison = { position: -1, deaths: 0 };

  constructor(options: StartEmbeddedStoreOptions) {
    this.#o = options;
    if (options.processes !== undefined) this.#processes = copyDefinitions(options.processes);
  }

  async start(): Promise<void> {
    // The first open must work (a bad path or file is a start-up error); later deaths are restarted.
    // A store process left by a hub killed a moment ago may still hold the file lock: wait for it.
    for (let attempt = 1; ; attempt++) {
      try {
        this.#cursor = await this.#spawn();
        break;
      } catch (err) {
        if (attempt >= 20 || !/lock/i.test((err as Error).message)) throw err;
        await sleep(500);
      }
    }
    this.#started = true;
    this.#seekReader();
    this.#feeding = true;
    this.#loop = this.#run();
    const every = (ms: number, fn: () => void): void => {
      const t = setInterval(fn, ms);
      t.unref();
      this.#timers.push(t);
    };
    every(this.#o.retentionIntervalMs ?? 60_000, () => {
      this.#call({ type: 'retain', nowMs: Date.now() }).catch((err: unknown) => this.#o.logger.warn({ err }, 'embedded store: retention failed'));
    });
    every(10_000, () => void this.#refreshStats());
    void this.#refreshStats();
  }

  async #refreshStats(): Promise<void> {
    try {
      this.#disk = (await this.#call({ type: 'stats' })) as StoreDiskStats;
    } catch {
      // Down or busy: keep the last figures.
    }
  }

  // ---- worker lifecycle ----

  #spawn(): Promise<number> {
    const worker: StoreChannel = openStoreChannel(
      { isolation: this.#o.isolation ?? 'thread', maxHeapMb: this.#o.maxHeapMb ?? 512 },
      {
        onMessage: (m) => this.#onMessage(m),
        onError: (err) => this.#o.logger.error({ err }, 'embedded store: store worker error'),
        onExit: (how) => this.#onExit(worker, how),
      },
    );
    this.#worker = worker;
    this.#o.onWorker?.(worker);
    const ready = new Promise<number>((resolve, reject) => (this.#ready = { resolve, reject }));
    const o = this.#o;
    const open = { path: o.path, maxMemoryBytes: o.maxMemoryBytes, threads: o.threads, retentionHours: o.retentionHours, maxDiskBytes: o.maxDiskBytes, sliceHours: o.sliceHours };
    this.#post({ type: 'open', options: open });
    if (this.#processes.length > 0) this.#post({ type: 'processes', defs: this.#processes });
    return ready;
  }

  #onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'ready':
        this.#up = true;
        this.#reason = '';
        this.#ready?.resolve(m.cursor);
        this.#ready = undefined;
        return;
      case 'open-failed':
        this.#reason = `cannot open the database: ${m.message}`;
        this.#ready?.reject(new StoreUnavailableError(this.#reason));
        this.#ready = undefined;
        this.#worker?.kill();
        return;
      case 'log':
        this.#o.logger[m.level](m.fields ?? {}, m.message);
        return;
      case 'reply': {
        const p = this.#pending.get(m.id);
        if (p === undefined) return;
        this.#pending.delete(m.id);
        if (p.timer !== undefined) clearTimeout(p.timer);
        if (m.ok) p.resolve(m.value);
        else p.reject(m.name === 'RangeError' ? new RangeError(m.message) : new Error(m.message));
      }
    }
  }

  #onExit(worker: StoreChannel, how: string): void {
    if (worker !== this.#worker) return;
    this.#worker = undefined;
    this.#up = false;
    this.#feeding = false;
    const err = new StoreUnavailableError(this.#stopped ? 'the store is closed' : `the store worker stopped (${how}); restarting`);
    for (const p of this.#pending.values()) {
      if (p.timer !== undefined) clearTimeout(p.timer);
      p.reject(err);
    }
    this.#pending.clear();
    this.#ready?.reject(err);
    this.#ready = undefined;
    // Before start() succeeded, start() retries (or fails the hub's start) itself: no second worker.
    if (this.#stopped || !this.#started) return;
    this.#reason = err.message;
    this.#o.logger.error({ exit: how, restarts: this.#restarts }, 'embedded store: worker stopped; restarting it (ingest keeps queueing)');
    this.#restarts++;
    const delay = Math.min(this.#o.maxRestartDelayMs ?? 10_000, 250 * 2 ** Math.min(this.#restarts - 1, 10));
    const timer = setTimeout(() => void this.#respawn(), delay);
    timer.unref();
  }

  async #respawn(): Promise<void> {
    if (this.#stopped) return;
    try {
      // Past a record skipped as poison, else where the worker committed.
      this.#cursor = Math.max(await this.#spawn(), this.#cursorOverride ?? 0);
      this.#cursorOverride = undefined;
      this.#seekReader();
      this.#feeding = true;
      this.#o.logger.info({ cursor: this.#cursor }, 'embedded store: worker restarted; resuming at its committed position');
      this.#wake?.();
    } catch (err) {
      // #onExit schedules the next attempt when the process goes away; make sure it does.
      this.#o.logger.error({ err }, 'embedded store: restart failed');
      this.#worker?.kill();
    }
  }

  /** Puts the queue reader at the store's committed position (its own, transactional cursor). */
  #seekReader(): void {
    try {
      this.#o.reader.seek(this.#cursor);
    } catch (err) {
      // A cursor the queue cannot honour (its data was lost or quarantined): continue where the queue can.
      this.#o.logger.warn({ err, cursor: this.#cursor }, 'embedded store: stored position is not in the queue; continuing from the reader position');
    }
  }

  #post(message: ToWorker): void {
    this.#worker?.post(message);
  }

  #call(request: WorkerCall, timeoutMs = QUERY_TIMEOUT_MS): Promise<unknown> {
    if (this.#worker === undefined || !this.#up) return Promise.reject(new StoreUnavailableError(`the embedded store is not available: ${this.#reason || 'starting'}`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const pending: Pending = { resolve, reject };
      if (timeoutMs > 0) {
        pending.timer = setTimeout(() => {
          this.#pending.delete(id);
          reject(new StoreUnavailableError(`the embedded store did not answer within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        pending.timer.unref();
      }
      this.#pending.set(id, pending);
      this.#post({ ...request, id });
    });
  }

  // ---- the feed from the queue ----

  async #run(): Promise<void> {
    const reader = this.#o.reader;
    let single = false;
    while (!this.#stopped) {
      if (!this.#feeding) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          setTimeout(resolve, 500).unref();
        });
        continue;
      }
      const records = await this.#readBatch(single ? 1 : (this.#o.batchMaxRecords ?? 4096));
      if (records.length === 0) {
        this.#oldestUnstoredAtMs = undefined;
        void this.#ack(false);
        continue;
      }
      const first = records[0] as QueueRecord;
      const next = (records[records.length - 1] as QueueRecord).next;
      this.#noteLag(records);
      try {
        const result = (await this.#call({ type: 'append', batch: packBatch(records), cursor: next }, 0)) as {
          items: number;
          damaged: number;
        };
        this.#poison = { position: -1, deaths: 0 };
        single = false;
        this.#committed(next, result.items, result.damaged);
        void this.#ack(false);
      } catch (err) {
        if (this.#stopped) return;
        if (!(err instanceof StoreUnavailableError)) {
          // The worker is alive but the append failed (e.g. disk full): retry the same batch.
          this.#o.logger.error({ err, position: first.position }, 'embedded store: append failed; retrying');
          reader.seek(first.position);
          await sleep(1000);
          continue;
        }
        single = this.#notePoison(first, records.length, next) || single;
        // The restart seeks the reader to the committed position.
      }
    }
  }

  /** Reads up to `maxRecords`; a small batch lingers briefly to gather more. */
  async #readBatch(maxRecords: number): Promise<QueueRecord[]> {
    const reader = this.#o.reader;
    const maxBytes = this.#o.batchMaxBytes ?? 2 * 1024 * 1024;
    const records = await reader.read({ maxRecords, maxBytes, waitMs: 250 });
    let bytes = 0;
    for (const r of records) bytes += r.data.byteLength;
    if (records.length === 0 || records.length >= maxRecords || bytes >= Math.min(LINGER_BELOW_BYTES, maxBytes)) return records;
    await sleep(LINGER_MS);
    if (this.#stopped) return records;
    const more = await reader.read({ maxRecords: maxRecords - records.length, maxBytes: maxBytes - bytes, waitMs: 0 });
    return more.length === 0 ? records : records.concat(more);
  }

  #lastAckMs = 0;
  #ackedCursor = -1;

  /** Moves the queue cursor to the committed position, at most once per ACK_INTERVAL_MS unless `now`. */
  #ack(now: boolean): Promise<void> {
    const position = this.#cursor;
    if (position <= this.#ackedCursor || (!now && Date.now() - this.#lastAckMs < ACK_INTERVAL_MS)) return Promise.resolve();
    this.#lastAckMs = Date.now();
    this.#ackedCursor = position;
    // The reader coalesces concurrent acks and reports a failed write itself; the next ack retries.
    return this.#o.reader.ack(position).catch((err: unknown) => {
      this.#ackedCursor = -1;
      this.#o.logger.warn({ err }, 'embedded store: queue ack failed (the next one covers it)');
    });
  }

  /** Counts worker deaths on one batch; returns true when records should go one at a time. */
  #notePoison(first: QueueRecord, count: number, next: number): boolean {
    if (this.#poison.position !== first.position) this.#poison = { position: first.position, deaths: 0 };
    this.#poison.deaths++;
    if (this.#poison.deaths < POISON_ATTEMPTS) return false;
    if (count > 1) return true;
    // One record killed the worker three times: skip it (counted, logged) rather than stop the store.
    this.#o.logger.error({ position: first.position, next }, 'embedded store: a queue record crashed the store worker repeatedly; it is skipped');
    this.#damaged++;
    this.#cursorOverride = next;
    this.#poison = { position: -1, deaths: 0 };
    return false;
  }

  /** A position to resume at instead of the committed one (past a skipped poison record). */
  #cursorOverride: number | undefined;

  #committed(next: number, items: number, damaged: number): void {
    this.#cursor = next;
    this.#storedItems += items;
    this.#damaged += damaged;
    if (damaged > 0) this.#o.logger.error({ damaged }, 'embedded store: unreadable queue records skipped');
    this.#o.onStored?.(items);
    for (const w of this.#waiters) {
      if (w.position <= next) {
        this.#waiters.delete(w);
        w.resolve(true);
      }
    }
  }

  #noteLag(records: readonly QueueRecord[]): void {
    const read = readRecord((records[0] as QueueRecord).data);
    if (read.ok) this.#oldestUnstoredAtMs ??= read.record.receivedAtMs;
  }

  // ---- EmbeddedStore ----

  #query<T>(method: QueryMethod, ...args: unknown[]): Promise<T> {
    return this.#call({ type: 'query', method, args }) as Promise<T>;
  }

  getTrace(traceId: string): Promise<SpanRow[]> {
    return this.#query('getTrace', traceId);
  }

  queryLogs(query: LogQuery): Promise<LogRow[]> {
    return this.#query('queryLogs', query);
  }

  queryMetrics(query: MetricQuery): Promise<MetricSeries[]> {
    return this.#query('queryMetrics', query);
  }

  metricNames(query: { accounts?: readonly string[] }): Promise<string[]> {
    return this.#query('metricNames', query);
  }

  searchTraces(query: TraceSearchQuery): Promise<TraceSummary[]> {
    return this.#query('searchTraces', query);
  }

  setProcesses(defs: readonly ProcessDefinitionForStore[]): void {
    this.#processes = copyDefinitions(defs);
    if (this.#up) this.#post({ type: 'processes', defs: this.#processes });
  }

  processInstances(def: ProcessDefinitionForStore, query: InstanceQuery): Promise<InstanceRow[]> {
    return this.#query('processInstances', def, query);
  }

  processInstance(def: ProcessDefinitionForStore, key: string): Promise<{ row: InstanceRow; spans: SpanRow[]; logs: LogRow[] } | undefined> {
    return this.#query('processInstance', def, key);
  }

  counts(): Promise<{ spans: number; logs: number; points: number }> {
    return this.#query('counts');
  }

  status(): StoreStatus {
    const status: StoreStatus = {
      up: this.#up,
      restarts: this.#restarts,
      lagSeconds: this.#oldestUnstoredAtMs === undefined ? 0 : Math.max(0, (Date.now() - this.#oldestUnstoredAtMs) / 1000),
      fileBytes: this.#disk.fileBytes,
      usedBytes: this.#disk.usedBytes,
      oldestRetainedMs: this.#disk.oldestRetainedMs,
      storedItems: this.#storedItems,
      damagedRecords: this.#damaged,
      memory: this.#disk.memory,
    };
    if (!this.#up) status.reason = this.#reason;
    return status;
  }

  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (this.#cursor >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w = { position, resolve };
      this.#waiters.add(w);
      setTimeout(() => {
        if (this.#waiters.delete(w)) resolve(false);
      }, timeoutMs).unref();
    });
  }

  async close(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    this.#wake?.();
    await this.#loop.catch(() => undefined);
    await this.#ack(true);
    if (this.#worker !== undefined && this.#up) await this.#call({ type: 'close' }, 10_000).catch(() => undefined);
    await this.#worker?.end();
    for (const w of this.#waiters) w.resolve(false);
    this.#waiters.clear();
  }
}

/** Plain copies (structured-clone safe, detached from the caller's objects). */
function copyDefinitions(defs: readonly ProcessDefinitionForStore[]): ProcessDefinitionForStore[] {
  return defs.map((d) => ({ name: d.name, match: { ...d.match }, key: d.key, steps: d.steps.map((s) => ({ ...s })) }));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
