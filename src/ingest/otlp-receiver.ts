import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ServerOptions as HttpsOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Counter, Histogram } from 'prom-client';
import {
  closeServer,
  createHostAllowlist,
  createHttpServer,
  createRequestSlots,
  drainServer,
  listenOn,
  READY,
  type ConnectionGuard,
  type DrainOutcome,
  type HostAllowlist,
  type HttpMetrics,
  type ReadinessCheck,
  type RequestSlots,
} from '../http/index.js';
import type { OtlpFormat, PartialSuccess, Signal } from '../otlp/model.js';
import type { Authenticator, AuthOutcome } from './authenticator.js';
import { parseOtlpContentType } from './content-type.js';
import { createDecompressBudget, type DecompressBudget } from './decompress.js';
import { readBody, type ReadBodyOutcome } from './read-body.js';
import {
  declaredTooLarge,
  decompressRefusal,
  hostRefusal,
  noRoute,
  postOnly,
  readRefusal,
  shuttingDown,
  TOO_MANY_REQUESTS,
  unsupportedContentType,
} from './receiver-refusals.js';
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

/** What the receiver's owner made of a request that passed every check. */
export type AcceptOutcome =
  /** Durable: 200, with `partial` when some items were dropped (OTLP partial_success). */
  | { kind: 'ok'; partial?: PartialSuccess | undefined }
  /** Undecodable, invalid or over a count limit: 400. */
  | { kind: 'invalid'; message: string }
  /** Not durable (queue full, closed or failing): 503 with Retry-After, so the sender keeps the data. */
  | { kind: 'unavailable'; message: string; retryAfterSeconds: number };

/** The outcome of every request accepted whole: one object, not one per request. */
export const ACCEPTED: AcceptOutcome = Object.freeze({ kind: 'ok' as const });

/**
 * Makes one request durable. `body` is the decompressed body in `format` (the request's encoding);
 * its bytes count against the in-flight budget until `release()` — call it as soon as the body is
 * no longer needed (before a slow append); the receiver calls it anyway once the promise settles.
 * `accountId` is the authenticated account ('' without an authenticator).
 */
export type AcceptRequest = (signal: Signal, body: Uint8Array, format: OtlpFormat, accountId: string, release: () => void) => Promise<AcceptOutcome>;

/** Request metrics (prom-client): counted when the response finished, like every server's. */
export interface ReceiverMetrics {
  /** OTLP requests by signal and HTTP status. */
  readonly requests: Counter<'signal' | 'code'>;
  /** Arrival to response finished; costs a clock read per request, so only when given. */
  readonly requestSeconds?: Histogram<'signal'>;
  /** Bytes read off the wire (compressed). */
  readonly requestBytes?: Counter<'signal'>;
}

/** What the receiver tells its owner about requests (per-account stats, logs). All optional. */
export interface ReceiverObserver {
  /** Refused by the authenticator (header precheck or full check); `accountId` when the credentials named one. */
  denied?(status: number, accountId: string | undefined): void;
  /** Refused by the usage plan; reason `decompressed_bytes` for the charge made after decompression. */
  throttled?(reason: string, accountId: string): void;
  /** A signal request refused with a 5xx (draining, no slot, busy, queue not writable). */
  unavailable?(signal: Signal, reply: ErrorReply): void;
  /** A request failed unexpectedly; it was answered 500. */
  failed?(err: unknown): void;
}

export interface OtlpReceiverOptions {
  /** The `server` label in metrics and logs: `otlp` (hub), `agent_otlp` (agent). */
  name: string;
  /** Who answers, in messages ("the hub is shutting down"): `hub`, `agent`. */
  ownerName: string;
  /** Where the receiver's settings live, named in messages: `otlp` (hub), `receivers.otlp` (agent). */
  configKey: string;
  host: string;
  port: number;
  /** Limits on Content-Length, on bytes read and after decompression (zip bombs). */
  maxBodyBytes: number;
  maxDecompressedBytes: number;
  /** Decompressed bytes of all requests being worked on at once; beyond it 503. Default 4 × maxDecompressedBytes. */
  maxDecompressedBytesInFlight?: number;
  /** First byte to last body byte. */
  requestTimeoutMs: number;
  /** Request slots; beyond them 503 with Retry-After. Defaults in OTLP_RECEIVER_DEFAULTS. */
  maxConcurrentRequests?: number;
  /** Connection limits (0 = none) and timeouts; defaults in OTLP_RECEIVER_DEFAULTS. */
  maxConnections?: number;
  maxConnectionsPerClient?: number;
  headersTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Public names; a request with another Host header gets 403 before any body work. Empty/absent: any. */
  allowedHosts?: readonly string[];
  /** HTTPS when set. */
  tls?: HttpsOptions | undefined;
  /** Connection metrics (refusals, open connections, requests in flight) under `server=name`. */
  httpMetrics?: HttpMetrics;
  logger?: Logger;
  /** Who sent a request (and `GET /v1/self/*`). Absent: every request is accepted as account '' (loopback). */
  authenticator?: Authenticator;
  /** Usage plan on wire bytes, then bytes-only on what decompression added. Absent: no admission. */
  limit?: LimitCheck;
  accept: AcceptRequest;
  metrics?: ReceiverMetrics;
  observer?: ReceiverObserver;
}

