import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BIGINT, DuckDBInstance, LIST, VARCHAR, listValue } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBType, DuckDBValue, JS } from '@duckdb/node-api';
import type { Logger } from 'pino';
import type { ItemCounts, StatsDelta, StatsDeltaSink } from './account-stats-book.js';
import { zeroCounts } from './account-stats-book.js';

/** The granularity history is kept at: counts are summed into buckets of this many seconds. */
export const HISTORY_BUCKET_SECONDS = 10;
const BUCKET_NS = BigInt(HISTORY_BUCKET_SECONDS) * 1_000_000_000n;

export interface HistoryPoint {
  timeUnixNano: string;
  accepted: ItemCounts;
  rejected: ItemCounts;
  throttledRequests: number;
  deniedRequests: number;
  rejectedByRule: Record<string, number>;
}

export interface HistorySeries {
  accountId: string;
  points: HistoryPoint[];
}

export interface HistoryQuery {
  /** Only these accounts (a filter or a viewer's scope); all when undefined. */
  accounts?: readonly string[];
  /** [since, until) in unix ns; `since` is aligned down to a multiple of `stepSeconds`. */
  since: bigint;
  until: bigint;
  stepSeconds: number;
}

export interface StatsHistory extends StatsDeltaSink {
  /** Counts within each step (not running totals), zero-filled, for every account with counts in the window. */
  query(q: HistoryQuery): Promise<HistorySeries[]>;
  /** Writes every bucket that is complete (or all of them, at shutdown) to disk. */
  flush(all?: boolean): Promise<void>;
  close(): Promise<void>;
}

export interface StatsHistoryOptions {
  /** The DuckDB file, e.g. `<dataDir>/history.duckdb`. */
  path: string;
  retentionDays: number;
  logger: Logger;
  /** How often complete buckets are written; default 10 s. */
  flushIntervalMs?: number;
  now?: () => number;
  /** Bound on buckets kept in memory between flushes (accounts × buckets); beyond it increments are dropped and logged. */
  maxPendingBuckets?: number;
}

