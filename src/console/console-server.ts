import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Principal, ViewerTokenStore } from '../access/index.js';
import type { ProcessCatalog } from '../processes/index.js';
import type { AccountInfoProvider, AccountStats, StatsHistory } from '../stats/index.js';
import type { EmbeddedStore } from '../store/types.js';
import type { Registry } from 'prom-client';
import { bearerMatches, sendApiError, sendJson } from './http-util.js';
import { createStaticFiles, prefersHtml } from './static-files.js';
import {
  closeServer,
  createHttpServer,
  createRequestSlots,
  listenOn,
  parseRequestTarget,
  readinessReport,
  type HttpMetrics,
  type ReadinessContributor,
} from '../http/index.js';
import { createApiRouter, type ApiRoute } from './api-router.js';
import { consoleRoutes } from './routes/index.js';
import type { AlertView } from './routes/console-deps.js';

export type { ApiRoute } from './api-router.js';

export interface ConsoleServerOptions {
  host: string;
  port: number;
  adminToken: string;
  store: EmbeddedStore | undefined;
  stats: { list(): AccountStats[] };
  /** The registry /metrics renders. */
  metrics: { registry: Registry };
  logger: Logger;
  /**
   * `/readyz` asks each of these (keep them O(1)); 200 `{"status":"ready","checks":{…}}` when every
   * one is ready, else 503 with `"status":"not ready"` and each check's reasons.
   */
  readiness: Readonly<Record<string, ReadinessContributor>>;
  /** Connection limits (0 = none) and timeouts; defaults in CONSOLE_CONNECTION_DEFAULTS. */
  maxConnections?: number;
  maxConnectionsPerClient?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Connection metrics under server="console". */
  httpMetrics?: HttpMetrics;
  /** Admin-only `/api/*` handlers of the older shape (accounts admin); tried for paths no route matches. */
  apiRoutes?: ApiRoute[];
  /** Refreshes gauges (queue depth, export lag) before /metrics is rendered. */
  beforeMetrics?: () => void;
  /** Viewer tokens (DESIGN "Per-account read access"). */
  tokens: ViewerTokenStore;
  /** The business processes in force (reloaded live). */
  processes: ProcessCatalog;
  /** Plan, status and quota of accounts for GET /api/stats. */
  accountInfo?: AccountInfoProvider;
  /** Per-account counts over time for GET /api/stats/history. */
  history?: StatsHistory;
  /** Alerts for GET /api/alerts. */
  alerts?: { list(): AlertView[] };
  /** Directory of the built web console (default `dist/web`). */
  webRoot?: string;
}

export interface ConsoleServer {
  listen(): Promise<AddressInfo>;
  close(): Promise<void>;
}

/** The caller of a console API request by its bearer token: the admin token, a viewer token, or nobody. */
function authenticator(adminToken: string, tokens: ViewerTokenStore): (req: IncomingMessage) => Principal | undefined {
  return (req) => {
    if (bearerMatches(req, adminToken)) return { role: 'admin' };
    const header = req.headers.authorization;
    if (header === undefined || !header.startsWith('Bearer ')) return undefined;
    const token = tokens.verify(header.slice(7).trim());
    return token === undefined ? undefined : { role: 'viewer', tokenId: token.id, name: token.name, accounts: token.accounts };
  };
}

/** An operator's browser, Prometheus and scripts: few connections, all short. */
export const CONSOLE_CONNECTION_DEFAULTS = {
  maxConnections: 256,
  maxConnectionsPerClient: 64,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 5_000,
} as const;

/** The console port: web UI, admin/query API (bearer token), /metrics, /healthz, /readyz. */
export function createConsoleServer(options: ConsoleServerOptions): ConsoleServer {
  const { logger } = options;
  const api = createApiRouter({
    routes: consoleRoutes({
      store: options.store,
      stats: options.stats,
      accountInfo: options.accountInfo,
      history: options.history,
      processes: options.processes,
      tokens: options.tokens,
      alerts: options.alerts,
    }),
    legacyRoutes: options.apiRoutes ?? [],
    authenticate: authenticator(options.adminToken, options.tokens),
  });
  const webUi = createStaticFiles(options.webRoot === undefined ? {} : { root: options.webRoot });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Parsed once, never throwing: a target that is not a path, or malformed percent-encoding
    // anywhere in the path, is a 400 (for /api/* after the router's token check).
    const target = parseRequestTarget(req.url);
    if (!target.ok) {
      // /api/*: the API router answers — 401 before it says anything about the path, then 400.
      if (/^\/api(\/|\?|$)/.test(req.url ?? '') && (await api.handle(req, res))) return;
      return sendApiError(res, 'E2E_BAD_REQUEST', target.message);
    }
    const { path, url } = target;
    // Absolute-form (`GET http://host/api/…`, RFC 9112 §3.2.2) is routed as its origin-form.
    if (req.url !== undefined && !req.url.startsWith('/')) req.url = `${url.pathname}${url.search}`;
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const report = readinessReport(options.readiness);
      return sendJson(res, report.status === 'ready' ? 200 : 503, report);
    }
    // The web console (SPA): `/metrics` is also its metric explorer's URL, told apart by Accept.
    if (path === '/metrics' && req.method === 'GET' && prefersHtml(req)) return webUi.serve(req, res, path);
    if (path === '/metrics') {
      options.beforeMetrics?.();
      const text = await options.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': options.metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (await api.handle(req, res)) return;
    // Everything else is the single-page app (its files, or index.html for its URLs).
    return webUi.serve(req, res, path);
  }

  const slots = createRequestSlots({ max: Number.MAX_SAFE_INTEGER });
  const { server, guard } = createHttpServer(
    {
      name: 'console',
      limits: {
        maxConnections: options.maxConnections ?? CONSOLE_CONNECTION_DEFAULTS.maxConnections,
        maxConnectionsPerClient: options.maxConnectionsPerClient ?? CONSOLE_CONNECTION_DEFAULTS.maxConnectionsPerClient,
        headersTimeoutMs: options.headersTimeoutMs ?? CONSOLE_CONNECTION_DEFAULTS.headersTimeoutMs,
        requestTimeoutMs: options.requestTimeoutMs ?? CONSOLE_CONNECTION_DEFAULTS.requestTimeoutMs,
        idleTimeoutMs: options.idleTimeoutMs ?? CONSOLE_CONNECTION_DEFAULTS.idleTimeoutMs,
      },
      metrics: options.httpMetrics,
      logger,
      slots,
    },
    (req, res) => {
      slots.acquire(req, res);
      handle(req, res).catch((err: unknown) => {
        if (res.headersSent) return void res.destroy();
        // A URIError is bad input that escaped a route's own checks: the client's fault, not ours.
        if (err instanceof URIError) return sendApiError(res, 'E2E_BAD_REQUEST', `malformed percent-encoding: ${err.message}`);
        logger.error({ err }, 'console request failed');
        sendApiError(res, 'E2E_INTERNAL', 'internal error; see the hub log');
      });
    },
  );

  return {
    listen: () => listenOn(server, options.host, options.port),
    close: () => closeServer(server, guard),
  };
}
