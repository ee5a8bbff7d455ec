import { refillBucket, retryAfterSecondsFor, takeTokens } from './token-bucket.js';
import type { BucketState } from './token-bucket.js';

export interface KeyedRateLimiterOptions {
  /** Steady rate per key. */
  requestsPerMinute: number;
  /** Requests a key may make at once after a quiet spell (the bucket's capacity). */
  burstRequests: number;
  /** Keys tracked at once; the least recently seen is dropped beyond this (its bucket was full, or nearly). */
  maxKeys?: number;
  /** Clock in ms. */
  now?: () => number;
}

/** A token bucket per key (an account, a client address), in this process's memory. */
export interface KeyedRateLimiter {
  take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number };
}

export function createKeyedRateLimiter(options: KeyedRateLimiterOptions): KeyedRateLimiter {
  const ratePerSecond = options.requestsPerMinute / 60;
  const capacity = Math.max(1, options.burstRequests);
  const maxKeys = options.maxKeys ?? 100_000;
  const now = options.now ?? Date.now;
  const buckets = new Map<string, BucketState>();
  return {
    take(key) {
      const nowMs = now();
      const previous = buckets.get(key);
      // Map order is insertion order: re-inserting makes this the most recently seen key.
      if (previous !== undefined) buckets.delete(key);
      else if (buckets.size >= maxKeys) {
        const oldest = buckets.keys().next();
        if (oldest.done !== true) buckets.delete(oldest.value);
      }
      const r = takeTokens(refillBucket(previous, nowMs, capacity, ratePerSecond), 1, 1, ratePerSecond);
      buckets.set(key, r.state);
      return r.ok ? { ok: true } : { ok: false, retryAfterSeconds: retryAfterSecondsFor(r.waitMs) };
    },
  };
}
