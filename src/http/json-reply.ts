import type { ServerResponse } from 'node:http';
import { ERROR_CATALOGUE, type ErrorCode } from '../errors.js';

/** A JSON reply, never cached. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/**
 * The JSON error body of the non-OTLP endpoints (console API, agent health): `{"error":{"code",
 * "message"}}` with the HTTP status of `code` in the error catalogue.
 */
export function sendErrorJson(res: ServerResponse, code: ErrorCode, message: string): void {
  sendJson(res, ERROR_CATALOGUE[code].status, { error: { code, message } });
}
