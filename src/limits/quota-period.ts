import type { QuotaPeriod } from './usage-plan.js';

const DAY_MS = 86_400_000;

/**
 * The UTC period containing `nowMs`: a day from midnight, an ISO week from Monday midnight, a
 * calendar month from its first day. Quotas reset at `endMs`.
 */
export function quotaPeriodBounds(period: QuotaPeriod, nowMs: number): { startMs: number; endMs: number } {
  const d = new Date(nowMs);
  const dayStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  switch (period) {
    case 'day':
      return { startMs: dayStart, endMs: dayStart + DAY_MS };
    case 'week': {
      const daysSinceMonday = (d.getUTCDay() + 6) % 7;
      const startMs = dayStart - daysSinceMonday * DAY_MS;
      return { startMs, endMs: startMs + 7 * DAY_MS };
    }
    case 'month':
      return { startMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), endMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
  }
}

export interface QuotaState {
  period: QuotaPeriod;
  periodStartMs: number;
  used: number;
}

export type QuotaResult =
  | { ok: true; state: QuotaState }
  | { ok: false; state: QuotaState; resetMs: number };

/** Counts one request against the quota; a new period (or a changed period kind) starts from zero. */
export function takeQuota(state: QuotaState | undefined, period: QuotaPeriod, limit: number, nowMs: number): QuotaResult {
  const { startMs, endMs } = quotaPeriodBounds(period, nowMs);
  const current: QuotaState =
    state !== undefined && state.period === period && state.periodStartMs === startMs ? state : { period, periodStartMs: startMs, used: 0 };
  if (current.used >= limit) return { ok: false, state: current, resetMs: endMs };
  return { ok: true, state: { ...current, used: current.used + 1 } };
}
