import type { IncomingMessage, ServerResponse } from 'node:http';
import Router from 'find-my-way';
import type { Principal } from '../access/index.js';
import { apiError, badRequest, type ApiReply } from './api-reply.js';
import { malformedQuery } from './query-reader.js';
import { sendJson } from './http-util.js';

/** Who may call a route: `admin` only, or any reader (`read`: admin, or a viewer within its accounts). */
export type RouteAccess = 'admin' | 'read';
export type ApiMethod = 'GET' | 'POST' | 'DELETE';

export interface ApiRequest {
  req: IncomingMessage;
  /** Path parameters, percent-decoded. */
  params: Readonly<Record<string, string | undefined>>;
  query: URLSearchParams;
  principal: Principal;
}

export type ApiHandler = (request: ApiRequest) => Promise<ApiReply> | ApiReply;

export interface ConsoleRoute {
  method: ApiMethod;
  /** find-my-way path, e.g. `/api/processes/:name/instances/:key`. */
  path: string;
  access: RouteAccess;
  handler: ApiHandler;
}

/**
 * Handlers of the older `(req, res, url) => handled` shape (the accounts admin API in
 * src/hub/security.ts); tried, admin only, for `/api/*` paths no registered route matches.
 */
export type ApiRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export interface ApiRouterOptions {
  routes: readonly ConsoleRoute[];
  legacyRoutes?: readonly ApiRoute[];
  /** The caller of a request by its bearer token, or undefined when the token is missing or wrong. */
  authenticate(req: IncomingMessage): Principal | undefined;
}

export interface ApiRouter {
  /** Answers an `/api/*` request; false (nothing written) for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

const METHODS: readonly ApiMethod[] = ['GET', 'POST', 'DELETE'];
/**
 * Longest path parameter find-my-way matches; handlers apply their own, smaller limits (a business
 * key, a trace id) so that an over-long one is a 400 naming the limit rather than a 404.
 */
const MAX_PARAM_CHARS = 8192;

interface RouteStore {
  route: ConsoleRoute;
}

/**
 * The console's `/api/*` dispatcher: a find-my-way radix router (as fastify uses), bearer
 * authentication before routing (so an unauthenticated caller learns nothing about routes),
 * 405 with `Allow` for a known path under another method, 403 for a viewer outside the read routes,
 * and 400 for a path or query string with malformed percent-encoding.
 */
export function createApiRouter(options: ApiRouterOptions): ApiRouter {
  const router = Router({ ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_CHARS });
  for (const route of options.routes) {
    const store: RouteStore = { route };
    router.on(route.method, route.path, () => undefined, store);
  }

  const write = (res: ServerResponse, reply: ApiReply): void => {
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
    sendJson(res, reply.status, reply.body);
  };

  return {
    async handle(req, res) {
      const raw = req.url ?? '/';
      const q = raw.indexOf('?');
      const path = q === -1 ? raw : raw.slice(0, q);
      if (path !== '/api' && !path.startsWith('/api/')) return false;

      const principal = options.authenticate(req);
      if (principal === undefined) {
        write(res, apiError('E2E_UNAUTHENTICATED', 'the token is wrong or expired', { 'www-authenticate': 'Bearer' }));
        return true;
      }
      const rawQuery = q === -1 ? '' : raw.slice(q + 1);
      try {
        decodeURIComponent(path);
      } catch {
        write(res, badRequest('malformed percent-encoding in the path'));
        return true;
      }
      const queryProblem = malformedQuery(rawQuery);
      if (queryProblem !== undefined) {
        write(res, badRequest(queryProblem));
        return true;
      }

      const method = req.method ?? 'GET';
      const found = METHODS.includes(method as ApiMethod) ? router.find(method as ApiMethod, path) : null;
      if (found === null) {
        const allowed = METHODS.filter((m) => router.find(m, path) !== null);
        if (allowed.length > 0) {
          write(res, apiError('E2E_METHOD_NOT_ALLOWED', `${method} ${path} is not supported; use ${allowed.join(' or ')}`, { allow: allowed.join(', ') }));
          return true;
        }
        if (principal.role !== 'admin') {
          write(res, apiError('E2E_FORBIDDEN', 'a viewer token cannot use this route'));
          return true;
        }
        const url = new URL(raw, 'http://console');
        for (const legacy of options.legacyRoutes ?? []) {
          if (await legacy(req, res, url)) return true;
        }
        write(res, apiError('E2E_NOT_FOUND', `no route ${path}`));
        return true;
      }

      const { route } = found.store as RouteStore;
      if (route.access === 'admin' && principal.role !== 'admin') {
        write(res, apiError('E2E_FORBIDDEN', 'a viewer token cannot use this route'));
        return true;
      }
      const reply = await route.handler({ req, params: found.params, query: new URLSearchParams(rawQuery), principal });
      write(res, reply);
      return true;
    },
  };
}
