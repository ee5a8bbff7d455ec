import type { IncomingMessage } from 'node:http';

export type ReadBodyOutcome =
  | { kind: 'ok'; body: Buffer }
  | { kind: 'too-large'; receivedBytes: number }
  | { kind: 'aborted' }
  | { kind: 'timeout' };

/**
 * Reads a request body, refusing it as soon as more than `maxBytes` arrived (whatever
 * Content-Length claimed), so an oversized or endless body never sits in memory.
 */
export function readBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<ReadBodyOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    const finish = (outcome: ReadBodyOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('aborted', onAbort);
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > maxBytes) {
        req.pause();
        finish({ kind: 'too-large', receivedBytes: received });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish({ kind: 'ok', body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received) });
    const onAbort = (): void => finish({ kind: 'aborted' });
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    timer.unref();
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('aborted', onAbort);
  });
}
