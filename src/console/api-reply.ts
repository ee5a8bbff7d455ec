import type { ErrorCode } from '../errors.js';
import { ERROR_CATALOGUE } from '../errors.js';

/** What a console API handler returns; the router writes it. Handlers never touch the response. */
export interface ApiReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export function ok(body: unknown, status = 200): ApiReply {
  return { status, body };
}

/** `{"error":{"code","message"}}` with the status of `code` in the error catalogue. */
export function apiError(code: ErrorCode, message: string, headers?: Record<string, string>): ApiReply {
  const reply: ApiReply = { status: ERROR_CATALOGUE[code].status, body: { error: { code, message } } };
  if (headers !== undefined) reply.headers = headers;
  return reply;
}

export const badRequest = (message: string): ApiReply => apiError('E2E_BAD_REQUEST', message);
export const notFound = (message: string): ApiReply => apiError('E2E_NOT_FOUND', message);
export const forbidden = (message: string): ApiReply => apiError('E2E_FORBIDDEN', message);
