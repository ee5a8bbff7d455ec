import { promisify } from 'node:util';
import { gunzip, inflate, inflateRaw, constants } from 'node:zlib';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const inflateRawAsync = promisify(inflateRaw);

export type DecompressOutcome =
  | { kind: 'ok'; body: Buffer }
  | { kind: 'unsupported'; encoding: string }
  | { kind: 'too-large' }
  | { kind: 'corrupt'; message: string };

/**
 * Decodes a Content-Encoding. `maxOutputLength` makes zlib stop as soon as the output would pass
 * `maxBytes`, so a gzip bomb costs at most that much memory and the time to produce it.
 */
export async function decompress(body: Buffer, encodingHeader: string | undefined, maxBytes: number): Promise<DecompressOutcome> {
  const encoding = (encodingHeader ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return { kind: 'ok', body };
  const options = { maxOutputLength: maxBytes };
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') return { kind: 'ok', body: await gunzipAsync(body, options) };
    if (encoding === 'deflate') {
      // RFC 9110 "deflate" is zlib-wrapped, but some clients send raw deflate: tell them apart by
      // the zlib header's check bits (CMF*256+FLG divisible by 31, CM = 8).
      const zlibWrapped = body.length >= 2 && (body[0]! & 0x0f) === 8 && ((body[0]! << 8) | body[1]!) % 31 === 0;
      return { kind: 'ok', body: zlibWrapped ? await inflateAsync(body, options) : await inflateRawAsync(body, options) };
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) return { kind: 'too-large' };
    return { kind: 'corrupt', message: `cannot decode ${encoding} body: ${e.code === undefined ? e.message : zlibReason(e)}` };
  }
  return { kind: 'unsupported', encoding };
}

function zlibReason(e: NodeJS.ErrnoException): string {
  if (e.code === 'Z_BUF_ERROR' || e.errno === constants.Z_BUF_ERROR) return 'unexpected end of compressed data';
  return e.message;
}
