import { ok } from '../api-reply.js';
import type { ConsoleRoute } from '../api-router.js';

/** `GET /api/whoami`: which token the console holds, so the UI can say so (CONSOLE-API.md). */
export function whoamiRoutes(): ConsoleRoute[] {
  return [
    {
      method: 'GET',
      path: '/api/whoami',
      access: 'read',
      handler: ({ principal }) =>
        principal.role === 'admin'
          ? ok({ role: 'admin', name: null, accounts: null })
          : ok({ role: 'viewer', name: principal.name, accounts: [...principal.accounts] }),
    },
  ];
}
