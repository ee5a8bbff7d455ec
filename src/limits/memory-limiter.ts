import { quotaPeriodBounds, takeQuota } from './quota-period.js';
import type { QuotaState } from './quota-period.js';
import { refillBucket, retryAfterSecondsFor, takeTokens } from './token-bucket.js';
import type { BucketState } from './token-bucket.js';
import type { LimitOutcome, UsagePlan, UsagePlanLimiter } from './usage-plan.js';

export interface MemoryLimiterOptions {
  /** Clock in ms. */
  now?: () => number;
  /**
   * Accounts tracked at once; the least recently seen is dropped beyond this. Dropping refills its
   * buckets (harmless: an idle bucket is full anyway) but also restarts its quota count, so the bound
   * sits far above any real number of accounts.
   */
  maxAccounts?: number;
}

interface AccountLimits {
  requests: BucketState | undefined;
  bytes: BucketState | undefined;
  quota: QuotaState | undefined;
}

/**
 * One hub's usage-plan limiter. Requests: a token bucket of capacity `burst` refilled at
 * `requestsPerSecond` (API Gateway's semantics). Bytes: a bucket of capacity `bytesPerSecond`
 * (one second's worth) refilled at that rate; a request needs min(its bytes, capacity) tokens and
 * pays all its bytes, so a body larger than a second's allowance passes when the bucket is full and
 * the debt delays the next ones. Quota: requests per UTC day / ISO week / calendar month.
 * A throttled request consumes nothing. Checks run quota first, so a sender told to wait for the
 * quota reset is not first told to retry in a second.
 */
export function createMemoryLimiter(options: MemoryLimiterOptions = {}): UsagePlanLimiter {
  const now = options.now ?? Date.now;
  const maxAccounts = options.maxAccounts ?? 100_000;
  const accounts = new Map<string, AccountLimits>();

  const stateOf = (accountId: string): AccountLimits => {
    let state = accounts.get(accountId);
    if (state === undefined) {
      state = { requests: undefined, bytes: undefined, quota: undefined };
      if (accounts.size >= maxAccounts) {
        const oldest = accounts.keys().next();
        if (oldest.done !== true) accounts.delete(oldest.value);
      }
    } else {
      // Map order is insertion order: re-inserting makes this the most recently seen account.
      accounts.delete(accountId);
    }
    accounts.set(accountId, state);
    return state;
  };

  const take = (accountId: string, plan: UsagePlan, bytes: number): LimitOutcome => {
    const nowMs = now();
    const state = stateOf(accountId);

    let quota: QuotaState | undefined;
    if (plan.quota.limit > 0) {
      const q = takeQuota(state.quota, plan.quota.period, plan.quota.limit, nowMs);
      if (!q.ok) {
        state.quota = q.state;
        return {
          ok: false,
          reason: 'quota',
          retryAfterSeconds: retryAfterSecondsFor(q.resetMs - nowMs),
          message: `Limit Exceeded: account '${accountId}' used its quota of ${plan.quota.limit} requests per ${plan.quota.period}; it resets at ${new Date(q.resetMs).toISOString()}`,
        };
      }
      quota = q.state;
    }

    let requests: BucketState | undefined;
    if (plan.requestsPerSecond > 0) {
      const capacity = Math.max(1, plan.burst);
      const refilled = refillBucket(state.requests, nowMs, capacity, plan.requestsPerSecond);
      state.requests = refilled;
      const r = takeTokens(refilled, 1, 1, plan.requestsPerSecond);
      if (!r.ok) {
        return {
          ok: false,
          reason: 'rate',
          retryAfterSeconds: retryAfterSecondsFor(r.waitMs),
          message: `Too Many Requests: account '${accountId}' exceeds ${plan.requestsPerSecond} requests per second (burst ${capacity})`,
        };
      }
      requests = r.state;
    }

    let byteBucket: BucketState | undefined;
    if (plan.bytesPerSecond > 0) {
      const capacity = plan.bytesPerSecond;
      const refilled = refillBucket(state.bytes, nowMs, capacity, plan.bytesPerSecond);
      state.bytes = refilled;
      const cost = Math.max(0, bytes);
      const b = takeTokens(refilled, cost, Math.min(cost, capacity), plan.bytesPerSecond);
      if (!b.ok) {
        return {
          ok: false,
          reason: 'bytes',
          retryAfterSeconds: retryAfterSecondsFor(b.waitMs),
          message: `Too Many Requests: account '${accountId}' exceeds ${plan.bytesPerSecond} bytes per second`,
        };
      }
      byteBucket = b.state;
    }

    // Every check passed: only now is anything consumed.
    if (quota !== undefined) state.quota = quota;
    if (requests !== undefined) state.requests = requests;
    if (byteBucket !== undefined) state.bytes = byteBucket;
    return { ok: true };
  };

  return {
    take: (accountId, plan, bytes) => Promise.resolve(take(accountId, plan, bytes)),
    quotaUsed(accountId, plan) {
      // Read without touching the LRU order: looking at stats must not keep an account alive.
      const q = accounts.get(accountId)?.quota;
      if (plan.quota.limit <= 0) return Promise.resolve(undefined);
      const { startMs } = quotaPeriodBounds(plan.quota.period, now());
      return Promise.resolve(q !== undefined && q.period === plan.quota.period && q.periodStartMs === startMs ? q.used : 0);
    },
  };
}
