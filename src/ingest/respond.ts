import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { grpcCodeForHttpStatus } from '../errors.js';
import { encodeExportResponse, encodeRpcStatus } from '../otlp/index.js';
import type { OtlpFormat, PartialSuccess, Signal } from '../otlp/model.js';
import { contentTypeOf } from './content-type.js';

export interface ErrorReply {
  /** An HTTP status of the error catalogue (src/errors.ts); the body's gRPC code follows from it. */
  status: number;
  message: string;
  retryAfterSeconds?: number | undefined;
  /** Close the connection after replying (body left unread). */
  close?: boolean;
  extraHeaders?: Record<string, string>;
}

/** Headers and `google.rpc.Status` body of an OTLP error reply, in the request's encoding. */
export function errorReplyParts(format: OtlpFormat, reply: ErrorReply): { headers: OutgoingHttpHeaders; body: Uint8Array } {
  const body = encodeRpcStatus({ code: grpcCodeForHttpStatus(reply.status), message: reply.message }, format);
  const headers: OutgoingHttpHeaders = {
    'content-type': contentTypeOf(format),
    'content-length': body.length,
    ...reply.extraHeaders,
  };
  if (reply.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(reply.retryAfterSeconds)));
  if (reply.close === true) headers['connection'] = 'close';
  return { headers, body };
}

export function sendError(res: ServerResponse, format: OtlpFormat, reply: ErrorReply): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { headers, body } = errorReplyParts(format, reply);
  res.writeHead(reply.status, headers);
  res.end(body);
}

export function sendSuccess(res: ServerResponse, signal: Signal, format: OtlpFormat, partial: PartialSuccess | undefined): void {
  const body = encodeExportResponse(signal, partial, format);
  res.writeHead(200, { 'content-type': contentTypeOf(format), 'content-length': body.length });
  res.end(body);
}
