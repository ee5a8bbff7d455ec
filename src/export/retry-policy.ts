/**
 * Retry policy as pure functions, shared by every exporter and the agent's hub sender.
 * OTLP/HTTP (spec "Retryable Response Codes") retries only 429, 502, 503 and 504; Prometheus
 * remote write (spec 1.0) retries every 5xx and 429. Everything else is the backend rejecting the
 * data itself, so retrying it would only block the queue.
 */

/** Which protocol's rules decide retryability. */
export type RetryProtocol = 'otlp' | 'remote-write';

const OTLP_RETRYABLE = new Set([429, 502, 503, 504]);

/**
 * True when a response status (or a network error: `undefined`, no status at all) is worth retrying.
 */
export function isRetryableStatus(status: number | undefined, protocol: RetryProtocol = 'otlp'): boolean {
  if (status === undefined) return true;
  if (protocol === 'remote-write') return status === 429 || (status >= 500 && status <= 599);
  return OTLP_RETRYABLE.has(status);
}

/** Upper bound on a server-requested wait: a bogus `Retry-After: 99999999` must not park an exporter for days. */
export const MAX_RETRY_AFTER_MS = 10 * 60 * 1000;

/**
 * Parses a `Retry-After` header value: delta-seconds (`"120"`) or an HTTP-date, relative to `nowMs`.
 * Returns milliseconds (>= 0, capped at `maxMs`), or undefined when absent or invalid.
 */
export function parseRetryAfterMs(
  headerValue: string | readonly string[] | undefined,
  nowMs: number,
  maxMs: number = MAX_RETRY_AFTER_MS,
): number | undefined {
  const raw = typeof headerValue === 'string' ? headerValue : headerValue?.[0];
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (value === '') return undefined;
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    return Math.min(seconds * 1000, maxMs);
  }
  // HTTP-date (IMF-fixdate and the obsolete forms Date.parse also understands); digits-only values
  // were handled above so a bare year is never read as a date.
  if (!/[A-Za-z]/.test(value)) return undefined;
  const atMs = Date.parse(value);
  if (Number.isNaN(atMs)) return undefined;
  return Math.min(Math.max(0, atMs - nowMs), maxMs);
}

export interface BackoffOptions {
  /** Ceiling of the first retry's wait. */
  initialMs: number;
  /** Ceiling of any wait. */
  maxMs: number;
  /** Uniform [0, 1) source; injectable so tests are deterministic. Default Math.random. */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter (wait uniformly in [0, min(maxMs, initialMs * 2^attempt))),
 * which spreads the retries of many senders after a shared outage. `attempt` counts from 0.
 */
export function backoffMs(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 52);
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}
