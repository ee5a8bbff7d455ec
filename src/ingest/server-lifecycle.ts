import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OtlpFormat } from '../otlp/model.js';
import { sendError, type ErrorReply } from './respond.js';

/** Listens and resolves with the bound address (port 0 → the port the OS chose); rejects on EADDRINUSE etc. */
export function listenOn(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Stops listening and drops every connection, idle or not. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // After a drain the server no longer listens, but connections may still be open.
    if (server.listening) server.close(() => resolve());
    else resolve();
    server.closeAllConnections();
  });
}

/**
 * OTLP error reply. A request whose body was not read completely gets `Connection: close` and its
 * socket is dropped shortly after the reply flushed, instead of reading (possibly huge) leftovers.
 */
export function replyAndDropUnread(req: IncomingMessage, res: ServerResponse, format: OtlpFormat, reply: ErrorReply): void {
  const unread = !req.complete;
  sendError(res, format, { ...reply, close: unread || reply.close === true });
  if (unread) res.once('finish', () => setTimeout(() => req.socket.destroy(), 50).unref());
}
