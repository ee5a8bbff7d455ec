import { readRecord } from '../pipeline/queue-record.js';
import type { QueueReader, QueueRecord } from '../queue/types.js';
import type { ExportItem, ExportOutcome, Exporter } from './exporter.js';
import { backoffMs } from './retry-policy.js';

/** Structural subset of a pino logger, so tests can pass a recorder. */
export interface RunnerLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ExporterRunnerOptions {
  exporter: Exporter;
  reader: QueueReader;
  /** Which version-1 record layout the queue may still hold (the hub's or the agent's). Default 'hub'. */
  legacyRecords?: 'hub' | 'agent';
  batchMaxRecords: number;
  batchMaxBytes: number;
  /** Backoff between retries of one batch when the backend gives no Retry-After. */
  retry: { initialMs: number; maxMs: number };
  /** How long one read waits for new records; also bounds how long stop() waits for an idle loop. Default 250. */
  readWaitMs?: number;
  onOutcome?: (outcome: ExportOutcome, batch: { items: number }) => void;
  logger?: RunnerLogger;
  /** Injectable for deterministic tests. */
  random?: () => number;
  nowMs?: () => number;
}

export interface ExporterRunnerStats {
  /** Items the exporter accepted. */
  sentItems: number;
  /** Items skipped: rejected by the backend as such, or undecodable. */
  failedItems: number;
  /** Retryable attempts (each one a wait followed by a re-send). */
  retries: number;
  /** Epoch ms of the last successful export. */
  lastSuccessAt: number | undefined;
  /**
   * Age in seconds of the oldest record read but not yet handled; 0 when caught up; undefined when
   * records are pending and the decoder gives no receive times.
   */
  lagSeconds?: number;
}

export interface ExporterRunner {
  /** Stops reading, interrupts waits and abandons an in-flight export (its batch stays unacknowledged). */
  stop(): Promise<void>;
  stats(): ExporterRunnerStats;
}

/**
 * Drives one exporter from its own queue reader: read → decode → export → ack. Delivery is
 * at-least-once: a batch is acknowledged only after the exporter accepted or definitively rejected
 * it, and a retryable outcome re-sends the same batch until it goes through or the runner stops.
 */
export function startExporterRunner(options: ExporterRunnerOptions): ExporterRunner {
  if (!(options.batchMaxRecords >= 1)) throw new TypeError('exporter runner: batchMaxRecords must be >= 1');
  if (!(options.batchMaxBytes >= 1)) throw new TypeError('exporter runner: batchMaxBytes must be >= 1');
  if (!(options.retry.initialMs > 0) || !(options.retry.maxMs >= options.retry.initialMs)) {
    throw new TypeError('exporter runner: retry needs 0 < initialMs <= maxMs');
  }
  const runner = new Runner(options);
  runner.start();
  return { stop: () => runner.stop(), stats: () => runner.stats() };
}

class Runner {
  readonly #o: ExporterRunnerOptions;
  readonly #readWaitMs: number;
  readonly #now: () => number;
  readonly #abort = new AbortController();
  #loop: Promise<void> = Promise.resolve();
  #sentItems = 0;
  #failedItems = 0;
  #retries = 0;
  #lastSuccessAt: number | undefined;
  /** Set while a batch is read but not acknowledged. */
  #pending: { oldestReceivedAtMs: number | undefined } | undefined;

  constructor(options: ExporterRunnerOptions) {
    this.#o = options;
    this.#readWaitMs = options.readWaitMs ?? 250;
    this.#now = options.nowMs ?? Date.now;
  }

