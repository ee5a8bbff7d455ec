import { canRead } from '../../access/index.js';
import { badRequest, ok } from '../api-reply.js';
import type { ConsoleRoute } from '../api-router.js';
import { QueryReader } from '../query-reader.js';
import type { ConsoleDeps } from './console-deps.js';

/**
 * `GET /api/alerts[?state=firing|resolved]`. A viewer sees the alerts on its own accounts only:
 * process alerts are computed over every account's instances, so they are the admin's.
 */
export function alertsRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    {
      method: 'GET',
      path: '/api/alerts',
      access: 'read',
      handler({ query, principal }) {
        const q = new QueryReader(query);
        const state = q.oneOf('state', ['firing', 'resolved'] as const);
        if (q.error !== undefined) return badRequest(q.error);
        const alerts = (deps.alerts?.list() ?? []).filter((a) => {
          if (state !== undefined && a.state !== state) return false;
          if (principal.role === 'admin') return true;
          const account = a.labels['account'];
          return account !== undefined && canRead(principal, account);
        });
        return ok({ alerts });
      },
    },
  ];
}
