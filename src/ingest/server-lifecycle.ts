import type { IncomingMessage, ServerResponse } from 'node:http';
import { respondAndLinger } from '../http/index.js';
import type { OtlpFormat } from '../otlp/model.js';
import { errorReplyParts, sendError, type ErrorReply } from './respond.js';

/**
 * OTLP error reply. A request whose body was not read completely (refused from its headers: 413,
 * 401, 403, 415, 429, …) is answered with `Connection: close` and a lingering close, so the client
 * reads the reply instead of a connection reset (see src/http/lingering-close.ts).
 */
export function replyAndDropUnread(req: IncomingMessage, res: ServerResponse, format: OtlpFormat, reply: ErrorReply): void {
  if (req.complete || res.headersSent) {
    sendError(res, format, reply);
    return;
  }
  const { headers, body } = errorReplyParts(format, reply);
  respondAndLinger(req, res, reply.status, headers, body);
}