export interface OtlpReceiver {
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
  /** Replaces the TLS certificate and key for new connections (files changed on disk); no-op without TLS. */
  setSecureContext(options: HttpsOptions): void;
}

/**
 * Defaults for the connection options. 10 s for headers stops slowloris without hurting any real
 * exporter (headers go out in one write); 65 s idle outlives the 60 s idle timeout of common load
 * balancers, which must close first or they see resets.
 */
export const OTLP_RECEIVER_DEFAULTS = {
  maxConcurrentRequests: 256,
  maxConnections: 8192,
  maxConnectionsPerClient: 256,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 65_000,
} as const;

const SIGNAL_PATHS: Readonly<Record<string, Signal>> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics', '/v1/logs': 'logs' };
/** Slots busy this long make readiness say not ready: a load balancer should send new work elsewhere. */
const SATURATED_NOT_READY_MS = 5000;
/** The account of every request when there is no authenticator (the agent's loopback receiver). */
const LOOPBACK: AuthOutcome = Object.freeze({ ok: true as const, accountId: '' });
const BYTES_ONLY = Object.freeze({ bytesOnly: true });

/**
 * The OTLP/HTTP receiver of the hub and of the agent: protobuf and JSON, gzip and deflate, errors
 * in the request's encoding. Per request: slot → route → checks from the headers → bounded read →
 * authenticate (wire bytes) → usage plan → bounded decompression → accept (the owner's: validate,
 * stamp, durable append) → 200. Each step returns its outcome; the first refusal answers.
 */
export function createOtlpReceiver(options: OtlpReceiverOptions): OtlpReceiver {
  for (const key of ['maxBodyBytes', 'maxDecompressedBytes', 'requestTimeoutMs'] as const) {
    if (!(options[key] > 0)) throw new TypeError(`createOtlpReceiver(${options.name}): ${key} must be > 0`);
  }
  return new Receiver(options);
}

class Receiver implements OtlpReceiver {
  readonly #options: OtlpReceiverOptions;
  readonly #owner: string;
  readonly #maxBodyBytes: number;
  readonly #maxDecompressedBytes: number;
  readonly #requestTimeoutMs: number;
  readonly #auth: Authenticator | undefined;
  readonly #limit: LimitCheck | undefined;
  readonly #accept: AcceptRequest;
  readonly #metrics: ReceiverMetrics | undefined;
  readonly #observer: ReceiverObserver;
  readonly #slots: RequestSlots;
  readonly #decompressor: DecompressBudget;
  readonly #hostAllowed: HostAllowlist | undefined;
  readonly #server: Server;
  readonly #guard: ConnectionGuard;
  readonly #internalError: ErrorReply;
  #draining = false;

  constructor(o: OtlpReceiverOptions) {
    this.#options = o;
    this.#owner = o.ownerName;
    this.#maxBodyBytes = o.maxBodyBytes;
    this.#maxDecompressedBytes = o.maxDecompressedBytes;
    this.#requestTimeoutMs = o.requestTimeoutMs;
    this.#auth = o.authenticator;
    this.#limit = o.limit;
    this.#accept = o.accept;
    this.#metrics = o.metrics;
    this.#observer = o.observer ?? {};
    this.#internalError = { status: 500, message: `internal error; see the ${o.ownerName} log` };
    this.#slots = createRequestSlots({ max: o.maxConcurrentRequests ?? OTLP_RECEIVER_DEFAULTS.maxConcurrentRequests });
    this.#decompressor = createDecompressBudget(o.maxDecompressedBytesInFlight ?? 4 * o.maxDecompressedBytes);
    this.#hostAllowed = createHostAllowlist(o.allowedHosts ?? []);
    const { server, guard } = createHttpServer(
      {
        name: o.name,
        limits: {
          maxConnections: o.maxConnections ?? OTLP_RECEIVER_DEFAULTS.maxConnections,
          maxConnectionsPerClient: o.maxConnectionsPerClient ?? OTLP_RECEIVER_DEFAULTS.maxConnectionsPerClient,
          headersTimeoutMs: o.headersTimeoutMs ?? OTLP_RECEIVER_DEFAULTS.headersTimeoutMs,
          requestTimeoutMs: o.requestTimeoutMs,
          idleTimeoutMs: o.idleTimeoutMs ?? OTLP_RECEIVER_DEFAULTS.idleTimeoutMs,
        },
        tls: o.tls,
        metrics: o.httpMetrics,
        logger: o.logger,
        slots: this.#slots,
      },
      (req, res) => this.#onRequest(req, res),
    );
    this.#server = server;
    this.#guard = guard;
  }

