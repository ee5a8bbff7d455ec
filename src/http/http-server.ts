import { createServer as createPlainServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { Logger } from 'pino';
import { guardConnections, type ConnectionGuard, type ConnectionLimits } from './connection-guard.js';
import type { HttpMetrics } from './http-metrics.js';
import type { RequestSlots } from './request-slots.js';

/** Every limit a server's connections live under; timeouts in milliseconds. */
export interface HttpServerLimits extends ConnectionLimits {
  /** From accepting a connection (or the previous response, on keep-alive) to the last header byte: slowloris. */
  headersTimeoutMs: number;
  /** From the first byte of a request to its last body byte. */
  requestTimeoutMs: number;
  /** A keep-alive connection with no request in progress is closed after this long. */
  idleTimeoutMs: number;
}

export interface HttpServerOptions {
  /** Label in metrics and logs. */
  name: string;
  limits: HttpServerLimits;
  /** HTTPS when set. */
  tls?: HttpsServerOptions | undefined;
  /** Header lines a request may have; Node's default is 2000. */
  maxHeadersCount?: number;
  metrics?: HttpMetrics | undefined;
  logger?: Logger | undefined;
  /** The server's request slots, for the in-flight gauge. */
  slots?: RequestSlots | undefined;
}

export interface GuardedServer {
  readonly server: Server;
  readonly guard: ConnectionGuard;
}

/**
 * Creates an HTTP(S) server with every limit applied: connection limits (total and per client),
 * header, request and keep-alive idle timeouts. Node enforces the timeouts from one interval timer
 * per server (connectionsCheckingInterval), not a timer per request; a request past its timeout
 * gets Node's 408 and its connection is closed.
 */
export function createHttpServer(options: HttpServerOptions, handler: RequestListener): GuardedServer {
  const { limits } = options;
  for (const key of ['headersTimeoutMs', 'requestTimeoutMs', 'idleTimeoutMs'] as const) {
    if (!(limits[key] > 0)) throw new TypeError(`${options.name}: ${key} must be > 0`);
  }
  // Node refuses headersTimeout > requestTimeout.
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  const httpOptions = {
    headersTimeout,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    // How often Node looks for connections past their header/request deadline: a deadline is kept
    // to within this much. Node's default (30 s) would let a 10 s header timeout run to 40 s.
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 4))),
  };
  const server: Server =
    options.tls === undefined ? createPlainServer(httpOptions, handler) : createTlsServer({ ...options.tls, ...httpOptions }, handler);
  server.keepAliveTimeout = limits.idleTimeoutMs;
  server.maxHeadersCount = options.maxHeadersCount ?? 200;
  const guard = guardConnections(server, {
    name: options.name,
    maxConnections: limits.maxConnections,
    maxConnectionsPerClient: limits.maxConnectionsPerClient,
    idleTimeoutMs: limits.idleTimeoutMs,
    metrics: options.metrics,
    logger: options.logger,
  });
  const slots = options.slots;
  options.metrics?.track({ name: options.name, openConnections: () => guard.open, requestsInFlight: () => slots?.inUse ?? 0 });
  return { server, guard };
}
