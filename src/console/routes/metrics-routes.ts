import { scopeAccounts } from '../../access/index.js';
import { badRequest, forbidden, ok } from '../api-reply.js';
import type { ConsoleRoute } from '../api-router.js';
import { QueryReader } from '../query-reader.js';
import { STORE_DISABLED, type ConsoleDeps } from './console-deps.js';

export const MAX_METRIC_POINTS = 100_000;

/** `GET /api/metrics` (points of matching series) and `GET /api/metrics/names` (for the metric picker). */
export function metricsRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    {
      method: 'GET',
      path: '/api/metrics',
      access: 'read',
      async handler({ query, principal }) {
        const store = deps.store;
        if (store === undefined) return STORE_DISABLED;
        const q = new QueryReader(query);
        const since = q.nanos('since');
        const until = q.nanos('until');
        const name = q.string('name', 1024);
        const account = q.string('account', 64);
        const limit = q.int('limit', { min: 1, max: MAX_METRIC_POINTS, def: 10_000 });
        if (since !== undefined && until !== undefined && since >= until) q.fail('since must be before until');
        if (q.error !== undefined) return badRequest(q.error);
        const scope = scopeAccounts(principal, account);
        if (!scope.ok) return forbidden(`this token cannot read account ${scope.account}`);
        const series = await store.queryMetrics({
          ...(name === undefined ? {} : { name }),
          ...(account === undefined ? {} : { account }),
          ...(scope.accounts === undefined ? {} : { accounts: scope.accounts }),
          ...(since === undefined ? {} : { since }),
          ...(until === undefined ? {} : { until }),
          limit,
        });
        return ok({ series });
      },
    },
    {
      method: 'GET',
      path: '/api/metrics/names',
      access: 'read',
      async handler({ query, principal }) {
        const store = deps.store;
        if (store === undefined) return STORE_DISABLED;
        const q = new QueryReader(query);
        const account = q.string('account', 64);
        if (q.error !== undefined) return badRequest(q.error);
        const scope = scopeAccounts(principal, account);
        if (!scope.ok) return forbidden(`this token cannot read account ${scope.account}`);
        const accounts = account !== undefined ? [account] : scope.accounts;
        return ok({ names: await store.metricNames(accounts === undefined ? {} : { accounts }) });
      },
    },
  ];
}
