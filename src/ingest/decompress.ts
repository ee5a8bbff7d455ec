import { constants, createGunzip, createInflate, createInflateRaw, type Gunzip, type Inflate, type InflateRaw } from 'node:zlib';

export type DecompressOutcome =
  /** `release` returns the body's bytes to the in-flight budget once the caller is done with it. */
  | { kind: 'ok'; body: Buffer; release: () => void }
  | { kind: 'unsupported'; encoding: string }
  | { kind: 'too-large' }
  /** The in-flight budget is spent by other requests: retry shortly (503). */
  | { kind: 'busy' }
  | { kind: 'corrupt'; message: string };

/**
 * Bytes of decompressed bodies held at once by all requests together. Inflation is charged chunk
 * by chunk, so a request stops as soon as it would pass either its own limit or the shared one:
 * a flood of small gzip bombs cannot add up to gigabytes before any limit is checked.
 */
export interface DecompressBudget {
  readonly inFlightBytes: number;
  decompress(body: Buffer, encodingHeader: string | undefined, maxBytes: number): Promise<DecompressOutcome>;
}

export function createDecompressBudget(maxBytesInFlight: number): DecompressBudget {
  let inFlight = 0;
  const take = (n: number): boolean => {
    if (inFlight + n > maxBytesInFlight) return false;
    inFlight += n;
    return true;
  };
  const give = (n: number): void => {
    inFlight -= n;
  };
  return {
    get inFlightBytes() {
      return inFlight;
    },
    async decompress(body, encodingHeader, maxBytes) {
      const encoding = (encodingHeader ?? 'identity').trim().toLowerCase();
      if (encoding === 'identity' || encoding === '') {
        // The body is already in memory (bounded on the wire); it still counts while it is prepared.
        if (!take(body.length)) return { kind: 'busy' };
        return { kind: 'ok', body, release: once(() => give(body.length)) };
      }
      // Output in chunks that grow with the body: few buffers for a big one (thousands of 16 KiB
      // chunks cost several times their size in allocator overhead before GC frees them).
      const chunkSize = Math.min(4 * 1024 * 1024, Math.max(64 * 1024, body.length * 8));
      let stream: Gunzip | Inflate | InflateRaw;
      if (encoding === 'gzip' || encoding === 'x-gzip') stream = createGunzip({ chunkSize });
      else if (encoding === 'deflate') {
        // RFC 9110 "deflate" is zlib-wrapped, but some clients send raw deflate: tell them apart by
        // the zlib header's check bits (CMF*256+FLG divisible by 31, CM = 8).
        const zlibWrapped = body.length >= 2 && ((body[0] as number) & 0x0f) === 8 && (((body[0] as number) << 8) | (body[1] as number)) % 31 === 0;
        stream = zlibWrapped ? createInflate({ chunkSize }) : createInflateRaw({ chunkSize });
      } else return { kind: 'unsupported', encoding };
      return inflate(stream, body, encoding, maxBytes, take, give);
    },
  };
}

function inflate(
  stream: Gunzip | Inflate | InflateRaw,
  body: Buffer,
  encoding: string,
  maxBytes: number,
  take: (n: number) => boolean,
  give: (n: number) => void,
): Promise<DecompressOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (outcome: DecompressOutcome): void => {
      if (settled) return;
      settled = true;
      if (outcome.kind !== 'ok') {
        give(size);
        stream.destroy();
      }
      resolve(outcome);
    };
    stream.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (size + chunk.length > maxBytes) return finish({ kind: 'too-large' });
      if (!take(chunk.length)) return finish({ kind: 'busy' });
      size += chunk.length;
      chunks.push(chunk);
    });
    stream.on('error', (err: NodeJS.ErrnoException) => finish({ kind: 'corrupt', message: `cannot decode ${encoding} body: ${zlibReason(err)}` }));
    stream.on('end', () => {
      // One buffer for the scan; the chunks go as soon as it is made (counted once, not twice).
      const out = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      chunks.length = 0;
      const held = size;
      finish({ kind: 'ok', body: out, release: once(() => give(held)) });
    });
    stream.end(body);
  });
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

function zlibReason(e: NodeJS.ErrnoException): string {
  if (e.code === 'Z_BUF_ERROR' || e.errno === constants.Z_BUF_ERROR) return 'unexpected end of compressed data';
  return e.message;
}
