import type { ServerResponse } from 'node:http';
import { encodeExportResponse, encodeRpcStatus } from '../otlp/index.js';
import type { OtlpFormat, PartialSuccess, Signal } from '../otlp/model.js';
import { contentTypeOf } from './content-type.js';

/** google.rpc.Code for an HTTP status, as the OTLP/HTTP error body carries it. */
export function grpcCodeFor(status: number): number {
  switch (status) {
    case 400:
      return 3; // INVALID_ARGUMENT
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 5; // NOT_FOUND
    case 405:
      return 12; // UNIMPLEMENTED
    case 413:
      return 11; // OUT_OF_RANGE
    case 415:
      return 3;
    case 429:
      return 8; // RESOURCE_EXHAUSTED
    case 503:
      return 14; // UNAVAILABLE
    default:
      return 13; // INTERNAL
  }
}

export interface ErrorReply {
  status: number;
  message: string;
  retryAfterSeconds?: number | undefined;
  /** Close the connection after replying (body left unread). */
  close?: boolean;
  extraHeaders?: Record<string, string>;
}

export function sendError(res: ServerResponse, format: OtlpFormat, reply: ErrorReply): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = encodeRpcStatus({ code: grpcCodeFor(reply.status), message: reply.message }, format);
  const headers: Record<string, string | number> = {
    'content-type': contentTypeOf(format),
    'content-length': body.length,
    ...reply.extraHeaders,
  };
  if (reply.retryAfterSeconds !== undefined) headers['retry-after'] = Math.max(1, Math.ceil(reply.retryAfterSeconds));
  if (reply.close === true) headers['connection'] = 'close';
  res.writeHead(reply.status, headers);
  res.end(body);
}

export function sendSuccess(res: ServerResponse, signal: Signal, format: OtlpFormat, partial: PartialSuccess | undefined): void {
  const body = encodeExportResponse(signal, partial, format);
  res.writeHead(200, { 'content-type': contentTypeOf(format), 'content-length': body.length });
  res.end(body);
}