interface Bucket {
  accountId: string;
  bucketNs: bigint;
  accepted: ItemCounts;
  rejected: ItemCounts;
  throttled: number;
  denied: number;
  rules: Map<string, number>;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS account_history (
     account_id VARCHAR NOT NULL, bucket_ns BIGINT NOT NULL,
     accepted_spans BIGINT, accepted_points BIGINT, accepted_logs BIGINT,
     rejected_spans BIGINT, rejected_points BIGINT, rejected_logs BIGINT,
     throttled BIGINT, denied BIGINT)`,
  'CREATE TABLE IF NOT EXISTS account_history_rules (account_id VARCHAR NOT NULL, bucket_ns BIGINT NOT NULL, rule VARCHAR NOT NULL, n BIGINT)',
];

/**
 * Per-account ingest counts over time, in a DuckDB file of their own (not the data store: history
 * must survive the store being disabled or replaced). Increments are summed in memory per account
 * and 10-second bucket and appended in one transaction every `flushIntervalMs` and at shutdown; a
 * bucket flushed in parts (a restart in the middle of it) is simply several rows that queries sum.
 * DuckDB is opened with a small memory limit and one thread: this is a side table, not the hot path.
 */
export async function createStatsHistory(options: StatsHistoryOptions): Promise<StatsHistory> {
  await mkdir(dirname(options.path), { recursive: true });
  const instance = await DuckDBInstance.create(options.path, { memory_limit: '64MB', threads: '1' });
  let connection: DuckDBConnection;
  try {
    connection = await instance.connect();
    for (const statement of SCHEMA) await connection.run(statement);
  } catch (err) {
    instance.closeSync();
    throw err;
  }
  return new DuckDbStatsHistory(instance, connection, options);
}

class DuckDbStatsHistory implements StatsHistory {
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;
  readonly #options: StatsHistoryOptions;
  readonly #now: () => number;
  readonly #pending = new Map<string, Bucket>();
  readonly #maxPending: number;
  readonly #timer: NodeJS.Timeout;
  #tail: Promise<unknown> = Promise.resolve();
  #lastRetentionMs = 0;
  #droppedWarned = false;
  #closed = false;

  constructor(instance: DuckDBInstance, connection: DuckDBConnection, options: StatsHistoryOptions) {
    this.#instance = instance;
    this.#connection = connection;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#maxPending = options.maxPendingBuckets ?? 100_000;
    this.#timer = setInterval(() => {
      this.flush().catch((err: unknown) => options.logger.warn({ err }, 'writing stats history failed; retrying at the next flush'));
    }, options.flushIntervalMs ?? HISTORY_BUCKET_SECONDS * 1000);
    this.#timer.unref();
  }

  /** One statement or transaction at a time on the connection. */
  #serial<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  add(accountId: string, delta: StatsDelta, nowMs: number): void {
    if (this.#closed) return;
    const bucketNs = ((BigInt(nowMs) * 1_000_000n) / BUCKET_NS) * BUCKET_NS;
    const id = `${bucketNs}\u0000${accountId}`;
    let b = this.#pending.get(id);
    if (b === undefined) {
      if (this.#pending.size >= this.#maxPending) {
        if (!this.#droppedWarned) this.#options.logger.warn({ maxPendingBuckets: this.#maxPending }, 'stats history: too many pending buckets; dropping increments until the next flush');
        this.#droppedWarned = true;
        return;
      }
      b = { accountId, bucketNs, accepted: zeroCounts(), rejected: zeroCounts(), throttled: 0, denied: 0, rules: new Map() };
      this.#pending.set(id, b);
    }
    for (const k of ['spans', 'dataPoints', 'logRecords'] as const) {
      b.accepted[k] += delta.accepted?.[k] ?? 0;
      b.rejected[k] += delta.rejected?.[k] ?? 0;
    }
    b.throttled += delta.throttledRequests ?? 0;
    b.denied += delta.deniedRequests ?? 0;
    for (const [rule, n] of Object.entries(delta.rejectedByRule ?? {})) b.rules.set(rule, (b.rules.get(rule) ?? 0) + n);
  }

  flush(all = false): Promise<void> {
    const cutoffNs = ((BigInt(this.#now()) * 1_000_000n) / BUCKET_NS) * BUCKET_NS;
    const batch: Bucket[] = [];
    for (const [id, b] of this.#pending) {
      // The current bucket is still filling; it goes out at the next flush (or now, at shutdown).
      if (!all && b.bucketNs >= cutoffNs) continue;
      batch.push(b);
      this.#pending.delete(id);
    }
    this.#droppedWarned = false;
    return this.#serial(async () => {
      if (batch.length > 0) {
        try {
          await this.#write(batch);
        } catch (err) {
          // Put the counts back so a transient failure (disk full) loses nothing that a later flush can write.
          for (const b of batch) this.#merge(b);
          throw err;
        }
      }
      await this.#applyRetention();
    });
  }

  #merge(b: Bucket): void {
    const id = `${b.bucketNs}\u0000${b.accountId}`;
    const existing = this.#pending.get(id);
    if (existing === undefined) {
      this.#pending.set(id, b);
      return;
    }
    for (const k of ['spans', 'dataPoints', 'logRecords'] as const) {
      existing.accepted[k] += b.accepted[k];
      existing.rejected[k] += b.rejected[k];
    }
    existing.throttled += b.throttled;
    existing.denied += b.denied;
    for (const [rule, n] of b.rules) existing.rules.set(rule, (existing.rules.get(rule) ?? 0) + n);
  }

  async #write(batch: Bucket[]): Promise<void> {
    const c = this.#connection;
    await c.run('BEGIN TRANSACTION');
    try {
      const appender = await c.createAppender('account_history');
      for (const b of batch) {
        appender.appendVarchar(b.accountId);
        appender.appendBigInt(b.bucketNs);
        for (const v of [b.accepted.spans, b.accepted.dataPoints, b.accepted.logRecords, b.rejected.spans, b.rejected.dataPoints, b.rejected.logRecords, b.throttled, b.denied]) {
          appender.appendBigInt(BigInt(v));
        }
        appender.endRow();
      }
      appender.closeSync();
      const rules = await c.createAppender('account_history_rules');
      for (const b of batch) {
        for (const [rule, n] of b.rules) {
          rules.appendVarchar(b.accountId);
          rules.appendBigInt(b.bucketNs);
          rules.appendVarchar(rule);
          rules.appendBigInt(BigInt(n));
          rules.endRow();
        }
      }
      rules.closeSync();
      await c.run('COMMIT');
    } catch (err) {
      await c.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  async #applyRetention(): Promise<void> {
    const nowMs = this.#now();
    // Once every ten minutes is plenty for a retention counted in days.
    if (nowMs - this.#lastRetentionMs < 600_000) return;
    this.#lastRetentionMs = nowMs;
    const cutoff = (BigInt(nowMs) - BigInt(Math.round(this.#options.retentionDays * 86_400_000))) * 1_000_000n;
    for (const table of ['account_history', 'account_history_rules']) {
      await this.#connection.run(`DELETE FROM ${table} WHERE bucket_ns < $cutoff`, { cutoff }, { cutoff: BIGINT });
    }
  }

  async query(q: HistoryQuery): Promise<HistorySeries[]> {
    const stepNs = BigInt(q.stepSeconds) * 1_000_000_000n;
    const since = (q.since / stepNs) * stepNs;
    const values: Record<string, DuckDBValue> = { since, until: q.until, step: stepNs };
    const types: Record<string, DuckDBType> = { since: BIGINT, until: BIGINT, step: BIGINT };
    let accountFilter = '';
    if (q.accounts !== undefined) {
      values['accounts'] = listValue([...q.accounts]);
      types['accounts'] = LIST(VARCHAR);
      accountFilter = ' AND list_contains($accounts, account_id)';
    }
    const where = `WHERE bucket_ns >= $since AND bucket_ns < $until${accountFilter}`;
    const step = '(bucket_ns - $since) // $step';
    const [counts, rules] = await this.#serial(async () => {
      const a = await this.#connection.runAndReadAll(
        `SELECT account_id, ${step} AS i, sum(accepted_spans) AS a_s, sum(accepted_points) AS a_p, sum(accepted_logs) AS a_l,
           sum(rejected_spans) AS r_s, sum(rejected_points) AS r_p, sum(rejected_logs) AS r_l, sum(throttled) AS t, sum(denied) AS d
         FROM account_history ${where} GROUP BY account_id, i`,
        values,
        types,
      );
      const b = await this.#connection.runAndReadAll(
        `SELECT account_id, ${step} AS i, rule, sum(n) AS n FROM account_history_rules ${where} GROUP BY account_id, i, rule`,
        values,
        types,
      );
      return [a.getRowObjectsJS(), b.getRowObjectsJS()];
    });
    // Not yet flushed increments count too: a chart of "now" must not lag by a flush interval.
    const pending = [...this.#pending.values()].filter(
      (b) => b.bucketNs >= since && b.bucketNs < q.until && (q.accounts === undefined || q.accounts.includes(b.accountId)),
    );

    const n = Number((q.until - since + stepNs - 1n) / stepNs);
    const series = new Map<string, HistoryPoint[]>();
    const pointsOf = (accountId: string): HistoryPoint[] => {
      let points = series.get(accountId);
      if (points === undefined) {
        points = [];
        for (let i = 0; i < n; i++) {
          points.push({ timeUnixNano: (since + BigInt(i) * stepNs).toString(), accepted: zeroCounts(), rejected: zeroCounts(), throttledRequests: 0, deniedRequests: 0, rejectedByRule: {} });
        }
        series.set(accountId, points);
      }
      return points;
    };
    const num = (v: JS | undefined): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0);
    const pointAt = (accountId: JS | undefined, i: number): HistoryPoint | undefined => (typeof accountId === 'string' ? pointsOf(accountId)[i] : undefined);
    for (const r of counts) {
      const p = pointAt(r['account_id'], num(r['i']));
      if (p === undefined) continue;
      p.accepted.spans += num(r['a_s']);
      p.accepted.dataPoints += num(r['a_p']);
      p.accepted.logRecords += num(r['a_l']);
      p.rejected.spans += num(r['r_s']);
      p.rejected.dataPoints += num(r['r_p']);
      p.rejected.logRecords += num(r['r_l']);
      p.throttledRequests += num(r['t']);
      p.deniedRequests += num(r['d']);
    }
    for (const r of rules) {
      const p = pointAt(r['account_id'], num(r['i']));
      const rule = r['rule'];
      if (p === undefined || typeof rule !== 'string') continue;
      p.rejectedByRule[rule] = (p.rejectedByRule[rule] ?? 0) + num(r['n']);
    }
    for (const b of pending) {
      const p = pointsOf(b.accountId)[Number((b.bucketNs - since) / stepNs)];
      if (p === undefined) continue;
      for (const k of ['spans', 'dataPoints', 'logRecords'] as const) {
        p.accepted[k] += b.accepted[k];
        p.rejected[k] += b.rejected[k];
      }
      p.throttledRequests += b.throttled;
      p.deniedRequests += b.denied;
      for (const [rule, v] of b.rules) p.rejectedByRule[rule] = (p.rejectedByRule[rule] ?? 0) + v;
    }
    return [...series.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([accountId, points]) => ({ accountId, points }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#timer);
    try {
      await this.flush(true);
    } finally {
      this.#closed = true;
      await this.#serial(() => Promise.resolve());
      this.#connection.closeSync();
      this.#instance.closeSync();
    }
  }
}
