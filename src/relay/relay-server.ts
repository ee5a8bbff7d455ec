import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { grpcCodeForHttpStatus } from '../errors.js';
import {
  createHttpMetrics,
  createHttpServer,
  createRequestSlots,
  drainServer,
  fitConnectionLimits,
  listenOn,
  respondAndLinger,
  softOpenFilesLimit,
  RESERVED_FILE_DESCRIPTORS,
} from '../http/index.js';
import { forwardableRawHeaders, hasRawHeader } from './hop-by-hop.js';
import { createRelayMetrics, type RelayMetrics } from './relay-metrics.js';
import { routeFor, type RouteName, type RoutingOptions } from './route.js';
import { Upstream, checkUpstream, pickUpstream, type HealthCheckOptions, type UpstreamConfig } from './upstream-pool.js';

export interface RelayServerOptions {
  host: string;
  port: number;
  routes?: RoutingOptions;
  /**
   * Upstream groups per route. A request goes to its signal's group, else `default`, else the
   * first configured group (so `/v1/self/api-key` reaches the hub whatever the routing).
   */
  upstreams: Partial<Record<RouteName, readonly UpstreamConfig[]>>;
  healthCheck: HealthCheckOptions;
  /** Deadline for an upstream's response headers. */
  timeoutMs: number;
  /** Request bodies over this are refused with 413 (checked on Content-Length and on bytes read). */
  maxBodyBytes: number;
  /** Keep-alive sockets per upstream. Default 32. */
  maxSocketsPerUpstream?: number;
  /** Connection limits (0 = none) and timeouts of the listener; defaults in RELAY_CONNECTION_DEFAULTS. */
  maxConnections?: number;
  maxConnectionsPerClient?: number;
  headersTimeoutMs?: number;
  /** From a request's first byte to its last body byte. */
  requestTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Requests read and forwarded at once (each buffers up to maxBodyBytes); beyond it 503. Default 256. */
  maxConcurrentRequests?: number;
  /** close() lets requests in flight finish for this long, then cuts the rest. Default 10 s. */
  drainTimeoutMs?: number;
  /** Warnings (connection limits lowered, refusals). */
  logger?: Logger;
}

/** Like the hub's ingest: the relay stands in front of it for a whole region. */
export const RELAY_CONNECTION_DEFAULTS = {
  maxConnections: 8192,
  maxConnectionsPerClient: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 65_000,
  maxConcurrentRequests: 256,
  drainTimeoutMs: 10_000,
} as const;

export interface RelayServer {
  address(): { host: string; port: number };
  /** Health of every upstream as the relay currently sees it. */
  upstreams(): { url: string; healthy: boolean }[];
  /** Runs the active health checks now (they also run every healthCheck.intervalMs). */
  checkHealth(): Promise<void>;
  readonly metrics: RelayMetrics;
  close(): Promise<void>;
}

const ROUTE_ORDER: readonly RouteName[] = ['default', 'metrics', 'logs', 'traces'];

function validate(options: RelayServerOptions): void {
  if (!(options.timeoutMs > 0)) throw new TypeError('createRelayServer: timeoutMs must be > 0');
  if (!(options.maxBodyBytes > 0)) throw new TypeError('createRelayServer: maxBodyBytes must be > 0');
  const hc = options.healthCheck;
  if (!hc.path.startsWith('/')) throw new TypeError('createRelayServer: healthCheck.path must start with "/"');
  if (!(hc.intervalMs > 0) || !(hc.timeoutMs > 0)) throw new TypeError('createRelayServer: healthCheck intervalMs and timeoutMs must be > 0');
  if (!ROUTE_ORDER.some((r) => (options.upstreams[r]?.length ?? 0) > 0)) throw new TypeError('createRelayServer: at least one upstream is required');
}

/**
 * The relay: a forwarder for regions without the hub. It routes by Host prefix or OTLP path to
 * upstream groups and forwards method, path, query, headers and body unchanged — the ORIGINAL
 * Host header included, because SigV4 signs it and the hub verifies the signature against what
 * the sender signed. Only hop-by-hop headers are dropped; nothing is added.
 *
 * Request bodies are read (up to maxBodyBytes) before forwarding so a request whose connection
 * to one upstream failed can be replayed once on another; responses are streamed back. A retry
 * happens only before any byte of the response was sent. With every upstream down the answer is
 * 503 with Retry-After. `/healthz` and `/metrics` (the relay's own) are served locally.
 */
