import type { HistoryPoint, ItemCounts, StatsHistory } from '../api/types.js';
import { nsToMs } from './time.js';

export const sumItems = (c: ItemCounts | undefined): number => (c === undefined ? 0 : c.spans + c.dataPoints + c.logRecords);

/** Per-second rates of one account's history: counts per step divided by the step. */
export function ratesOf(points: readonly HistoryPoint[], stepSeconds: number, pick: (p: HistoryPoint) => number): (number | null)[] {
  const step = Math.max(1, stepSeconds);
  return points.map((p) => pick(p) / step);
}

export function xOf(points: readonly HistoryPoint[]): number[] {
  return points.map((p) => nsToMs(p.timeUnixNano) / 1000);
}

/** Sums `rejectedByRule` over a window of history points. */
export function rulesInWindow(history: StatsHistory | undefined, accountId: string): Map<string, number> {
  const out = new Map<string, number>();
  const series = history?.series.find((s) => s.accountId === accountId);
  for (const p of series?.points ?? []) {
    for (const [rule, n] of Object.entries(p.rejectedByRule ?? {})) out.set(rule, (out.get(rule) ?? 0) + n);
  }
  return out;
}
