import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { closeServer, createHttpServer, createRequestSlots, drainServer, listenOn, type DrainOutcome, type HttpMetrics } from '../http/index.js';
import type { OtlpFormat, Signal } from '../otlp/model.js';
import { createDecompressBudget, parseOtlpContentType, readBody, replyAndDropUnread, sendError, sendSuccess } from '../ingest/index.js';
import type { ErrorReply } from '../ingest/respond.js';

/** What the agent made of one received request. */
export type AcceptOutcome =
  | { kind: 'ok'; items: number }
  /** Undecodable or over a count limit: 400. */
  | { kind: 'invalid'; message: string }
  /** Not durable (queue full, closed or failing): 503 with Retry-After. */
  | { kind: 'unavailable'; message: string; retryAfterSeconds: number };

export interface LocalReceiverOptions {
  host: string;
  port: number;
  /** Limits as the hub's: on Content-Length, on bytes read and after decompression (zip bombs). */
  maxBodyBytes: number;
  maxDecompressedBytes: number;
  requestTimeoutMs: number;
  /** Requests worked on at once; beyond it 503 with Retry-After. Default 256. */
  maxConcurrentRequests?: number;
  /** Connection limits (0 = none) and timeouts; defaults in LOCAL_RECEIVER_CONNECTION_DEFAULTS. */
  maxConnections?: number;
  maxConnectionsPerClient?: number;
  headersTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Connection metrics under server="agent_otlp". */
  httpMetrics?: HttpMetrics;
  logger?: Logger;
  /**
   * Makes a request durable (one pass: check, limit, stamp, queue append). 200 is answered only
   * when it resolved 'ok'; 'unavailable' answers 503 with Retry-After so the sender keeps the data.
   */
  accept(input: { signal: Signal; body: Uint8Array; format: OtlpFormat }): Promise<AcceptOutcome>;
  /** Told about every answered OTLP request (for self-metrics). */
  onRequest?(signal: Signal, status: number, items: number): void;
  onError?(err: unknown): void;
}

export interface LocalReceiver {
  listen(): Promise<AddressInfo>;
  address(): AddressInfo;
  /** New requests get 503; resolves when requests in flight are answered, or after `timeoutMs` with the rest cut. */
  drain(timeoutMs?: number): Promise<DrainOutcome>;
  close(): Promise<void>;
}

const SIGNAL_PATHS: Readonly<Record<string, Signal>> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics', '/v1/logs': 'logs' };

/**
 * The workload's own applications, usually on the same host: every one of them comes from the same
 * (loopback) address, so there is no per-client limit by default.
 */
export const LOCAL_RECEIVER_CONNECTION_DEFAULTS = {
  maxConnections: 1024,
  maxConnectionsPerClient: 0,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 65_000,
  maxConcurrentRequests: 256,
} as const;

/**
 * The agent's OTLP/HTTP receiver for the workload's own applications: protobuf and JSON, gzip and
 * deflate, answers in the request's encoding. No authentication: it listens on loopback (or a
 * private address) of the workload itself, as an OpenTelemetry Collector's receiver would.
 */
