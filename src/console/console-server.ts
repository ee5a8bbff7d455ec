import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { EmbeddedStore } from '../store/types.js';
import type { AccountStatsBook } from '../hub/account-stats.js';
import type { HubMetrics } from '../hub/hub-metrics.js';
import { bearerMatches, parseLimit, parseNanos, sendApiError, sendJson } from './http-util.js';
import { createStaticFiles, prefersHtml } from './static-files.js';
import { closeServer, listenOn } from '../ingest/index.js';

/** Admin routes for accounts; served when the hub has an account registry (auth modes sigv4/basic). */
export type ApiRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export interface ConsoleServerOptions {
  host: string;
  port: number;
  adminToken: string;
  store: EmbeddedStore | undefined;
  stats: AccountStatsBook;
  metrics: HubMetrics;
  logger: Logger;
  ready: () => boolean;
  /** Extra `/api/*` handlers (accounts admin); each returns true when it handled the request. */
  apiRoutes?: ApiRoute[];
  /** Refreshes gauges (queue depth, export lag) before /metrics is rendered. */
  beforeMetrics?: () => void;
  /** Directory of the built web console (default `dist/web`). */
  webRoot?: string;
}

export interface ConsoleServer {
  listen(): Promise<AddressInfo>;
  close(): Promise<void>;
}

const TRACE_ID = /^[0-9a-fA-F]{32}$/;

/** The console port: web UI, admin/query API (bearer token), /metrics, /healthz, /readyz. */
export function createConsoleServer(options: ConsoleServerOptions): ConsoleServer {
  const { logger } = options;
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
    if (!path.startsWith('/api/')) return webUi.serve(req, res, path);
    if (!bearerMatches(req, options.adminToken)) {
      res.setHeader('www-authenticate', 'Bearer');
      return sendApiError(res, 401, 'E2E_UNAUTHENTICATED', 'missing or wrong admin token (Authorization: Bearer <token>)');
    }
    for (const route of options.apiRoutes ?? []) {
      if (await route(req, res, url)) return;
    }
    if (req.method !== 'GET') return sendApiError(res, 405, 'E2E_METHOD_NOT_ALLOWED', `${req.method ?? ''} ${path} is not supported`);
    if (path === '/api/stats') return sendJson(res, 200, { accounts: options.stats.list() });

    const store = options.store;
    if (store === undefined) return sendApiError(res, 404, 'E2E_NOT_FOUND', 'the embedded store is disabled (exporters.embedded.enabled: false)');

    if (path.startsWith('/api/traces/')) {
      const id = decodeURIComponent(path.slice('/api/traces/'.length));
      if (!TRACE_ID.test(id)) return sendApiError(res, 400, 'E2E_BAD_REQUEST', 'trace id must be 32 hex characters');
      const spans = await store.getTrace(id.toLowerCase());
      if (spans.length === 0) return sendApiError(res, 404, 'E2E_NOT_FOUND', `trace ${id} not found`);
      return sendJson(res, 200, { traceId: id.toLowerCase(), spans });
    }
    if (path === '/api/logs' || path === '/api/metrics') {
      const since = parseNanos(url.searchParams.get('since'));
      const until = parseNanos(url.searchParams.get('until'));
      if (since === 'invalid' || until === 'invalid') {
        return sendApiError(res, 400, 'E2E_BAD_REQUEST', 'since and until are unix nanoseconds (decimal digits)');
      }
      const account = url.searchParams.get('account') ?? undefined;
      if (path === '/api/logs') {
        const limit = parseLimit(url.searchParams.get('limit'), 100, 1000);
        if (limit === 'invalid') return sendApiError(res, 400, 'E2E_BAD_REQUEST', 'limit must be a positive integer');
        const contains = url.searchParams.get('contains') ?? undefined;
        if (contains !== undefined && contains.length > 1024) return sendApiError(res, 400, 'E2E_BAD_REQUEST', 'contains is limited to 1024 characters');
        const logs = await store.queryLogs({
          account: emptyToUndefined(account),
          source: emptyToUndefined(url.searchParams.get('source') ?? undefined),
          contains: emptyToUndefined(contains),
          since,
          until,
          limit,
        });
        return sendJson(res, 200, { logs });
      }
      const limit = parseLimit(url.searchParams.get('limit'), 10_000, 100_000);
      if (limit === 'invalid') return sendApiError(res, 400, 'E2E_BAD_REQUEST', 'limit must be a positive integer');
      const series = await store.queryMetrics({
        name: emptyToUndefined(url.searchParams.get('name') ?? undefined),
        account: emptyToUndefined(account),
        since,
        until,
        limit,
      });
      return sendJson(res, 200, { series });
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

function emptyToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
