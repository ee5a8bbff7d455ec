import { canRead } from '../../access/index.js';
import { emptyStats, UNKNOWN_ACCOUNT, type AccountInfo, type AccountStats, type HistorySeries } from '../../stats/index.js';
import { notFound, ok } from '../api-reply.js';
import type { ConsoleRoute } from '../api-router.js';
import { QueryReader } from '../query-reader.js';
import { MAX_WINDOW_SECONDS, nowNsOf, type ConsoleDeps } from './console-deps.js';
import { checkPointCount, givenOnly, readScope } from './read-route.js';

export const MIN_HISTORY_STEP_SECONDS = 10;

/** An account as `GET /api/stats` lists it: its running totals and what the registry and limiter say. */
export type AccountStatsView = AccountStats & AccountInfo;

/** What `GET /api/stats/history` answers. */
export interface StatsHistoryReply {
  stepSeconds: number;
  series: HistorySeries[];
}

/** `GET /api/stats` (running totals with plan, status, quota, last seen, rejections by rule) and `GET /api/stats/history`. */
export function statsRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    {
      method: 'GET',
      path: '/api/stats',
      access: 'read',
      async handler({ principal }) {
        const byId = new Map<string, AccountStats>();
        for (const s of deps.stats.list()) byId.set(s.accountId, s);
        for (const id of deps.accountInfo?.accountIds() ?? []) {
          if (!byId.has(id)) byId.set(id, emptyStats(id));
        }
        const visible = [...byId.values()].filter((s) => canRead(principal, s.accountId)).sort((a, b) => a.accountId.localeCompare(b.accountId));
        const accounts: AccountStatsView[] = [];
        for (const s of visible) {
          const info = deps.accountInfo === undefined ? UNKNOWN_ACCOUNT : await deps.accountInfo.describe(s.accountId);
          accounts.push({ ...s, plan: info.plan, status: info.status, quota: info.quota });
        }
        return ok({ accounts });
      },
    },
    {
      method: 'GET',
      path: '/api/stats/history',
      access: 'read',
      async handler({ query, principal }) {
        const history = deps.history;
        if (history === undefined) return notFound('stats history is not kept by this hub');
        const q = new QueryReader(query);
        const account = q.string('account', 64);
        const stepSeconds = q.int('stepSeconds', { min: MIN_HISTORY_STEP_SECONDS, max: MAX_WINDOW_SECONDS, def: 60 });
        const { since, until } = q.window(nowNsOf(deps), 3600, MAX_WINDOW_SECONDS);
        // The history's buckets start at multiples of the step: the first one may begin before `since`.
        const stepNs = BigInt(stepSeconds) * 1_000_000_000n;
        checkPointCount(q, (since / stepNs) * stepNs, until, stepSeconds);
        const scope = readScope(q, principal, account);
        if (!scope.ok) return scope.reply;
        const series = await history.query({ ...givenOnly({ accounts: scope.only }), since, until, stepSeconds });
        return ok({ stepSeconds, series } satisfies StatsHistoryReply);
      },
    },
  ];
}
