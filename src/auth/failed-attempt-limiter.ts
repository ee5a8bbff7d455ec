/**
 * Counts failed logins per client address in a fixed window and blocks an address that reaches the
 * limit until its window ends: online password guessing is slowed to `maxFailures` per window.
 */
export interface FailedAttemptLimiter {
  /** Whether the address may try now; when not, how long it must wait. */
  check(address: string): { ok: true } | { ok: false; retryAfterSeconds: number };
  recordFailure(address: string): void;
}

export interface FailedAttemptLimiterOptions {
  maxFailures?: number;
  windowMs?: number;
  /** Clock in ms. */
  now?: () => number;
  /** Addresses tracked at once; the oldest windows are dropped first so memory stays bounded. */
  maxAddresses?: number;
}

export function createFailedAttemptLimiter(options: FailedAttemptLimiterOptions = {}): FailedAttemptLimiter {
  const maxFailures = options.maxFailures ?? 10;
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  const maxAddresses = options.maxAddresses ?? 10_000;
  const windows = new Map<string, { startMs: number; failures: number }>();

  const current = (address: string, nowMs: number): { startMs: number; failures: number } | undefined => {
    const w = windows.get(address);
    if (w !== undefined && nowMs - w.startMs >= windowMs) {
      windows.delete(address);
      return undefined;
    }
    return w;
  };

  return {
    check(address) {
      const nowMs = now();
      const w = current(address, nowMs);
      if (w === undefined || w.failures < maxFailures) return { ok: true };
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((w.startMs + windowMs - nowMs) / 1000)) };
    },
    recordFailure(address) {
      const nowMs = now();
      const w = current(address, nowMs);
      if (w !== undefined) {
        w.failures++;
        return;
      }
      if (windows.size >= maxAddresses) {
        const oldest = windows.keys().next();
        if (oldest.done !== true) windows.delete(oldest.value);
      }
      windows.set(address, { startMs: nowMs, failures: 1 });
    },
  };
}
