/**
 * Token-bucket arithmetic as pure functions over plain numbers, so that a shared-store limiter
 * (Redis, in a Lua script) can mirror it line for line and replicas agree with the memory limiter.
 */
export interface BucketState {
  /** May go below zero: an admitted request larger than the bucket leaves a debt (see takeTokens). */
  tokens: number;
  updatedMs: number;
  /** Capacity and rate the tokens were counted with, to refill and rescale when the plan changes. */
  capacity: number;
  ratePerSecond: number;
}

/**
 * Brings a bucket to `nowMs`. A new bucket starts full. Time passed is refilled at the rate in force
 * during it; then, when the capacity changed (a new plan), the tokens are rescaled to the same
 * fraction of the new capacity: an upgraded account gets the extra headroom at once, a downgraded one
 * cannot keep more than its new burst.
 */
export function refillBucket(state: BucketState | undefined, nowMs: number, capacity: number, ratePerSecond: number): BucketState {
  if (state === undefined) return { tokens: capacity, updatedMs: nowMs, capacity, ratePerSecond };
  const elapsedMs = Math.max(0, nowMs - state.updatedMs);
  let tokens = Math.min(state.capacity, state.tokens + (elapsedMs * state.ratePerSecond) / 1000);
  if (state.capacity !== capacity && state.capacity > 0) tokens = (tokens * capacity) / state.capacity;
  return { tokens: Math.min(capacity, tokens), updatedMs: Math.max(nowMs, state.updatedMs), capacity, ratePerSecond };
}

export type TakeResult = { ok: true; state: BucketState } | { ok: false; state: BucketState; waitMs: number };

/**
 * Takes `cost` tokens if at least `required` are there (`required` <= capacity, so any single request
 * can pass once the bucket is full; a request costing more than the capacity leaves a debt that
 * refills at the plan's rate, keeping the long-run average at that rate). `waitMs` says when
 * `required` tokens will be there.
 */
export function takeTokens(state: BucketState, cost: number, required: number, ratePerSecond: number): TakeResult {
  if (state.tokens >= required) return { ok: true, state: { ...state, tokens: state.tokens - cost } };
  const waitMs = ratePerSecond > 0 ? ((required - state.tokens) * 1000) / ratePerSecond : Number.POSITIVE_INFINITY;
  return { ok: false, state, waitMs };
}

/** Whole seconds to wait (HTTP Retry-After), at least 1. */
export function retryAfterSecondsFor(waitMs: number): number {
  if (!Number.isFinite(waitMs)) return 3600;
  return Math.max(1, Math.ceil(waitMs / 1000));
}
