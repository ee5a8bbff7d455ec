import { withQuery } from '../api/client.js';
import type { AccountStats, StatsHistory } from '../api/types.js';
import { stepSecondsFor, useTimeRange, type TimeRange } from './time-range.js';
import { useApi, type ApiState } from './use-api.js';

export interface AccountStatsState {
  range: TimeRange;
  stepSeconds: number;
  /** Running totals of every account the token reads (`/api/stats`, polled). */
  stats: ApiState<{ accounts: AccountStats[] }>;
  /** History over `range` in steps of `stepSeconds`: of `account`, or of every account read. */
  history: ApiState<StatsHistory>;
  /** Pins the range to a new "now" and reloads the totals. */
  refresh: () => void;
}

/** What the accounts pages read: the URL's time range (default the last hour), running totals and history. */
export function useAccountStats(query: Record<string, string>, account?: string): AccountStatsState {
  const { range, refresh } = useTimeRange(query, '1h', 30_000);
  const stats = useApi<{ accounts: AccountStats[] }>('/api/stats', 15_000);
  const stepSeconds = stepSecondsFor(range);
  const history = useApi<StatsHistory>(withQuery('/api/stats/history', { account, since: range.sinceNs, until: range.untilNs, stepSeconds }));
  return {
    range,
    stepSeconds,
    stats,
    history,
    refresh: () => {
      refresh();
      stats.reload();
    },
  };
}
