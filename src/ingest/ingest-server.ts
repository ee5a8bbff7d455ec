import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerOptions as HttpsOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import {
  closeServer,
  createHostAllowlist,
  createHttpServer,
  createRequestSlots,
  drainServer,
  listenOn,
  READY,
  type DrainOutcome,
  type HttpMetrics,
  type ReadinessCheck,
} from '../http/index.js';
import type { OtlpFormat, Signal } from '../otlp/model.js';
import { prepareRecord, rejectionMessage, type HubPolicies, type JsonConverter, type PrepareOutcome } from '../pipeline/index.js';
import type { DurableQueue } from '../queue/types.js';
import type { IngestStatsObserver } from '../stats/index.js';
import type { IngestMetrics } from './ingest-metrics.js';
import type { Authenticator } from './authenticator.js';
import { parseOtlpContentType } from './content-type.js';
import { createDecompressBudget } from './decompress.js';
import { readBody } from './read-body.js';
import { sendError, sendSuccess, type ErrorReply } from './respond.js';
import { replyAndDropUnread } from './server-lifecycle.js';

/**
 * The usage plan check. `bytesOnly` charges bytes to the byte rate without taking a request or
 * quota token: the decompressed size of a request that was admitted on its wire size.
 */
export type LimitCheck = (
  accountId: string,
  bytes: number,
  options?: { bytesOnly?: boolean },
) => Promise<{ ok: true } | { ok: false; reason: string; retryAfterSeconds: number; message: string }>;

export interface IngestServerOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  maxDecompressedBytes: number;
  maxConcurrentRequests: number;
  requestTimeoutMs: number;
  /** Connection limits (0 = none) and timeouts; defaults in INGEST_CONNECTION_DEFAULTS. */
  maxConnections?: number;
  maxConnectionsPerClient?: number;
  headersTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** The hub's public names; a request with another Host header gets 403 before any body work. Empty: any. */
  allowedHosts?: readonly string[];
  /** Connection metrics (refusals, open connections, requests in flight) under server="otlp". */
  httpMetrics?: HttpMetrics;
  tls?: HttpsOptions | undefined;
  /** The scan policy of each signal (validation rules, count limits, account stamp). */
  policies: HubPolicies;
  /** Objects plus arrays a JSON body may have (checked before it is parsed). */
  maxJsonContainers: number;
  /** Decompressed bytes of all requests being prepared at once; beyond it 503 + Retry-After. */
  maxDecompressedBytesInFlight: number;
  /** JSON → protobuf, large bodies off the event loop. */
  json: JsonConverter;
  authenticator: Authenticator;
  limit: LimitCheck;
  queue: DurableQueue;
  stats: IngestStatsObserver;
  metrics: IngestMetrics;
  logger: Logger;
  now?: () => number;
}

export interface IngestServer {
  listen(): Promise<AddressInfo>;
  address(): AddressInfo;
  /**
   * Stops accepting: new requests get 503 with `Connection: close`, in-flight ones finish; after
   * `timeoutMs` (default: no deadline) the connections still open are destroyed. Resolves then.
   */
  drain(timeoutMs?: number): Promise<DrainOutcome>;
  close(): Promise<void>;
  /** Not ready while draining or while every request slot has been busy for a while. */
  readiness(): ReadinessCheck;
  /** Open connections and refusals so far (also exported through httpMetrics). */
  connections(): { open: number; refused: Record<string, number> };
  /** Replaces the TLS certificate and key for new connections (files changed on disk). */
  setSecureContext?(options: HttpsOptions): void;
}

const SIGNAL_PATHS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics', '/v1/logs': 'logs' };

/**
 * Defaults for the connection options. 10 s for headers stops slowloris without hurting any real
 * exporter (headers go out in one write); 65 s idle outlives the 60 s idle timeout of common load
 * balancers, which must close first or they see resets.
 */
