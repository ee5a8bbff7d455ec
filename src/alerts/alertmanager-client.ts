import type { Logger } from 'pino';

/** An alert as Alertmanager's `POST /api/v2/alerts` takes it (postableAlert). */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

export type PostOutcome = 'sent' | 'failed';

export interface AlertmanagerClientOptions {
  /** Alertmanager's base URL, e.g. http://alertmanager:9093. */
  url: string;
  timeoutMs: number;
  headers?: Record<string, string>;
  logger: Logger;
  /** Attempts per post (first try included); default 3. */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt, with jitter. Default 500 ms. */
  baseDelayMs?: number;
}

export interface AlertmanagerClient {
  /** Posts the alerts; never throws. Retries connection errors, 429 and 5xx with backoff. */
  post(alerts: readonly AlertmanagerAlert[]): Promise<PostOutcome>;
}

/** True for answers worth retrying: overload (429) and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/** Backoff before attempt `attempt` (1-based retries): base × 2^(attempt-1), ±25% jitter. */
export function backoffMs(attempt: number, baseDelayMs: number, random: () => number = Math.random): number {
  const d = baseDelayMs * 2 ** (attempt - 1);
  return Math.round(d * (0.75 + random() * 0.5));
}

/**
 * Alertmanager's v2 API over Node's built-in fetch (undici inside Node: no extra dependency for one
 * JSON POST; its AbortSignal.timeout bounds each attempt). Outcomes are returned, never thrown, and
 * the engine awaits the post on its own timer, so an Alertmanager that is down or slow delays only
 * the next evaluation, never ingest or the console.
 */
export function createAlertmanagerClient(options: AlertmanagerClientOptions): AlertmanagerClient {
  // Keeps a base path (Alertmanager behind a prefix, e.g. http://proxy/alertmanager).
  const endpoint = new URL(options.url);
  endpoint.pathname = `${endpoint.pathname.replace(/\/+$/, '')}/api/v2/alerts`;
  const maxAttempts = options.maxAttempts ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 500;
  return {
    async post(alerts) {
      if (alerts.length === 0) return 'sent';
      const body = JSON.stringify(alerts);
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        let retryable = true;
        try {
          const res = await fetch(endpoint, {
            method: 'POST',
            headers: { ...options.headers, 'content-type': 'application/json' },
            body,
            signal: AbortSignal.timeout(options.timeoutMs),
          });
          const text = await res.text().catch(() => '');
          if (res.ok) return 'sent';
          retryable = isRetryableStatus(res.status);
          options.logger.warn({ status: res.status, body: text.slice(0, 500), attempt, alertmanager: endpoint.origin }, 'alertmanager refused alerts');
        } catch (err) {
          options.logger.warn({ err: err instanceof Error ? err.message : String(err), attempt, alertmanager: endpoint.origin }, 'alertmanager not reachable');
        }
        if (!retryable || attempt === maxAttempts) break;
        await new Promise((r) => setTimeout(r, backoffMs(attempt, baseDelayMs)));
      }
      return 'failed';
    },
  };
}
