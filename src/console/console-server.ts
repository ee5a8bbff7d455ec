import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Principal, ViewerTokenStore } from '../access/index.js';
import type { ProcessCatalog } from '../processes/index.js';
import type { AccountInfoProvider, AccountStats, StatsHistory } from '../stats/index.js';
import type { EmbeddedStore } from '../store/types.js';
import type { HubMetrics } from '../hub/hub-metrics.js';
import { bearerMatches, sendApiError, sendJson } from './http-util.js';
import { createStaticFiles, prefersHtml } from './static-files.js';
import { closeServer, listenOn } from '../ingest/index.js';
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
    const url = new URL(req.url ?? '/', 'http://console');
    const path = url.pathname;
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') return options.ready() ? sendJson(res, 200, { status: 'ready' }) : sendJson(res, 503, { status: 'not ready' });
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