  start(): void {
    this.#loop = this.#run().catch((err: unknown) => {
      // Only a bug gets here (every expected failure is handled in the loop); never crash the hub.
      this.#o.logger?.error({ err, exporter: this.#o.exporter.name }, 'exporter runner: loop crashed');
    });
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  stats(): ExporterRunnerStats {
    const base = {
      sentItems: this.#sentItems,
      failedItems: this.#failedItems,
      retries: this.#retries,
      lastSuccessAt: this.#lastSuccessAt,
    };
    if (this.#pending === undefined) return { ...base, lagSeconds: 0 };
    const oldest = this.#pending.oldestReceivedAtMs;
    if (oldest === undefined) return base;
    return { ...base, lagSeconds: Math.max(0, (this.#now() - oldest) / 1000) };
  }

  get #stopped(): boolean {
    return this.#abort.signal.aborted;
  }

  async #run(): Promise<void> {
    let readErrors = 0;
    while (!this.#stopped) {
      let records: QueueRecord[];
      const readStartMs = this.#now();
      try {
        records = await this.#o.reader.read({
          maxRecords: this.#o.batchMaxRecords,
          maxBytes: this.#o.batchMaxBytes,
          waitMs: this.#readWaitMs,
        });
        readErrors = 0;
      } catch (err) {
        this.#o.logger?.error({ err, exporter: this.#o.exporter.name }, 'exporter runner: queue read failed');
        await this.#sleep(backoffMs(readErrors++, this.#backoff()));
        continue;
      }
      if (records.length === 0) {
        // A closed queue answers [] at once; do not spin on it.
        if (this.#now() - readStartMs < this.#readWaitMs / 2) await this.#sleep(this.#readWaitMs);
        continue;
      }
      const first = records[0];
      const last = records[records.length - 1];
      if (first === undefined || last === undefined) continue;
      const handled = await this.#handleBatch(records, last.next);
      if (!handled) {
        // Stopped mid-batch: rewind so a restarted runner on this reader sends the batch again.
        this.#o.reader.seek(first.position);
        return;
      }
    }
  }

  /** Returns false when stopped before the batch was acknowledged. */
  async #handleBatch(records: QueueRecord[], next: number): Promise<boolean> {
    const items: ExportItem[] = [];
    let oldest: number | undefined;
    let undecodable = 0;
    for (const record of records) {
      // Only the header is read: exporters forward the payload bytes or decode what they translate.
      const read = readRecord(record.data, this.#o.legacyRecords ?? 'hub');
      if (!read.ok) {
        undecodable++;
        this.#o.logger?.error({ exporter: this.#o.exporter.name, position: record.position, reason: read.reason }, 'exporter runner: unreadable queue record skipped');
        continue;
      }
      items.push(read.record);
      oldest = oldest === undefined ? read.record.receivedAtMs : Math.min(oldest, read.record.receivedAtMs);
    }
    this.#failedItems += undecodable;
    this.#pending = { oldestReceivedAtMs: oldest };

    const itemCount = items.reduce((n, i) => n + Math.max(0, i.items), 0);
    let attempt = 0;
    while (items.length > 0) {
      if (this.#stopped) return false;
      const outcome = await this.#exportOrStop(items);
      if (outcome === undefined) return false;
      try {
        this.#o.onOutcome?.(outcome, { items: itemCount });
      } catch (err) {
        this.#o.logger?.error({ err, exporter: this.#o.exporter.name }, 'exporter runner: onOutcome threw');
      }
      if (outcome.kind === 'success') {
        this.#sentItems += itemCount;
        this.#lastSuccessAt = this.#now();
        break;
      }
      if (outcome.kind === 'failure') {
        this.#failedItems += itemCount;
        this.#o.logger?.error(
          { exporter: this.#o.exporter.name, items: itemCount, reason: outcome.message },
          'exporter runner: backend rejected batch; skipped',
        );
        break;
      }
      this.#retries++;
      const waitMs = outcome.retryAfterMs ?? backoffMs(attempt, this.#backoff());
      attempt++;
      this.#o.logger?.warn(
        { exporter: this.#o.exporter.name, items: itemCount, attempt, waitMs, reason: outcome.message },
        'exporter runner: export failed; retrying',
      );
      await this.#sleep(waitMs);
    }
    try {
      await this.#o.reader.ack(next);
    } catch (err) {
      // Acks are cumulative: the next successful one covers this batch. Worst case it is re-sent.
      this.#o.logger?.error({ err, exporter: this.#o.exporter.name }, 'exporter runner: ack failed');
    }
    this.#pending = undefined;
    return true;
  }

  /** The exporter's outcome, or undefined when stop() came first (the export is abandoned, not acked). */
  async #exportOrStop(items: ExportItem[]): Promise<ExportOutcome | undefined> {
    const exported = this.#o.exporter.export(items).catch(
      (err: unknown): ExportOutcome => {
        // A throwing exporter is a bug; retrying keeps the data until it is fixed rather than losing it.
        this.#o.logger?.error({ err, exporter: this.#o.exporter.name }, 'exporter runner: exporter threw');
        return { kind: 'retryable', message: `exporter threw: ${err instanceof Error ? err.message : String(err)}` };
      },
    );
    const signal = this.#abort.signal;
    if (signal.aborted) return undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([exported, stopped]);
    } finally {
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    }
  }

  #backoff(): { initialMs: number; maxMs: number; random?: () => number } {
    const { initialMs, maxMs } = this.#o.retry;
    return this.#o.random === undefined ? { initialMs, maxMs } : { initialMs, maxMs, random: this.#o.random };
  }

  /** Waits `ms`, or less when stop() is called. */
  #sleep(ms: number): Promise<void> {
    const signal = this.#abort.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
