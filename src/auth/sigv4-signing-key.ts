import { createHmac } from 'node:crypto';

// Four chained HMACs per request would dominate verification; a key only changes per day, region,
// service and secret, so derived keys are cached. The bound keeps memory flat when many keys rotate.
const MAX_CACHED_KEYS = 4096;
const cache = new Map<string, Buffer>();

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/**
 * The SigV4 signing key: HMAC chain over `AWS4<secret>`, date (yyyymmdd), region, service and
 * `aws4_request`. Cached per (secret, date, region, service).
 */
export function deriveSigningKey(secretAccessKey: string, shortDate: string, region: string, service: string): Buffer {
  const cacheKey = `${shortDate}\n${region}\n${service}\n${secretAccessKey}`;
  const hit = cache.get(cacheKey);
  if (hit !== undefined) return hit;
  const kDate = hmac(`AWS4${secretAccessKey}`, shortDate);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  const kSigning = hmac(kService, 'aws4_request');
  if (cache.size >= MAX_CACHED_KEYS) {
    // Oldest first: Map iterates in insertion order.
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(cacheKey, kSigning);
  return kSigning;
}

/** Hex HMAC-SHA256 of the string to sign under the signing key. */
export function signString(signingKey: Buffer, stringToSign: string): string {
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}
