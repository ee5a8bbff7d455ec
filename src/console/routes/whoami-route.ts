import type { Principal } from '../../access/index.js';
import { ok } from '../api-reply.js';
import type { ConsoleRoute } from '../api-router.js';

/** What `GET /api/whoami` answers: the admin token has no name and reads every account (null). */
export interface WhoAmI {
  role: Principal['role'];
  name: string | null;
  accounts: string[] | null;
}

/** `GET /api/whoami`: which token the console holds, so the UI can say so (CONSOLE-API.md). */
export function whoamiRoutes(): ConsoleRoute[] {
  return [
    {
      method: 'GET',
      path: '/api/whoami',
      access: 'read',
      handler: ({ principal }) =>
        principal.role === 'admin'
          ? ok({ role: 'admin', name: null, accounts: null } satisfies WhoAmI)
          : ok({ role: 'viewer', name: principal.name, accounts: [...principal.accounts] } satisfies WhoAmI),
    },
  ];
}
