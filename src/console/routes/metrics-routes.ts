import { ok } from '../api-reply.js';
import type { ConsoleRoute } from '../api-router.js';
import { QueryReader } from '../query-reader.js';
import type { ConsoleDeps } from './console-deps.js';
import { givenOnly, readScope, storeHandler } from './read-route.js';

export const MAX_METRIC_POINTS = 100_000;

/** `GET /api/metrics` (points of matching series) and `GET /api/metrics/names` (for the metric picker). */
export function metricsRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    {
      method: 'GET',
      path: '/api/metrics',
      access: 'read',
      handler: storeHandler(deps, async (store, { query, principal }) => {
        const q = new QueryReader(query);
        const since = q.nanos('since');
        const until = q.nanos('until');
        const name = q.string('name', 1024);
        const account = q.string('account', 64);
        const limit = q.int('limit', { min: 1, max: MAX_METRIC_POINTS, def: 10_000 });
        q.ordered(since, until);
        const scope = readScope(q, principal, account);
        if (!scope.ok) return scope.reply;
        const series = await store.queryMetrics({ ...givenOnly({ name, account, accounts: scope.accounts, since, until }), limit });
        return ok({ series });
      }),
    },
    {
      method: 'GET',
      path: '/api/metrics/names',
      access: 'read',
      handler: storeHandler(deps, async (store, { query, principal }) => {
        const q = new QueryReader(query);
        const account = q.string('account', 64);
        const scope = readScope(q, principal, account);
        if (!scope.ok) return scope.reply;
        return ok({ names: await store.metricNames(givenOnly({ accounts: scope.only })) });
      }),
    },
  ];
}
