/**
 * Usage plans: per-account request rate, byte rate and quota, as API Gateway's usage plans. The
 * bucket and quota arithmetic is pure so a shared (Redis) limiter can mirror it.
 */
export { createMemoryLimiter } from './memory-limiter.js';
export type { MemoryLimiterOptions } from './memory-limiter.js';
export { refillBucket, takeTokens, retryAfterSecondsFor } from './token-bucket.js';
export type { BucketState, TakeResult } from './token-bucket.js';
export { quotaPeriodBounds, takeQuota } from './quota-period.js';
export type { QuotaState, QuotaResult } from './quota-period.js';
export type { UsagePlan, QuotaPeriod, LimitReason, LimitOutcome, UsagePlanLimiter } from './usage-plan.js';
export { createRedisLimiter } from './redis-limiter.js';
export { createKeyedRateLimiter } from './keyed-rate-limiter.js';
export type { KeyedRateLimiter, KeyedRateLimiterOptions } from './keyed-rate-limiter.js';
