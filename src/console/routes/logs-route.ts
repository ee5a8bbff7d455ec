import { scopeAccounts } from '../../access/index.js';
import { badRequest, forbidden, ok } from '../api-reply.js';
import type { ConsoleRoute } from '../api-router.js';
import { QueryReader } from '../query-reader.js';
import { STORE_DISABLED, type ConsoleDeps } from './console-deps.js';

export const MAX_LOG_LIMIT = 1000;

/**
 * `GET /api/logs`: newest first. Paging: pass the last row's `timeUnixNano` as `until` (exclusive).
 * No default window: without `since`/`until` the newest records of any time are listed.
 */
export function logsRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    {
      method: 'GET',
      path: '/api/logs',
      access: 'read',
      async handler({ query, principal }) {
        const store = deps.store;
        if (store === undefined) return STORE_DISABLED;
        const q = new QueryReader(query);
        const since = q.nanos('since');
        const until = q.nanos('until');
        const account = q.string('account', 64);
        const source = q.string('source', 256);
        const service = q.string('service', 256);
        const contains = q.string('contains', 1024);
        const traceId = q.string('traceId', 64);
        if (traceId !== undefined && !/^[0-9a-fA-F]{32}$/.test(traceId)) q.fail('traceId must be 32 hex characters');
        const minSeverity = q.int('minSeverity', { min: 1, max: 24 });
        const limit = q.int('limit', { min: 1, max: MAX_LOG_LIMIT, def: 100 });
        if (since !== undefined && until !== undefined && since >= until) q.fail('since must be before until');
        if (q.error !== undefined) return badRequest(q.error);
        const scope = scopeAccounts(principal, account);
        if (!scope.ok) return forbidden(`this token cannot read account ${scope.account}`);
        const logs = await store.queryLogs({
          ...(account === undefined ? {} : { account }),
          ...(scope.accounts === undefined ? {} : { accounts: scope.accounts }),
          ...(source === undefined ? {} : { source }),
          ...(service === undefined ? {} : { service }),
          ...(contains === undefined ? {} : { contains }),
          ...(traceId === undefined ? {} : { traceId: traceId.toLowerCase() }),
          ...(minSeverity === undefined ? {} : { minSeverity }),
          ...(since === undefined ? {} : { since }),
          ...(until === undefined ? {} : { until }),
          limit,
        });
        return ok({ logs });
      },
    },
  ];
}
