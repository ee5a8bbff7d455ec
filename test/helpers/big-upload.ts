/** A Node client uploading a large body, reading whatever answer arrives (early ones included). */
import http from 'node:http';
import { Readable } from 'node:stream';

export interface UploadOutcome {
  status?: number;
  headers?: http.IncomingHttpHeaders;
  body?: Buffer;
  /** A socket error that came before the whole response was read. */
  error?: string;
}

/**
 * How the body is written: one `end(buffer)`, 64 KiB `write`s honouring back-pressure, or piped
 * from a stream (as exporters that stream their payload do).
 */
export type UploadMode = 'end' | 'chunks' | 'stream';

const CHUNK_BYTES = 64 * 1024;

/**
 * POSTs `bytes` bytes with their Content-Length through `http.request` (as OTLP exporters do) and
 * resolves once the response was read completely, or with the error that prevented reading it.
 */
export function upload(url: string, bytes: number, headers: Record<string, string>, mode: UploadMode = 'end'): Promise<UploadOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: UploadOutcome): void => {
      if (settled) return;
      settled = true;
      resolve(o);
    };
    const req = http.request(url, { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(bytes) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', (err) => done({ error: `${(err as NodeJS.ErrnoException).code ?? err.message} while reading the response` }));
    });
    // An error after the response was read (the server closing a socket still being written to) is not a failure.
    req.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
    if (mode === 'end') {
      req.end(Buffer.alloc(bytes, 7));
      return;
    }
    const chunk = Buffer.alloc(CHUNK_BYTES, 7);
    if (mode === 'stream') {
      Readable.from(
        (function* () {
          for (let sent = 0; sent < bytes; sent += CHUNK_BYTES) yield sent + CHUNK_BYTES <= bytes ? chunk : chunk.subarray(0, bytes - sent);
        })(),
      )
        .on('error', () => undefined)
        .pipe(req);
      return;
    }
    let sent = 0;
    const pump = (): void => {
      while (sent < bytes && !req.destroyed) {
        const piece = sent + CHUNK_BYTES <= bytes ? chunk : chunk.subarray(0, bytes - sent);
        sent += piece.length;
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}
