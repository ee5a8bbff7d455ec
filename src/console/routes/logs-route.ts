import { ok } from '../api-reply.js';
import type { ConsoleRoute } from '../api-router.js';
import { QueryReader } from '../query-reader.js';
import type { ConsoleDeps } from './console-deps.js';
import { givenOnly, readScope, storeHandler, TRACE_ID } from './read-route.js';

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
      handler: storeHandler(deps, async (store, { query, principal }) => {
        const q = new QueryReader(query);
        const since = q.nanos('since');
        const until = q.nanos('until');
        const account = q.string('account', 64);
        const source = q.string('source', 256);
        const service = q.string('service', 256);
        const contains = q.string('contains', 1024);
        const traceId = q.string('traceId', 64);
        if (traceId !== undefined && !TRACE_ID.test(traceId)) q.fail('traceId must be 32 hex characters');
        const minSeverity = q.int('minSeverity', { min: 1, max: 24 });
        const limit = q.int('limit', { min: 1, max: MAX_LOG_LIMIT, def: 100 });
        q.ordered(since, until);
        const scope = readScope(q, principal, account);
        if (!scope.ok) return scope.reply;
        const logs = await store.queryLogs({
          ...givenOnly({ account, accounts: scope.accounts, source, service, contains, traceId: traceId?.toLowerCase(), minSeverity, since, until }),
          limit,
        });
        return ok({ logs });
      }),
    },
  ];
}
