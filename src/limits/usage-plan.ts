/** A usage plan, as API Gateway's: request rate and burst, byte rate, and a request quota. */
export interface UsagePlan {
  /** Steady request rate; 0 = no request-rate limit. */
  requestsPerSecond: number;
  /** Token-bucket capacity: requests allowed at once after a quiet spell. */
  burst: number;
  /** Steady byte rate (wire bytes); 0 = no byte limit. */
  bytesPerSecond: number;
  /** Requests per UTC period; limit 0 = no quota. */
  quota: { limit: number; period: QuotaPeriod };
}

export type QuotaPeriod = 'day' | 'week' | 'month';

export type LimitReason = 'rate' | 'bytes' | 'quota';

export type LimitOutcome =
  | { ok: true }
  | { ok: false; reason: LimitReason; retryAfterSeconds: number; message: string };

/** Admits or throttles one request of `bytes` wire bytes for an account under its plan. */
export interface UsagePlanLimiter {
  take(accountId: string, plan: UsagePlan, bytes: number): Promise<LimitOutcome>;
  /** Requests counted against the quota in the current period (console stats); undefined when unknown. */
  quotaUsed?(accountId: string, plan: UsagePlan): Promise<number | undefined>;
  /** Releases connections (the shared Redis limiter). */
  close?(): Promise<void>;
}
