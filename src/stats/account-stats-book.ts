import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Signal } from '../otlp/model.js';

export interface ItemCounts {
  spans: number;
  dataPoints: number;
  logRecords: number;
}

export interface AccountStats {
  accountId: string;
  accepted: ItemCounts;
  rejected: ItemCounts;
  throttledRequests: number;
  deniedRequests: number;
  /** Items dropped by validation, by rule name (e.g. `traces.resource.source.name`). */
  rejectedByRule: Record<string, number>;
  /** When the hub last accepted an item of this account (unix ns, decimal), or null. */
  lastSeenUnixNano: string | null;
}

/** One increment of an account's counters, as handed to the history. */
export interface StatsDelta {
  accepted?: Partial<ItemCounts>;
  rejected?: Partial<ItemCounts>;
  throttledRequests?: number;
  deniedRequests?: number;
  rejectedByRule?: Record<string, number>;
}

/** Where increments go besides the totals (the on-disk history). */
export interface StatsDeltaSink {
  add(accountId: string, delta: StatsDelta, nowMs: number): void;
}

/**
 * What ingest reports per request, per account. The ingest server calls these on its hot path, so
 * they only bump counters in memory.
 */
export interface IngestStatsObserver {
  recordItems(accountId: string, signal: Signal, accepted: number, rejected: number): void;
  recordRejectedByRule(accountId: string, signal: Signal, rule: string, n: number): void;
  recordThrottled(accountId: string): void;
  recordDenied(accountId: string): void;
}

const SIGNAL_FIELD: Record<Signal, keyof ItemCounts> = { traces: 'spans', metrics: 'dataPoints', logs: 'logRecords' };
export const zeroCounts = (): ItemCounts => ({ spans: 0, dataPoints: 0, logRecords: 0 });
/** An account's counters before its first request. */
export const emptyStats = (accountId: string): AccountStats => ({
  accountId,
  accepted: zeroCounts(),
  rejected: zeroCounts(),
  throttledRequests: 0,
  deniedRequests: 0,
  rejectedByRule: {},
  lastSeenUnixNano: null,
});

export interface AccountStatsBookOptions {
  dataDir: string;
  /** Bound on distinct accounts tracked; denied requests may name arbitrary ids. */
  maxAccounts?: number;
  /** Bound on distinct rule names per account (rules come from config; this guards against churn). */
  maxRulesPerAccount?: number;
  history?: StatsDeltaSink;
  now?: () => number;
}

/**
 * Per-account ingest counters for GET /api/stats. Kept in memory on the hot path and saved to
 * `<dataDir>/stats.json` every few seconds and at shutdown, so a restart keeps the totals (a crash
 * may lose the last seconds of counts, never data). Every increment is also handed to the history
 * sink, which keeps counts per time step on disk.
 */
export class AccountStatsBook implements IngestStatsObserver {
  readonly #byAccount = new Map<string, AccountStats>();
  readonly #file: string;
  readonly #maxAccounts: number;
  readonly #maxRules: number;
  readonly #history: StatsDeltaSink | undefined;
  readonly #now: () => number;
  #dirty = false;

  constructor(o: AccountStatsBookOptions) {
    this.#file = join(o.dataDir, 'stats.json');
    this.#maxAccounts = o.maxAccounts ?? 100_000;
    this.#maxRules = o.maxRulesPerAccount ?? 100;
    this.#history = o.history;
    this.#now = o.now ?? Date.now;
  }

  async load(): Promise<void> {
    try {
      const parsed = JSON.parse(await readFile(this.#file, 'utf8')) as { accounts?: Partial<AccountStats>[] };
      for (const a of parsed.accounts ?? []) {
        if (typeof a.accountId !== 'string') continue;
        this.#byAccount.set(a.accountId, {
          accountId: a.accountId,
          accepted: { ...zeroCounts(), ...a.accepted },
          rejected: { ...zeroCounts(), ...a.rejected },
          throttledRequests: a.throttledRequests ?? 0,
          deniedRequests: a.deniedRequests ?? 0,
          rejectedByRule: { ...a.rejectedByRule },
          lastSeenUnixNano: a.lastSeenUnixNano ?? null,
        });
      }
    } catch {
      // Missing or unreadable stats start from zero: counters only, no data at stake.
    }
  }

  #get(accountId: string): AccountStats | undefined {
    let s = this.#byAccount.get(accountId);
    if (s === undefined) {
      if (this.#byAccount.size >= this.#maxAccounts) return undefined;
      s = emptyStats(accountId);
      this.#byAccount.set(accountId, s);
    }
    this.#dirty = true;
    return s;
  }

  recordItems(accountId: string, signal: Signal, accepted: number, rejected: number): void {
    const s = this.#get(accountId);
    if (s === undefined) return;
    const field = SIGNAL_FIELD[signal];
    s.accepted[field] += accepted;
    s.rejected[field] += rejected;
    const nowMs = this.#now();
    if (accepted > 0) s.lastSeenUnixNano = (BigInt(nowMs) * 1_000_000n).toString();
    this.#history?.add(accountId, { accepted: { [field]: accepted }, rejected: { [field]: rejected } }, nowMs);
  }

  recordRejectedByRule(accountId: string, _signal: Signal, rule: string, n: number): void {
    const s = this.#get(accountId);
    if (s === undefined) return;
    if (s.rejectedByRule[rule] === undefined && Object.keys(s.rejectedByRule).length >= this.#maxRules) return;
    s.rejectedByRule[rule] = (s.rejectedByRule[rule] ?? 0) + n;
    this.#history?.add(accountId, { rejectedByRule: { [rule]: n } }, this.#now());
  }

  recordThrottled(accountId: string): void {
    const s = this.#get(accountId);
    if (s === undefined) return;
    s.throttledRequests++;
    this.#history?.add(accountId, { throttledRequests: 1 }, this.#now());
  }

  recordDenied(accountId: string): void {
    const s = this.#get(accountId);
    if (s === undefined) return;
    s.deniedRequests++;
    this.#history?.add(accountId, { deniedRequests: 1 }, this.#now());
  }

  get(accountId: string): AccountStats | undefined {
    return this.#byAccount.get(accountId);
  }

  list(): AccountStats[] {
    return [...this.#byAccount.values()].sort((a, b) => a.accountId.localeCompare(b.accountId));
  }

  async save(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    const tmp = `${this.#file}.tmp`;
    await writeFile(tmp, JSON.stringify({ accounts: this.list() }));
    await rename(tmp, this.#file);
  }
}