  listen(): Promise<AddressInfo> {
    return listenOn(this.#server, this.#options.host, this.#options.port);
  }

  address(): AddressInfo {
    return this.#server.address() as AddressInfo;
  }

  drain(timeoutMs = Infinity): Promise<DrainOutcome> {
    this.#draining = true;
    return drainServer(this.#server, this.#slots, this.#guard, timeoutMs);
  }

  close(): Promise<void> {
    this.#draining = true;
    return closeServer(this.#server, this.#guard);
  }

  readiness(): ReadinessCheck {
    const saturated = this.#slots.saturatedFor(SATURATED_NOT_READY_MS);
    if (!this.#draining && !saturated) return READY;
    const reasons: string[] = [];
    if (this.#draining) reasons.push('draining: shutting down, new requests get 503');
    if (saturated) {
      reasons.push(`all ${this.#slots.max} request slots busy for over ${SATURATED_NOT_READY_MS / 1000} s (${this.#options.configKey}.maxConcurrentRequests)`);
    }
    return { ready: false, reasons };
  }

  connections(): { open: number; refused: Record<string, number> } {
    return { open: this.#guard.open, refused: this.#guard.refused() };
  }

  setSecureContext(tls: HttpsOptions): void {
    (this.#server as unknown as { setSecureContext?(o: HttpsOptions): void }).setSecureContext?.(tls);
  }

  /** Takes the request's slot before anything else, then routes. Never rejects: failures answer 500. */
  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    // Released exactly once, whatever happens to the response or its connection.
    this.#slots.acquire(req, res);
    if (this.#draining) res.setHeader('connection', 'close');
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const signal = SIGNAL_PATHS[path];
    void (signal === undefined ? this.#serveOther(req, res, path) : this.#serveExport(req, res, signal, path));
  }

  /** `/healthz`, `/`, `GET /v1/self/*` (the authenticator's), else 404. */
  async #serveOther(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    // Errors answer in the request's encoding; JSON when the content type is not OTLP (readable by curl).
    const format = parseOtlpContentType(req.headers['content-type']) ?? 'json';
    try {
      if (req.method === 'GET') {
        if (path === '/healthz' || path === '/') {
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
          return;
        }
        const auth = this.#auth;
        if (auth?.handleSelf !== undefined && path.startsWith('/v1/self/')) {
          const wrongHost = this.#hostRefusal(req);
          if (wrongHost !== undefined) return this.#refuse(req, res, format, undefined, wrongHost);
          if (await auth.handleSelf(req, res)) return;
        }
      }
      this.#refuse(req, res, format, undefined, noRoute(path));
    } catch (err) {
      this.#fail(res, err);
    }
  }

  /** One OTLP export request, step by step; the awaits are the underlying calls themselves (no wrappers). */
  async #serveExport(req: IncomingMessage, res: ServerResponse, signal: Signal, path: string): Promise<void> {
    try {
      this.#observe(res, signal);
      const contentType = parseOtlpContentType(req.headers['content-type']);
      const checked = this.#checkHeaders(req, path, contentType);
      if (typeof checked !== 'string') return this.#refuse(req, res, contentType ?? 'json', signal, checked);
      const format = checked;
      const pre = this.#auth?.precheck(req);
      if (pre !== undefined && !pre.ok) return this.#deny(req, res, format, signal, pre);

      const read = await readBody(req, this.#maxBodyBytes, this.#requestTimeoutMs);
      if (read.kind !== 'ok') return this.#refuseRead(req, res, format, signal, read);
      const wire = read.body;
      this.#metrics?.requestBytes?.inc({ signal }, wire.length);

      const auth = this.#auth === undefined ? LOOPBACK : await this.#auth.authenticate(req, wire);
      if (!auth.ok) return this.#deny(req, res, format, signal, auth);
      const accountId = auth.accountId;
      if (this.#limit !== undefined) {
        const admitted = await this.#limit(accountId, wire.length);
        if (!admitted.ok) return this.#throttle(req, res, format, signal, accountId, admitted.reason, admitted);
      }

      const inflated = await this.#decompressor.decompress(wire, req.headers['content-encoding'], this.#maxDecompressedBytes);
      if (inflated.kind !== 'ok') return this.#refuse(req, res, format, signal, decompressRefusal(inflated, this.#maxDecompressedBytes, this.#owner));
      let accepted: AcceptOutcome;
      try {
        // The byte rate counts what a request costs us, not only what it weighed on the wire.
        const extraBytes = inflated.body.length - wire.length;
        if (extraBytes > 0 && this.#limit !== undefined) {
          const charged = await this.#limit(accountId, extraBytes, BYTES_ONLY);
          if (!charged.ok) return this.#throttle(req, res, format, signal, accountId, 'decompressed_bytes', charged, ' (decompressed)');
        }
        accepted = await this.#accept(signal, inflated.body, format, accountId, inflated.release);
      } finally {
        inflated.release();
      }
      this.#respond(req, res, format, signal, accepted);
    } catch (err) {
      this.#fail(res, err);
    }
  }

  /** Refusals decided from the request line and headers, before any body byte is read; else the body's format. */
  #checkHeaders(req: IncomingMessage, path: string, contentType: OtlpFormat | undefined): OtlpFormat | ErrorReply {
    const wrongHost = this.#hostRefusal(req);
    if (wrongHost !== undefined) return wrongHost;
    if (req.method !== 'POST') return postOnly(path);
    if (this.#draining) return shuttingDown(this.#owner);
    if (this.#slots.overLimit()) return TOO_MANY_REQUESTS;
    if (contentType === undefined) return unsupportedContentType(req.headers['content-type']);
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > this.#maxBodyBytes) return declaredTooLarge(declared, this.#maxBodyBytes);
    return contentType;
  }

  /** Counts the request and its duration when its response finished (one listener per export request). */
  #observe(res: ServerResponse, signal: Signal): void {
    const metrics = this.#metrics;
    if (metrics === undefined) return;
    const seconds = metrics.requestSeconds;
    if (seconds === undefined) {
      res.on('finish', () => metrics.requests.inc({ signal, code: String(res.statusCode) }));
      return;
    }
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      metrics.requests.inc({ signal, code: String(res.statusCode) });
      seconds.observe({ signal }, Number(process.hrtime.bigint() - started) / 1e9);
    });
  }

  #respond(req: IncomingMessage, res: ServerResponse, format: OtlpFormat, signal: Signal, accepted: AcceptOutcome): void {
    if (accepted.kind === 'ok') sendSuccess(res, signal, format, accepted.partial);
    else if (accepted.kind === 'invalid') this.#refuse(req, res, format, signal, { status: 400, message: accepted.message });
    else this.#refuse(req, res, format, signal, { status: 503, message: accepted.message, retryAfterSeconds: accepted.retryAfterSeconds });
  }

  /** The 403 for a Host header that is not one of the allowed names (no list: no check, no cost). */
  #hostRefusal(req: IncomingMessage): ErrorReply | undefined {
    if (this.#hostAllowed === undefined || this.#hostAllowed(req.headers.host)) return undefined;
    return hostRefusal(req.headers.host, this.#owner, this.#options.configKey);
  }

  #refuseRead(req: IncomingMessage, res: ServerResponse, format: OtlpFormat, signal: Signal, read: Exclude<ReadBodyOutcome, { kind: 'ok' }>): void {
    const reply = readRefusal(read, this.#maxBodyBytes);
    // Aborted: the client is gone, nobody to answer.
    if (reply !== undefined) this.#refuse(req, res, format, signal, reply);
  }

  #deny(req: IncomingMessage, res: ServerResponse, format: OtlpFormat, signal: Signal, denied: Extract<AuthOutcome, { ok: false }>): void {
    this.#observer.denied?.(denied.status, denied.accountId);
    this.#refuse(req, res, format, signal, { status: denied.status, message: denied.message, retryAfterSeconds: denied.retryAfterSeconds });
  }

  #throttle(
    req: IncomingMessage,
    res: ServerResponse,
    format: OtlpFormat,
    signal: Signal,
    accountId: string,
    reason: string,
    limit: { message: string; retryAfterSeconds: number },
    suffix = '',
  ): void {
    this.#observer.throttled?.(reason, accountId);
    this.#refuse(req, res, format, signal, { status: 429, message: `${limit.message}${suffix}`, retryAfterSeconds: limit.retryAfterSeconds });
  }

  /** Every refusal: in the request's encoding, lingering when the body was left unread. */
  #refuse(req: IncomingMessage, res: ServerResponse, format: OtlpFormat, signal: Signal | undefined, reply: ErrorReply): void {
    replyAndDropUnread(req, res, format, reply);
    if (signal !== undefined && reply.status >= 500) this.#observer.unavailable?.(signal, reply);
  }

  #fail(res: ServerResponse, err: unknown): void {
    this.#observer.failed?.(err);
    sendError(res, 'json', this.#internalError);
  }
}