export async function createRelayServer(options: RelayServerOptions): Promise<RelayServer> {
  validate(options);
  const maxSockets = options.maxSocketsPerUpstream ?? 32;
  const metrics = createRelayMetrics();
  const byOrigin = new Map<string, Upstream>();
  const groups = new Map<RouteName, Upstream[]>();
  for (const route of ROUTE_ORDER) {
    const configs = options.upstreams[route] ?? [];
    if (configs.length === 0) continue;
    const group: Upstream[] = [];
    for (const c of configs) {
      const probe = new URL(c.url).origin;
      let u = byOrigin.get(probe);
      if (u === undefined) {
        u = new Upstream(c, maxSockets);
        byOrigin.set(u.origin, u);
        metrics.upstreamHealthy.set({ upstream: u.origin }, 1);
      }
      group.push(u);
    }
    groups.set(route, group);
  }
  const fallbackGroup = groups.get('default') ?? [...groups.values()][0] ?? [];
  const groupFor = (route: RouteName): Upstream[] => groups.get(route) ?? fallbackGroup;
  const retryAfterSeconds = Math.max(1, Math.ceil(options.healthCheck.intervalMs / 1000));

  const markFailed = (u: Upstream): void => {
    if (u.markFailed()) metrics.upstreamHealthy.set({ upstream: u.origin }, 0);
  };
  const checkHealth = async (): Promise<void> => {
    await Promise.all(
      [...byOrigin.values()].map(async (u) => {
        const ok = await checkUpstream(u, options.healthCheck);
        if (ok) u.markHealthy();
        else markFailed(u);
        metrics.upstreamHealthy.set({ upstream: u.origin }, u.healthy ? 1 : 0);
      }),
    );
  };

  const slots = createRequestSlots({ max: options.maxConcurrentRequests ?? RELAY_CONNECTION_DEFAULTS.maxConcurrentRequests });
  let closing = false;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    slots.acquire(req, res);
    if (closing) res.setHeader('connection', 'close');
    const started = process.hrtime.bigint();
    const path = req.url ?? '/';
    if (req.method === 'GET' && (path === '/healthz' || path === '/metrics')) {
      void serveLocal(path, res);
      return;
    }
    const route = routeFor(req.headers.host, path, options.routes ?? {});
    const group = groupFor(route);
    const reply = (status: number, message: string, extra: Record<string, string> = {}): void => {
      metrics.requests.inc({ route, code: String(status) });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // google.rpc.Status-shaped JSON, its code from the one HTTP→gRPC table; Retry-After carries the wait.
      const body = JSON.stringify({ code: grpcCodeForHttpStatus(status), message });
      const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...extra };
      // Refused before the body was read: the client must still read the answer (lingering close).
      if (!req.complete) return respondAndLinger(req, res, status, headers, body);
      res.writeHead(status, headers);
      res.end(body);
    };
    if (closing) return reply(503, 'the relay is shutting down', { 'retry-after': '5' });
    if (slots.overLimit()) return reply(503, 'too many concurrent requests', { 'retry-after': '1' });
    const declared = Number(req.headers['content-length'] ?? '0');
    if (Number.isFinite(declared) && declared > options.maxBodyBytes) {
      reply(413, `request body over ${options.maxBodyBytes} bytes`);
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      total += chunk.length;
      if (total > options.maxBodyBytes) {
        refused = true;
        reply(413, `request body over ${options.maxBodyBytes} bytes`);
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (refused) return;
      const body = Buffer.concat(chunks);
      metrics.requestBytes.inc({ route }, body.length);
      const headers = forwardableRawHeaders(req.rawHeaders);
      // A chunked request arrives without Content-Length; the buffered body now has a length.
      if (body.length > 0 && !hasRawHeader(headers, 'content-length')) headers.push('Content-Length', String(body.length));
      const tried = new Set<Upstream>();
      let retried = false;
      let clientGone = false;
      let current: http.ClientRequest | undefined;
      res.on('close', () => {
        if (!res.writableFinished) {
          clientGone = true;
          current?.destroy();
        }
      });

      const unavailable = (): void =>
        reply(503, 'no healthy upstream', { 'retry-after': String(retryAfterSeconds) });

      const forward = (u: Upstream): http.ClientRequest =>
        (u.isHttps ? https : http).request({
          protocol: u.url.protocol,
          hostname: u.url.hostname.startsWith('[') ? u.url.hostname.slice(1, -1) : u.url.hostname,
          port: u.url.port === '' ? (u.isHttps ? 443 : 80) : Number(u.url.port),
          method: req.method ?? 'GET',
          path,
          headers,
          agent: u.agent,
          // SNI and certificate checks name the upstream, not the forwarded Host header.
          ...(u.isHttps ? { servername: u.url.hostname } : {}),
        });

      const attempt = (u: Upstream, staleRetry: boolean): void => {
        tried.add(u);
        let timedOut = false;
        let upReq: http.ClientRequest;
        try {
          upReq = forward(u);
        } catch (err) {
          // Node's client refuses some targets and header values its server side accepted.
          reply(400, `the request cannot be forwarded: ${err instanceof Error ? err.message : String(err)}`);
          return;
        }
        current = upReq;
        const timer = setTimeout(() => {
          timedOut = true;
          upReq.destroy(new Error(`no response within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
        upReq.on('error', (err: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          if (clientGone) return;
          if (res.headersSent) {
            res.destroy(err);
            return;
          }
          if (timedOut) {
            metrics.upstreamRequests.inc({ upstream: u.origin, outcome: 'timeout' });
            markFailed(u);
            reply(504, `upstream did not answer within ${options.timeoutMs} ms`);
            return;
          }
          // A pooled socket the upstream closed while idle is not a sign of a sick upstream.
          if (upReq.reusedSocket && err.code === 'ECONNRESET' && !staleRetry) {
            attempt(u, true);
            return;
          }
          metrics.upstreamRequests.inc({ upstream: u.origin, outcome: 'connect_error' });
          markFailed(u);
          if (!retried) {
            const next = pickUpstream(group, tried);
            if (next !== undefined) {
              retried = true;
              metrics.retries.inc();
              attempt(next, false);
              return;
            }
          }
          if (group.some((g) => g.healthy)) reply(502, `upstream ${u.origin} failed: ${err.code ?? err.message}`);
          else unavailable();
        });
        upReq.on('response', (upRes) => {
          clearTimeout(timer);
          metrics.upstreamRequests.inc({ upstream: u.origin, outcome: 'response' });
          const status = upRes.statusCode ?? 502;
          metrics.requests.inc({ route, code: String(status) });
          metrics.duration.observe({ route }, Number(process.hrtime.bigint() - started) / 1e9);
          res.sendDate = false;
          res.writeHead(status, upRes.statusMessage, forwardableRawHeaders(upRes.rawHeaders));
          upRes.pipe(res);
          upRes.on('error', (err) => res.destroy(err));
          upRes.on('aborted', () => res.destroy());
        });
        upReq.end(body);
      };

      const first = pickUpstream(group, tried);
      if (first === undefined) unavailable();
      else attempt(first, false);
    });
  };

  // The upstream pools' sockets come out of the same descriptor budget as the listener's.
  const upstreamSockets = maxSockets * byOrigin.size;
  const budget = fitConnectionLimits(
    { relay: options.maxConnections ?? RELAY_CONNECTION_DEFAULTS.maxConnections },
    softOpenFilesLimit(),
    RESERVED_FILE_DESCRIPTORS + upstreamSockets,
  );
  if (budget.warning !== undefined) options.logger?.warn({ limits: budget.limits }, budget.warning);
  const { server, guard } = createHttpServer(
    {
      name: 'relay',
      limits: {
        maxConnections: budget.limits['relay'] ?? RELAY_CONNECTION_DEFAULTS.maxConnections,
        maxConnectionsPerClient: options.maxConnectionsPerClient ?? RELAY_CONNECTION_DEFAULTS.maxConnectionsPerClient,
        headersTimeoutMs: options.headersTimeoutMs ?? RELAY_CONNECTION_DEFAULTS.headersTimeoutMs,
        requestTimeoutMs: options.requestTimeoutMs ?? RELAY_CONNECTION_DEFAULTS.requestTimeoutMs,
        idleTimeoutMs: options.idleTimeoutMs ?? RELAY_CONNECTION_DEFAULTS.idleTimeoutMs,
      },
      metrics: createHttpMetrics(metrics.registry),
      logger: options.logger,
      slots,
    },
    handler,
  );

  async function serveLocal(path: string, res: http.ServerResponse): Promise<void> {
    if (path === '/healthz') {
      const body = JSON.stringify({ status: 'ok', upstreams: Object.fromEntries([...byOrigin.values()].map((u) => [u.origin, u.healthy])) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
      return;
    }
    const text = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType });
    res.end(text);
  }

  await listenOn(server, options.host, options.port);
  const healthTimer = setInterval(() => void checkHealth(), options.healthCheck.intervalMs);
  healthTimer.unref();
  void checkHealth();

  return {
    address() {
      const a = server.address() as AddressInfo;
      return { host: a.address, port: a.port };
    },
    upstreams: () => [...byOrigin.values()].map((u) => ({ url: u.origin, healthy: u.healthy })),
    checkHealth,
    metrics,
    async close() {
      clearInterval(healthTimer);
      closing = true;
      await drainServer(server, slots, guard, options.drainTimeoutMs ?? RELAY_CONNECTION_DEFAULTS.drainTimeoutMs);
      for (const u of byOrigin.values()) u.destroy();
    },
  };
}
