import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Bounds on reading and discarding what a refused client is still sending. */
export interface LingerLimits {
  /** Bytes discarded at most; past them the connection is cut. */
  maxBytes: number;
  /** Cut when the client sent nothing for this long. */
  idleMs: number;
  /** Cut after this long in all. */
  maxMs: number;
}

/**
 * 16 MiB covers a body somewhat over the default 10 MiB limit (the usual reason for a 413); 2 s of
 * silence or 10 s in all bound what a client that never finishes can hold.
 */
export const DEFAULT_LINGER: LingerLimits = { maxBytes: 16 * 1024 * 1024, idleMs: 2000, maxMs: 10_000 };

/**
 * Answers a request whose body was not (fully) read — a 413, 401, 403, 415, 429 decided from the
 * headers — so that the client reads the answer instead of a connection reset.
 *
 * Closing a socket with unread input makes the kernel send a RST, and a client still uploading
 * then fails its write (EPIPE/ECONNRESET) and often drops the response it had not parsed yet (RFC
 * 9112 §9.6, "the TCP reset problem"). So the complete response goes out at once with
 * `Connection: close`, the rest of the body is read and discarded, and the response is ended —
 * which lets Node close the connection — only once the client finished sending, or a limit in
 * `limits` is reached. One timer, only for such requests (their connection closes anyway).
 *
 * With the body already complete it is an ordinary `Connection: close` reply.
 */
export function respondAndLinger(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  body: Uint8Array | string,
  limits: LingerLimits = DEFAULT_LINGER,
): void {
  res.writeHead(status, { ...headers, connection: 'close' });
  if (req.complete || req.destroyed) {
    res.end(body);
    return;
  }
  res.write(body);
  const started = Date.now();
  let discarded = 0;
  let sawData = false;
  let finished = false;
  let timer: NodeJS.Timeout | undefined;

  const finish = (): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', finish);
    req.off('error', finish);
    req.off('close', finish);
    res.off('close', finish);
    // Ending lets Node half-close and then close the socket; any input still unread is cut by the kernel.
    if (!res.writableEnded && !res.destroyed) res.end();
  };
  const onData = (chunk: Buffer): void => {
    discarded += chunk.length;
    sawData = true;
    if (discarded > limits.maxBytes) finish();
  };
  const tick = (): void => {
    const elapsed = Date.now() - started;
    if (!sawData || elapsed >= limits.maxMs) return finish();
    sawData = false;
    timer = setTimeout(tick, Math.min(limits.idleMs, limits.maxMs - elapsed));
    timer.unref();
  };
  timer = setTimeout(tick, Math.min(limits.idleMs, limits.maxMs));
  timer.unref();
  req.on('data', onData);
  req.on('end', finish);
  req.on('error', finish);
  req.on('close', finish);
  res.on('close', finish);
  // A body reader that gave up may have paused the stream.
  req.resume();
}
