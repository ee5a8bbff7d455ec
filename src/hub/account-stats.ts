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
}

const FIELD: Record<Signal, keyof ItemCounts> = { traces: 'spans', metrics: 'dataPoints', logs: 'logRecords' };
const zero = (): ItemCounts => ({ spans: 0, dataPoints: 0, logRecords: 0 });

/**
 * Per-account ingest counters for GET /api/stats. Kept in memory on the hot path and saved to
 * `<dataDir>/stats.json` every few seconds and at shutdown, so a restart keeps the totals (a crash
 * may lose the last seconds of counts, never data).
 */
export class AccountStatsBook {
  readonly #byAccount = new Map<string, AccountStats>();
  readonly #file: string;
  /** Bound on distinct accounts tracked; denied requests may name arbitrary ids. */
  readonly #maxAccounts: number;
  #dirty = false;

  constructor(dataDir: string, maxAccounts = 100_000) {
    this.#file = join(dataDir, 'stats.json');
    this.#maxAccounts = maxAccounts;
  }

  async load(): Promise<void> {
    try {
      const parsed = JSON.parse(await readFile(this.#file, 'utf8')) as { accounts?: AccountStats[] };
      for (const a of parsed.accounts ?? []) this.#byAccount.set(a.accountId, a);
    } catch {
      // Missing or unreadable stats start from zero: counters only, no data at stake.
    }
  }

  #get(accountId: string): AccountStats | undefined {
    let s = this.#byAccount.get(accountId);
    if (s === undefined) {
      if (this.#byAccount.size >= this.#maxAccounts) return undefined;
      s = { accountId, accepted: zero(), rejected: zero(), throttledRequests: 0, deniedRequests: 0 };
      this.#byAccount.set(accountId, s);
    }
    this.#dirty = true;
    return s;
  }

  recordItems(accountId: string, signal: Signal, accepted: number, rejected: number): void {
    const s = this.#get(accountId);
    if (s === undefined) return;
    s.accepted[FIELD[signal]] += accepted;
    s.rejected[FIELD[signal]] += rejected;
  }

  recordThrottled(accountId: string): void {
    const s = this.#get(accountId);
    if (s !== undefined) s.throttledRequests++;
  }

  recordDenied(accountId: string): void {
    const s = this.#get(accountId);
    if (s !== undefined) s.deniedRequests++;
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
