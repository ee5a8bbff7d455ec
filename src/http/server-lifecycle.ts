import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectionGuard } from './connection-guard.js';
import type { RequestSlots } from './request-slots.js';

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

/** Stops listening and drops every connection, idle or not (TLS handshakes in progress included). */
export function closeServer(server: Server, guard?: ConnectionGuard): Promise<void> {
  return new Promise((resolve) => {
    // After a drain the server no longer listens, but connections may still be open.
    if (server.listening) server.close(() => resolve());
    else resolve();
    server.closeAllConnections();
    guard?.destroyAll();
  });
}

export type DrainOutcome = 'drained' | 'deadline';

/**
 * Graceful stop with a deadline: stops accepting, closes idle keep-alive connections, waits until
 * no request holds a slot (handlers should answer with `Connection: close` meanwhile), then
 * destroys whatever is still open. After `timeoutMs` it destroys the rest without waiting more,
 * so a stuck or malicious connection can never hold a shutdown.
 */
export async function drainServer(server: Server, slots: RequestSlots, guard: ConnectionGuard, timeoutMs: number): Promise<DrainOutcome> {
  if (server.listening) server.close();
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race<DrainOutcome>([
    slots.idle().then(() => 'drained' as const),
    new Promise<DrainOutcome>((resolve) => {
      // setTimeout would turn Infinity (no deadline) into 1 ms.
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve('deadline'), Math.max(0, timeoutMs));
    }),
  ]);
  clearTimeout(timer);
  server.closeAllConnections();
  guard.destroyAll();
  return outcome;
}