export const INGEST_CONNECTION_DEFAULTS = {
  maxConnections: 8192,
  maxConnectionsPerClient: 256,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 65_000,
} as const;

/** Slots busy this long make /readyz say not ready: a load balancer should send new work elsewhere. */
const SATURATED_NOT_READY_MS = 5000;
const MAX_HOST_ECHO_CHARS = 100;

/**
 * The OTLP/HTTP receiver. Hot path per request: read (bounded) → authenticate → usage plan →
 * decompress (bounded) → decode → validate → stamp account → encode queue record → durable append
 * (group-committed fsync) → 200. Nothing is acknowledged before it is on disk.
 */
export function createIngestServer(options: IngestServerOptions): IngestServer {
  const { metrics, logger } = options;
  const now = options.now ?? Date.now;
  const decompressor = createDecompressBudget(options.maxDecompressedBytesInFlight);
  let draining = false;
  const slots = createRequestSlots({ max: options.maxConcurrentRequests });
  const hostAllowed = createHostAllowlist(options.allowedHosts ?? []);

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    // Released exactly once, whatever happens to the response or its connection.
    slots.acquire(req, res);
    if (draining) res.setHeader('connection', 'close');
    handle(req, res).catch((err: unknown) => {
      logger.error({ err }, 'ingest request failed');
      sendError(res, 'json', { status: 500, message: 'internal error; see the hub log' });
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const signal = SIGNAL_PATHS[path];
    const contentType = parseOtlpContentType(req.headers['content-type']);
    // Errors answer in the request's encoding; JSON when the content type is not OTLP (readable by curl).
    const format: OtlpFormat = contentType ?? 'json';

    if (signal === undefined) {
      if (req.method === 'GET' && path.startsWith('/v1/self/') && options.authenticator.handleSelf !== undefined) {
        const wrongHost = hostRefusal(req);
        if (wrongHost !== undefined) return reject(req, res, format, undefined, wrongHost);
        if (await options.authenticator.handleSelf(req, res)) return;
      }
      if (req.method === 'GET' && (path === '/healthz' || path === '/')) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return;
      }
      return reject(req, res, format, undefined, { status: 404, message: `no route ${path}; OTLP/HTTP paths are /v1/traces, /v1/metrics, /v1/logs` });
    }
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      metrics.requests.inc({ signal, code: String(res.statusCode) });
      metrics.requestSeconds.observe({ signal }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    const wrongHost = hostRefusal(req);
    if (wrongHost !== undefined) return reject(req, res, format, signal, wrongHost);
    if (req.method !== 'POST') {
      return reject(req, res, format, signal, { status: 405, message: `${path} accepts POST only`, extraHeaders: { allow: 'POST' } });
    }
    if (draining) return reject(req, res, format, signal, { status: 503, message: 'the hub is shutting down', retryAfterSeconds: 5 });
    if (slots.overLimit()) {
      return reject(req, res, format, signal, { status: 503, message: 'too many concurrent requests', retryAfterSeconds: 1 });
    }
    if (contentType === undefined) {
      return reject(req, res, format, signal, {
        status: 415,
        message: `unsupported Content-Type '${req.headers['content-type'] ?? ''}'; use application/x-protobuf or application/json`,
      });
    }
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > options.maxBodyBytes) {
      return reject(req, res, format, signal, {
        status: 413,
        message: `body of ${declared} bytes is over the limit of ${options.maxBodyBytes} bytes`,
      });
    }
    const pre = options.authenticator.precheck(req);
    if (pre !== undefined && !pre.ok) return denied(req, res, format, signal, pre);

    const read = await readBody(req, options.maxBodyBytes, options.requestTimeoutMs);
    if (read.kind === 'aborted') return;
    if (read.kind === 'timeout') return reject(req, res, format, signal, { status: 408, message: 'request body not received in time' });
    if (read.kind === 'too-large') {
      return reject(req, res, format, signal, { status: 413, message: `body is over the limit of ${options.maxBodyBytes} bytes` });
    }
    metrics.requestBytes.inc({ signal }, read.body.length);

    const auth = await options.authenticator.authenticate(req, read.body);
    if (!auth.ok) return denied(req, res, format, signal, auth);
    const accountId = auth.accountId;

    const limit = await options.limit(accountId, read.body.length);
    if (!limit.ok) {
      metrics.throttled.inc({ reason: limit.reason });
      options.stats.recordThrottled(accountId);
      return reject(req, res, format, signal, { status: 429, message: limit.message, retryAfterSeconds: limit.retryAfterSeconds });
    }

    const inflated = await decompressor.decompress(read.body, req.headers['content-encoding'], options.maxDecompressedBytes);
    if (inflated.kind === 'busy') {
      return reject(req, res, format, signal, { status: 503, message: 'the hub is busy with other large requests; retry later', retryAfterSeconds: 1 });
    }
    if (inflated.kind === 'too-large') {
      return reject(req, res, format, signal, {
        status: 413,
        message: `decompressed body is over the limit of ${options.maxDecompressedBytes} bytes`,
      });
    }
    if (inflated.kind === 'unsupported') {
      return reject(req, res, format, signal, {
        status: 415,
        message: `unsupported Content-Encoding '${inflated.encoding}'; use gzip, deflate or none`,
      });
    }
    if (inflated.kind === 'corrupt') return reject(req, res, format, signal, { status: 400, message: inflated.message });

    let prepared: PrepareOutcome;
    try {
      // The byte rate counts what a request costs us, not only what it weighed on the wire.
      const extraBytes = inflated.body.length - read.body.length;
      if (extraBytes > 0) {
        const charged = await options.limit(accountId, extraBytes, { bytesOnly: true });
        if (!charged.ok) {
          metrics.throttled.inc({ reason: 'decompressed_bytes' });
          options.stats.recordThrottled(accountId);
          return reject(req, res, format, signal, { status: 429, message: `${charged.message} (decompressed)`, retryAfterSeconds: charged.retryAfterSeconds });
        }
      }
      let body: Uint8Array = inflated.body;
      let bodyFormat = contentType;
      if (contentType === 'json') {
        const converted = await options.json.toProtobuf(signal, inflated.body, options.maxJsonContainers);
        if (!converted.ok) return reject(req, res, contentType, signal, { status: 400, message: converted.message });
        body = converted.bytes;
        bodyFormat = 'protobuf';
      }
      prepared = prepareRecord({
        signal,
        body,
        format: bodyFormat,
        accountId,
        receivedAtMs: now(),
        policy: options.policies.forSignal(signal),
        maxJsonContainers: options.maxJsonContainers,
      });
    } finally {
      inflated.release();
    }
    if (prepared.kind === 'invalid') return reject(req, res, contentType, signal, { status: 400, message: prepared.message });
    if (prepared.record !== undefined) {
      const appended = await options.queue.append(prepared.record);
      if (appended !== 'ok') {
        // Nothing was stored: count nothing, tell the sender to retry the whole request.
        return reject(req, res, contentType, signal, {
          status: 503,
          message:
            appended === 'full'
              ? 'the hub queue is full; retry later'
              : appended === 'unavailable'
                ? `the hub cannot write its queue right now (${options.queue.health().lastError ?? 'I/O error'}); retry later`
                : 'the hub is shutting down',
          retryAfterSeconds: appended === 'closed' ? 10 : 5,
        });
      }
    }
    const validation = { accepted: prepared.accepted, rejected: prepared.rejected };
    metrics.items.inc({ signal, outcome: 'accepted' }, validation.accepted);
    if (validation.rejected > 0) {
      metrics.items.inc({ signal, outcome: 'rejected' }, validation.rejected);
      for (const r of prepared.rejections) {
        metrics.rejectedByRule.inc({ signal, rule: r.name }, r.count);
        options.stats.recordRejectedByRule(accountId, signal, r.name, r.count);
      }
    }
    options.stats.recordItems(accountId, signal, validation.accepted, validation.rejected);
    sendSuccess(
      res,
      signal,
      contentType,
      validation.rejected > 0
        ? { rejected: BigInt(validation.rejected), errorMessage: rejectionMessage(signal, prepared.rejections) }
        : undefined,
    );
  }

  /** The 403 for a Host header that is not one of otlp.allowedHosts (checked before any body work). */
  function hostRefusal(req: IncomingMessage): ErrorReply | undefined {
    if (hostAllowed === undefined || hostAllowed(req.headers.host)) return undefined;
    const host = req.headers.host ?? '';
    const shown = JSON.stringify(host.length > MAX_HOST_ECHO_CHARS ? `${host.slice(0, MAX_HOST_ECHO_CHARS)}…` : host);
    return { status: 403, message: `Host ${shown} is not a name of this hub (otlp.allowedHosts); sign requests for the hub's public name` };
  }

  function denied(
    req: IncomingMessage,
    res: ServerResponse,
    format: OtlpFormat,
    signal: Signal,
    outcome: { status: number; message: string; retryAfterSeconds?: number; accountId?: string },
  ): void {
    metrics.denied.inc({ code: String(outcome.status) });
    if (outcome.accountId !== undefined) options.stats.recordDenied(outcome.accountId);
    reject(req, res, format, signal, { status: outcome.status, message: outcome.message, retryAfterSeconds: outcome.retryAfterSeconds });
  }

  /** Error reply; a request whose body was not read completely gets `Connection: close`. */
  function reject(req: IncomingMessage, res: ServerResponse, format: OtlpFormat, signal: Signal | undefined, reply: ErrorReply): void {
    replyAndDropUnread(req, res, format, reply);
    if (signal !== undefined && reply.status >= 500) logger.warn({ signal, status: reply.status, message: reply.message }, 'ingest refused');
  }

  const { server, guard } = createHttpServer(
    {
      name: 'otlp',
      limits: {
        maxConnections: options.maxConnections ?? INGEST_CONNECTION_DEFAULTS.maxConnections,
        maxConnectionsPerClient: options.maxConnectionsPerClient ?? INGEST_CONNECTION_DEFAULTS.maxConnectionsPerClient,
        headersTimeoutMs: options.headersTimeoutMs ?? INGEST_CONNECTION_DEFAULTS.headersTimeoutMs,
        requestTimeoutMs: options.requestTimeoutMs,
        idleTimeoutMs: options.idleTimeoutMs ?? INGEST_CONNECTION_DEFAULTS.idleTimeoutMs,
      },
      tls: options.tls,
      metrics: options.httpMetrics,
      logger,
      slots,
    },
    handler,
  );

  return {
    listen: () => listenOn(server, options.host, options.port),
    address: () => server.address() as AddressInfo,
    drain: (timeoutMs = Infinity) => {
      draining = true;
      return drainServer(server, slots, guard, timeoutMs);
    },
    close: () => {
      draining = true;
      return closeServer(server, guard);
    },
    readiness: () => {
      const saturated = slots.saturatedFor(SATURATED_NOT_READY_MS);
      if (!draining && !saturated) return READY;
      const reasons: string[] = [];
      if (draining) reasons.push('draining: shutting down, new requests get 503');
      if (saturated) reasons.push(`all ${slots.max} request slots busy for over ${SATURATED_NOT_READY_MS / 1000} s (otlp.maxConcurrentRequests)`);
      return { ready: false, reasons };
    },
    connections: () => ({ open: guard.open, refused: guard.refused() }),
    setSecureContext: (tls) => {
      (server as unknown as { setSecureContext(o: HttpsOptions): void }).setSecureContext?.(tls);
    },
  };
}
