import { readJsonBody } from '../http-util.js';
import { apiError, badRequest, notFound, ok } from '../api-reply.js';
import type { ConsoleRoute } from '../api-router.js';
import type { ConsoleDeps } from './console-deps.js';

const ACCOUNT_ID = /^[a-z0-9-]{1,64}$/;
const MAX_NAME_CHARS = 200;
const MAX_ACCOUNTS = 100;
const USAGE = 'body must be {"name": string (1-200 characters), "accounts": [account id, …] (1-100 ids)}';

/** Viewer tokens (DESIGN "Per-account read access"): admin only. The secret is shown once, at creation. */
export function tokensRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    {
      method: 'POST',
      path: '/api/tokens',
      access: 'admin',
      async handler({ req }) {
        const body = await readJsonBody(req);
        if (!body.ok) return badRequest(body.message);
        const v = body.value;
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return badRequest(USAGE);
        const { name, accounts, ...rest } = v as Record<string, unknown>;
        const unknownKeys = Object.keys(rest);
        if (unknownKeys.length > 0) return badRequest(`unknown field ${unknownKeys.map((k) => `'${k}'`).join(', ')}; ${USAGE}`);
        if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME_CHARS) return badRequest(USAGE);
        if (!Array.isArray(accounts) || accounts.length === 0 || accounts.length > MAX_ACCOUNTS) return badRequest(USAGE);
        for (const a of accounts) {
          if (typeof a !== 'string' || !ACCOUNT_ID.test(a)) {
            return badRequest(`account ids are 1-64 characters of a-z, 0-9 and '-', got ${JSON.stringify(a).slice(0, 80)}`);
          }
        }
        const created = deps.tokens.create({ name: name.trim(), accounts: accounts as string[] });
        if (!created.ok) return apiError('E2E_CONFLICT', created.message);
        return ok({ ...created.token, token: created.secret }, 201);
      },
    },
    {
      method: 'GET',
      path: '/api/tokens',
      access: 'admin',
      handler: () => ok({ tokens: deps.tokens.list() }),
    },
    {
      method: 'DELETE',
      path: '/api/tokens/:id',
      access: 'admin',
      handler({ params }) {
        const id = params['id'] ?? '';
        return deps.tokens.delete(id) ? ok({ id, deleted: true }) : notFound(`viewer token ${id} not found`);
      },
    },
  ];
}
