import type { Server as NetServer, Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { clientKey } from './client-key.js';
import type { HttpMetrics, RefusalReason } from './http-metrics.js';

export interface ConnectionLimits {
  /** Open connections at once, all clients together; a new one beyond it is closed at accept. 0 = no limit. */
  maxConnections: number;
  /** Open connections from one client (an IPv4 address or an IPv6 /64); beyond it a new one is refused. 0 = no limit. */
  maxConnectionsPerClient: number;
}

export interface ConnectionGuardOptions extends ConnectionLimits {
  /** Server label in metrics and logs (`otlp`, `console`, `relay`, …). */
  name: string;
  /**
   * The server's keep-alive idle timeout. While three quarters of `maxConnections` are open it is
   * cut to PRESSURE_IDLE_TIMEOUT_MS, so idle keep-alive sockets give their place up to new clients.
   */
  idleTimeoutMs?: number;
  metrics?: HttpMetrics | undefined;
  /** Refusals are logged at warn, at most once per REFUSAL_LOG_INTERVAL_MS with counts since the last line. */
  logger?: Logger | undefined;
}

export interface ConnectionGuard {
  readonly name: string;
  /** Connections open now (TLS ones counted from TCP accept, before the handshake). */
  readonly open: number;
  /** Connections refused since start, by reason. */
  refused(): Record<RefusalReason, number>;
  /** Destroys every open connection (the end of a drain, or close). */
  destroyAll(): void;
}

/** Keep-alive idle timeout while the server is near its connection limit. */
export const PRESSURE_IDLE_TIMEOUT_MS = 1000;
const REFUSAL_LOG_INTERVAL_MS = 10_000;

/**
 * A refusal that plain-HTTP clients can read: OTLP exporters retry a 503 with back-off instead of
 * treating a reset as a network failure. Written once into the kernel's buffer, then the socket
 * closes; TLS connections are closed without it (a reply would need a handshake first).
 */
const REFUSAL_RESPONSE = Buffer.from(
  'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: application/json\r\n' +
    'Content-Length: 67\r\n\r\n{"code":14,"message":"too many connections from this client; retry"}',
  'latin1',
);

const noop = (): void => {};

/**
 * Puts connection limits on a server (http, https or plain net). The total limit is Node's own
 * `server.maxConnections` (the socket is closed at accept, before any JavaScript object exists);
 * the per-client limit runs first among the server's `connection` listeners, so a refused socket
 * never reaches the HTTP parser or the TLS handshake. Install it after the server is created and
 * before it listens. Cost: one map update and one `close` listener per connection, nothing per request.
 */
export function guardConnections(server: NetServer, options: ConnectionGuardOptions): ConnectionGuard {
  const { name, maxConnections, maxConnectionsPerClient, metrics, logger } = options;
  if (!(Number.isInteger(maxConnections) && maxConnections >= 0)) throw new TypeError(`${name}: maxConnections must be an integer >= 0`);
  if (!(Number.isInteger(maxConnectionsPerClient) && maxConnectionsPerClient >= 0)) {
    throw new TypeError(`${name}: maxConnectionsPerClient must be an integer >= 0`);
  }
  const plainHttp = !(server instanceof TlsServer);
  const keepAlive = server as NetServer & { keepAliveTimeout?: number };
  const idleTimeoutMs = options.idleTimeoutMs ?? keepAlive.keepAliveTimeout;
  const pressureHigh = maxConnections > 0 ? Math.ceil(maxConnections * 0.75) : Infinity;
  const pressureLow = maxConnections > 0 ? Math.floor(maxConnections * 0.5) : Infinity;
  let underPressure = false;

  const sockets = new Set<Socket>();
  const byClient = new Map<string, number>();
  const refusedCounts: Record<RefusalReason, number> = { max_connections: 0, max_connections_per_client: 0 };
  let unreported: Record<RefusalReason, number> = { max_connections: 0, max_connections_per_client: 0 };
  let lastReportMs = 0;

  const refuse = (reason: RefusalReason, client: string | undefined): void => {
    refusedCounts[reason]++;
    unreported[reason]++;
    metrics?.refused(name, reason);
    const now = Date.now();
    if (logger !== undefined && now - lastReportMs >= REFUSAL_LOG_INTERVAL_MS) {
      lastReportMs = now;
      logger.warn(
        { server: name, refused: unreported, open: sockets.size, maxConnections, maxConnectionsPerClient, lastClient: client },
        'connection limit reached: new connections are refused',
      );
      unreported = { max_connections: 0, max_connections_per_client: 0 };
    }
  };

  const setPressure = (on: boolean): void => {
    if (on === underPressure || idleTimeoutMs === undefined || keepAlive.keepAliveTimeout === undefined) return;
    underPressure = on;
    // Node reads keepAliveTimeout when each response finishes, so this applies from the next one.
    keepAlive.keepAliveTimeout = on ? Math.min(idleTimeoutMs, PRESSURE_IDLE_TIMEOUT_MS) : idleTimeoutMs;
  };

  if (maxConnections > 0) {
    server.maxConnections = maxConnections;
    server.on('drop', (data?: { remoteAddress?: string }) => refuse('max_connections', data?.remoteAddress));
  }

  const inner = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const key = maxConnectionsPerClient > 0 ? clientKey(socket.remoteAddress) : undefined;
    if (maxConnectionsPerClient > 0) {
      // No address: the socket is already gone.
      if (key === undefined) return void socket.destroy();
      const n = byClient.get(key) ?? 0;
      if (n >= maxConnectionsPerClient) {
        refuse('max_connections_per_client', key);
        socket.on('error', noop);
        if (plainHttp) {
          socket.write(REFUSAL_RESPONSE);
          socket.destroySoon();
        } else {
          socket.destroy();
        }
        return;
      }
      byClient.set(key, n + 1);
    }
    sockets.add(socket);
    if (sockets.size >= pressureHigh) setPressure(true);
    socket.once('close', () => {
      sockets.delete(socket);
      if (key !== undefined) {
        const n = (byClient.get(key) ?? 1) - 1;
        if (n <= 0) byClient.delete(key);
        else byClient.set(key, n);
      }
      if (underPressure && sockets.size <= pressureLow) setPressure(false);
    });
    for (const listener of inner) listener.call(server, socket);
  });

  return {
    name,
    get open() {
      return sockets.size;
    },
    refused: () => ({ ...refusedCounts }),
    destroyAll() {
      for (const s of sockets) s.destroy();
    },
  };
}
