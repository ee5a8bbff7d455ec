import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Principal, ViewerTokenStore } from '../access/index.js';
import type { ProcessCatalog } from '../processes/index.js';
import type { AccountInfoProvider, AccountStats, StatsHistory } from '../stats/index.js';
import type { EmbeddedStore } from '../store/types.js';
import type { HubMetrics } from '../hub/hub-metrics.js';
import { bearerMatches, sendApiError, sendJson } from './http-util.js';
import { CONSOLE_HTML } from './console-page.js';
import { closeServer, listenOn } from '../ingest/index.js';
import { createApiRouter, type ApiRoute } from './api-router.js';
import { consoleRoutes } from './routes/index.js';
import type { AlertView } from './routes/console-deps.js';

export type { ApiRoute } from './api-router.js';

/**
 * Serves what no other handler took (the built single-page console, static assets); returns true
 * when it answered. `/api/*`, `/metrics`, `/healthz` and `/readyz` never reach it.
 */
export type FallbackHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean> | boolean;

export interface ConsoleServerOptions {
  host: string;
  port: number;
  adminToken: string;
  store: EmbeddedStore | undefined;
  stats: { list(): AccountStats[] };
  metrics: HubMetrics;
  logger: Logger;
  ready: () => boolean;
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
  /** Static serving of the web console (src/console/static-files.ts) for non-API GETs. */
  fallback?: FallbackHandler;
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

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://console');
    const path = url.pathname;
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') return options.ready() ? sendJson(res, 200, { status: 'ready' }) : sendJson(res, 503, { status: 'not ready' });
    if (path === '/metrics') {
      options.beforeMetrics?.();
      const text = await options.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': options.metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (await api.handle(req, res)) return;
    if (options.fallback !== undefined && (await options.fallback(req, res))) return;
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'" });
      res.end(CONSOLE_HTML);
      return;
    }
    return sendApiError(res, 404, 'E2E_NOT_FOUND', `no route ${path}`);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err }, 'console request failed');
      if (!res.headersSent) sendApiError(res, 500, 'E2E_INTERNAL', 'internal error; see the hub log');
      else res.destroy();
    });
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 60_000;

  return {
    listen: () => listenOn(server, options.host, options.port),
    close: () => closeServer(server),
  };
}
