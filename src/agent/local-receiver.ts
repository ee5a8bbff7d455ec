import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OtlpFormat, Signal } from '../otlp/model.js';
import { closeServer, createDecompressBudget, listenOn, parseOtlpContentType, readBody, replyAndDropUnread, sendError, sendSuccess } from '../ingest/index.js';
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
  /** New requests get 503; resolves when requests in flight are answered. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

const SIGNAL_PATHS: Readonly<Record<string, Signal>> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics', '/v1/logs': 'logs' };

/**
 * The agent's OTLP/HTTP receiver for the workload's own applications: protobuf and JSON, gzip and
 * deflate, answers in the request's encoding. No authentication: it listens on loopback (or a
 * private address) of the workload itself, as an OpenTelemetry Collector's receiver would.
 */
export function createLocalReceiver(options: LocalReceiverOptions): LocalReceiver {
  let inFlight = 0;
  // Decompressed bodies held at once: bounded like the hub's (4 × the per-request limit).
  const decompressor = createDecompressBudget(4 * options.maxDecompressedBytes);
  let draining = false;
  let drainWaiter: (() => void) | undefined;

  const server: Server = createServer((req, res) => {
    inFlight++;
    res.on('close', () => {
      inFlight--;
      if (draining && inFlight === 0) drainWaiter?.();
    });
    handle(req, res).catch((err: unknown) => {
      options.onError?.(err);
      sendError(res, 'json', { status: 500, message: 'internal error; see the agent log' });
    });
  });
  server.requestTimeout = options.requestTimeoutMs;
  server.headersTimeout = Math.min(options.requestTimeoutMs, 60_000);
  server.keepAliveTimeout = 65_000;

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
    drain() {
      draining = true;
      server.close();
      server.closeIdleConnections();
      if (inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        drainWaiter = resolve;
      });
    },
    close: () => {
      draining = true;
      return closeServer(server);
    },
  };
}
