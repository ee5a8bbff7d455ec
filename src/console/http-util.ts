import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { ErrorCode } from '../errors.js';
import { sendErrorJson, sendJson } from '../http/index.js';

export { sendJson };

/**
 * Error body of the console API: `{"error":{"code","message"}}`, with the HTTP status of `code`
 * in the error catalogue (src/errors.ts).
 */
export function sendApiError(res: ServerResponse, code: ErrorCode, message: string): void;
/**
 * @deprecated The status follows from the code: call `sendApiError(res, code, message)`. The
 * catalogue's status is sent whatever `status` says.
 */
export function sendApiError(res: ServerResponse, status: number, code: ErrorCode, message: string): void;
export function sendApiError(res: ServerResponse, a: ErrorCode | number, b: string, c?: string): void {
  const [code, message] = typeof a === 'number' ? [b as ErrorCode, c ?? ''] : [a, b];
  sendErrorJson(res, code, message);
}

/** Constant-time comparison of a presented bearer token with the admin token. */
export function bearerMatches(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization;
  if (header === undefined || !header.startsWith('Bearer ')) return false;
  const presented = createHash('sha256').update(header.slice(7).trim()).digest();
  const expected = createHash('sha256').update(token).digest();
  return timingSafeEqual(presented, expected);
}

/**
 * Reads a small JSON body (admin API). Never throws: too large, not JSON, not UTF-8, or a client
 * that went away gives `ok: false` and a message for a 400.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes = 64 * 1024): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > maxBytes) return { ok: false, message: `body over ${maxBytes} bytes` };
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      n += chunk.length;
      if (n > maxBytes) return { ok: false, message: `body over ${maxBytes} bytes` };
      chunks.push(chunk);
    }
  } catch {
    return { ok: false, message: 'request body not received completely' };
  }
  if (n === 0) return { ok: true, value: {} };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks, n));
  } catch {
    return { ok: false, message: 'body is not valid UTF-8' };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, message: 'body is not valid JSON' };
  }
}
