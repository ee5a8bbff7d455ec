import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { EmbeddedStore } from '../store/types.js';
import type { AccountStatsBook } from '../hub/account-stats.js';
import type { HubMetrics } from '../hub/hub-metrics.js';
import { bearerMatches, parseLimit, parseNanos, sendApiError, sendJson } from './http-util.js';
import { CONSOLE_HTML } from './console-page.js';
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
  /** Extra `/api/*` handlers (accounts admin); each returns true when it handled the request. */
  apiRoutes?: ApiRoute[];
  /** Refreshes gauges (queue depth, export lag) before /metrics is rendered. */
  beforeMetrics?: () => void;
}

export interface ConsoleServer {
  listen(): Promise<AddressInfo>;
  close(): Promise<void>;
}

const TRACE_ID = /^[0-9a-fA-F]{32}$/;

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

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Parsed once, never throwing: malformed percent-encoding anywhere in the path is a 400 here,
    // so routes may decodeURIComponent the path or any segment of it.
    const target = parseRequestTarget(req.url);
    if (!target.ok) return sendApiError(res, 'E2E_BAD_REQUEST', target.message);
    const { url, path } = target;
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const report = readinessReport(options.readiness);
      return sendJson(res, report.status === 'ready' ? 200 : 503, report);
    }
    if (path === '/metrics') {
      options.beforeMetrics?.();
      const text = await options.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': options.metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'" });
      res.end(CONSOLE_HTML);
      return;
    }
    if (!path.startsWith('/api/')) return sendApiError(res, 'E2E_NOT_FOUND', `no route ${path}`);
    if (!bearerMatches(req, options.adminToken)) {
      res.setHeader('www-authenticate', 'Bearer');
      return sendApiError(res, 'E2E_UNAUTHENTICATED', 'missing or wrong admin token (Authorization: Bearer <token>)');
    }
    for (const route of options.apiRoutes ?? []) {
      if (await route(req, res, url)) return;
    }
    if (req.method !== 'GET') return sendApiError(res, 'E2E_METHOD_NOT_ALLOWED', `${req.method ?? ''} ${path} is not supported`);
    if (path === '/api/stats') return sendJson(res, 200, { accounts: options.stats.list() });

    const store = options.store;
    if (store === undefined) return sendApiError(res, 'E2E_NOT_FOUND', 'the embedded store is disabled (exporters.embedded.enabled: false)');

    if (path.startsWith('/api/traces/')) {
      const id = decodeURIComponent(path.slice('/api/traces/'.length));
      if (!TRACE_ID.test(id)) return sendApiError(res, 'E2E_BAD_REQUEST', 'trace id must be 32 hex characters');
      const spans = await store.getTrace(id.toLowerCase());
      if (spans.length === 0) return sendApiError(res, 'E2E_NOT_FOUND', `trace ${id} not found`);
      return sendJson(res, 200, { traceId: id.toLowerCase(), spans });
    }
    if (path === '/api/logs' || path === '/api/metrics') {
      const since = parseNanos(url.searchParams.get('since'));
      const until = parseNanos(url.searchParams.get('until'));
      if (since === 'invalid' || until === 'invalid') {
        return sendApiError(res, 'E2E_BAD_REQUEST', 'since and until are unix nanoseconds (decimal digits)');
      }
      const account = url.searchParams.get('account') ?? undefined;
      if (path === '/api/logs') {
        const limit = parseLimit(url.searchParams.get('limit'), 100, 1000);
        if (limit === 'invalid') return sendApiError(res, 'E2E_BAD_REQUEST', 'limit must be a positive integer');
        const contains = url.searchParams.get('contains') ?? undefined;
        if (contains !== undefined && contains.length > 1024) return sendApiError(res, 'E2E_BAD_REQUEST', 'contains is limited to 1024 characters');
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
      if (limit === 'invalid') return sendApiError(res, 'E2E_BAD_REQUEST', 'limit must be a positive integer');
      const series = await store.queryMetrics({
        name: emptyToUndefined(url.searchParams.get('name') ?? undefined),
        account: emptyToUndefined(account),
        since,
        until,
        limit,
      });
      return sendJson(res, 200, { series });
    }
    return sendApiError(res, 'E2E_NOT_FOUND', `no route ${path}`);
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

function emptyToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