export function createLocalReceiver(options: LocalReceiverOptions): LocalReceiver {
  // Decompressed bodies held at once: bounded like the hub's (4 × the per-request limit).
  const decompressor = createDecompressBudget(4 * options.maxDecompressedBytes);
  let draining = false;
  const slots = createRequestSlots({ max: options.maxConcurrentRequests ?? LOCAL_RECEIVER_CONNECTION_DEFAULTS.maxConcurrentRequests });
  const { server, guard } = createHttpServer(
    {
      name: 'agent_otlp',
      limits: {
        maxConnections: options.maxConnections ?? LOCAL_RECEIVER_CONNECTION_DEFAULTS.maxConnections,
        maxConnectionsPerClient: options.maxConnectionsPerClient ?? LOCAL_RECEIVER_CONNECTION_DEFAULTS.maxConnectionsPerClient,
        headersTimeoutMs: options.headersTimeoutMs ?? LOCAL_RECEIVER_CONNECTION_DEFAULTS.headersTimeoutMs,
        requestTimeoutMs: options.requestTimeoutMs,
        idleTimeoutMs: options.idleTimeoutMs ?? LOCAL_RECEIVER_CONNECTION_DEFAULTS.idleTimeoutMs,
      },
      metrics: options.httpMetrics,
      logger: options.logger,
      slots,
    },
    (req, res) => {
      // Released exactly once, whatever happens to the response or its connection.
      slots.acquire(req, res);
      if (draining) res.setHeader('connection', 'close');
      handle(req, res).catch((err: unknown) => {
        options.onError?.(err);
        sendError(res, 'json', { status: 500, message: 'internal error; see the agent log' });
      });
    },
  );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const signal = SIGNAL_PATHS[path];
    const contentType = parseOtlpContentType(req.headers['content-type']);
    const format: OtlpFormat = contentType ?? 'json';
    const reply = (status: number, r: Omit<ErrorReply, 'status'>, items = 0): void => {
      reject(req, res, format, { status, ...r });
      if (signal !== undefined) options.onRequest?.(signal, status, items);
    };
    if (signal === undefined) {
      if (req.method === 'GET' && (path === '/' || path === '/healthz')) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return;
      }
      return reply(404, { message: `no route ${path}; OTLP/HTTP paths are /v1/traces, /v1/metrics, /v1/logs` });
    }
    if (req.method !== 'POST') return reply(405, { message: `${path} accepts POST only`, extraHeaders: { allow: 'POST' } });
    if (draining) return reply(503, { message: 'the agent is shutting down', retryAfterSeconds: 5 });
    if (slots.overLimit()) return reply(503, { message: 'too many concurrent requests', retryAfterSeconds: 1 });
    if (contentType === undefined) {
      return reply(415, {
        message: `unsupported Content-Type '${req.headers['content-type'] ?? ''}'; use application/x-protobuf or application/json`,
      });
    }
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > options.maxBodyBytes) {
      return reply(413, { message: `body of ${declared} bytes is over the limit of ${options.maxBodyBytes} bytes` });
    }
    const read = await readBody(req, options.maxBodyBytes, options.requestTimeoutMs);
    if (read.kind === 'aborted') return;
    if (read.kind === 'timeout') return reply(408, { message: 'request body not received in time' });
    if (read.kind === 'too-large') return reply(413, { message: `body is over the limit of ${options.maxBodyBytes} bytes` });
    const inflated = await decompressor.decompress(read.body, req.headers['content-encoding'], options.maxDecompressedBytes);
    if (inflated.kind === 'busy') return reply(503, { message: 'the agent is busy with other large requests; retry later', retryAfterSeconds: 1 });
    if (inflated.kind === 'too-large') {
      return reply(413, { message: `decompressed body is over the limit of ${options.maxDecompressedBytes} bytes` });
    }
    if (inflated.kind === 'unsupported') {
      return reply(415, { message: `unsupported Content-Encoding '${inflated.encoding}'; use gzip, deflate or none` });
    }
    if (inflated.kind === 'corrupt') return reply(400, { message: inflated.message });
    let accepted: AcceptOutcome;
    try {
      accepted = await options.accept({ signal, body: inflated.body, format: contentType });
    } finally {
      inflated.release();
    }
    if (accepted.kind === 'invalid') return reply(400, { message: accepted.message });
    if (accepted.kind === 'unavailable') return reply(503, { message: accepted.message, retryAfterSeconds: accepted.retryAfterSeconds });
    const items = accepted.items;
    sendSuccess(res, signal, contentType, undefined);
    options.onRequest?.(signal, 200, items);
  }

  /** Error reply; a body left unread closes the connection rather than being drained. */
  function reject(req: IncomingMessage, res: ServerResponse, format: OtlpFormat, r: ErrorReply): void {
    replyAndDropUnread(req, res, format, r);
  }

  return {
    listen: () => listenOn(server, options.host, options.port),
    address: () => server.address() as AddressInfo,
    drain(timeoutMs = Infinity) {
      draining = true;
      return drainServer(server, slots, guard, timeoutMs);
    },
    close: () => {
      draining = true;
      return closeServer(server, guard);
    },
  };
}
