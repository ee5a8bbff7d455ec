import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { isRetryableStatus, parseRetryAfterMs, type RetryProtocol } from './retry-policy.js';

const gzip = promisify(gzipCallback);

/** Configured headers with lower-case names, so the exporters' own headers replace them whatever their case. */
export function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}

/** What one HTTP send came to. Network problems are returned as 'retryable', never thrown. */
export type SendOutcome =
  | { kind: 'success'; status: number; body: Uint8Array }
  | { kind: 'retryable'; status?: number; retryAfterMs?: number; message: string }
  | {
      kind: 'failure';
      status: number;
      message: string;
      /** The response body (capped), e.g. a protobuf google.rpc.Status the caller may decode. */
      body: Uint8Array;
      contentType?: string;
    };

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
  /** Compress the body and send `Content-Encoding: gzip`. */
  gzip: boolean;
}

export interface HttpSender {
  send(request: SendRequest): Promise<SendOutcome>;
  /** Closes idle keep-alive sockets; in-flight sends are destroyed. */
  close(): void;
}

export interface HttpSenderOptions {
  /** Whole-exchange deadline: connect, upload, response headers and body. */
  timeoutMs: number;
  /** Sockets per origin. Default 4. */
  maxConnections?: number;
  /** Response bodies are read up to this size; the rest is discarded (error bodies are small). Default 1 MiB. */
  maxResponseBytes?: number;
  /** Which protocol's retry rules apply to HTTP statuses. Default 'otlp'. */
  retryProtocol?: RetryProtocol;
  /** Clock for Retry-After HTTP-dates. */
  nowMs?: () => number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
/** Longest server message quoted in an outcome's message, so logs stay readable. */
const MAX_MESSAGE_CHARS = 1024;

/**
 * HTTP(S) POST sender over keep-alive agents (node:http rather than fetch for exact control over
 * timeouts, socket reuse and response size). Options are validated at construction.
 */
export function createHttpSender(options: HttpSenderOptions): HttpSender {
  if (!(options.timeoutMs > 0)) throw new TypeError('createHttpSender: timeoutMs must be > 0');
  const maxSockets = options.maxConnections ?? 4;
  if (!Number.isInteger(maxSockets) || maxSockets < 1) {
    throw new TypeError('createHttpSender: maxConnections must be a positive integer');
  }
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const protocol = options.retryProtocol ?? 'otlp';
  const nowMs = options.nowMs ?? Date.now;
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets });
  const inFlight = new Set<http.ClientRequest>();

  async function send(request: SendRequest): Promise<SendOutcome> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      throw new TypeError(`http sender: invalid URL ${request.url}`);
    }
    const isHttps = url.protocol === 'https:';
    if (!isHttps && url.protocol !== 'http:') throw new TypeError(`http sender: unsupported protocol ${url.protocol}`);
    const body = request.gzip ? await gzip(request.body) : request.body;
    const headers: Record<string, string> = { ...request.headers, 'content-length': String(body.byteLength) };
    if (request.gzip) headers['content-encoding'] = 'gzip';

    return new Promise<SendOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: SendOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        inFlight.delete(req);
        resolve(outcome);
      };
      const req = (isHttps ? https : http).request(url, {
        method: 'POST',
        headers,
        agent: isHttps ? httpsAgent : httpAgent,
      });
      inFlight.add(req);
      const timer = setTimeout(() => {
        req.destroy(new Error(`timed out after ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        const code = err.code === undefined ? '' : `${err.code}: `;
        finish({ kind: 'retryable', message: `${request.url}: ${code}${err.message}` });
      });
      req.on('response', (res) => {
        readCapped(res, maxResponseBytes, (responseBody, error) => {
          const status = res.statusCode ?? 0;
          if (error !== undefined && status >= 200 && status < 300) {
            // A success whose body broke off is still a success: the server accepted the data.
            finish({ kind: 'success', status, body: responseBody });
            return;
          }
          finish(classify(status, res.headers, responseBody, request.url));
        });
      });
      req.end(body);
    });
  }

  function classify(
    status: number,
    headers: http.IncomingHttpHeaders,
    body: Uint8Array,
    url: string,
  ): SendOutcome {
    if (status >= 200 && status < 300) return { kind: 'success', status, body };
    const contentType = headers['content-type'];
    const message = `${url}: HTTP ${status}${serverMessage(body, contentType)}`;
    if (isRetryableStatus(status, protocol)) {
      const retryAfterMs = parseRetryAfterMs(headers['retry-after'], nowMs());
      return retryAfterMs === undefined
        ? { kind: 'retryable', status, message }
        : { kind: 'retryable', status, retryAfterMs, message };
    }
    return contentType === undefined
      ? { kind: 'failure', status, message, body }
      : { kind: 'failure', status, message, body, contentType };
  }

  return {
    send,
    close(): void {
      for (const req of inFlight) req.destroy(new Error('sender closed'));
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/** Reads at most `maxBytes` of a response, then stops reading (and drops the socket rather than drain a flood). */
function readCapped(
  res: http.IncomingMessage,
  maxBytes: number,
  done: (body: Uint8Array, error?: Error) => void,
): void {
  const chunks: Buffer[] = [];
  let total = 0;
  let finished = false;
  const end = (error?: Error): void => {
    if (finished) return;
    finished = true;
    done(Buffer.concat(chunks), error);
  };
  res.on('data', (chunk: Buffer) => {
    if (finished) return;
    const room = maxBytes - total;
    if (chunk.length >= room) {
      chunks.push(chunk.subarray(0, room));
      total = maxBytes;
      end();
      res.destroy();
      return;
    }
    chunks.push(chunk);
    total += chunk.length;
  });
  res.on('end', () => end());
  res.on('error', (err) => end(err));
  res.on('close', () => end(new Error('response closed early')));
}

/** The server's message as text when the body is textual; binary bodies (protobuf Status) are left to the caller. */
function serverMessage(body: Uint8Array, contentType: string | undefined): string {
  if (body.byteLength === 0) return '';
  if (contentType !== undefined && /protobuf|octet-stream/i.test(contentType)) return '';
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8').trim();
  if (text === '') return '';
  return `: ${text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text}`;
}
