/**
 * The SigV4 canonical request and string to sign, built from a request as it arrived on the wire.
 * The verifier must rebuild exactly what the sender's signer built, so every rule here mirrors the
 * AWS specification for non-S3 services (path normalised, then URI-encoded a second time).
 */

/** Lower-case header name -> values in the order they arrived (duplicates kept apart). */
export type HeaderValues = ReadonlyMap<string, readonly string[]>;

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

// RFC 3986 unreserved characters stay literal; every other byte becomes %XX (upper-case hex).
const UNRESERVED = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') UNRESERVED[c.charCodeAt(0)] = 1;
const HEX = '0123456789ABCDEF';

/** Percent-encodes every byte of the UTF-8 form of `value` except RFC 3986 unreserved characters. */
export function uriEncode(value: string): string {
  let plain = true;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 128 || UNRESERVED[code] !== 1) {
      plain = false;
      break;
    }
  }
  if (plain) return value;
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  for (const byte of bytes) {
    if (byte < 128 && UNRESERVED[byte] === 1) out += String.fromCharCode(byte);
    else out += '%' + HEX.charAt(byte >> 4) + HEX.charAt(byte & 15);
  }
  return out;
}

/**
 * The canonical URI. With `normalize` (every service but S3) empty, `.` and `..` segments are
 * resolved first; then each segment of the path *as received* is encoded again, so `%20` on the wire
 * becomes `%2520`, as the AWS SDK signers do for non-S3 services. Without it (S3) the path is neither
 * normalised nor double-encoded.
 */
export function canonicalPath(path: string, normalize = true): string {
  if (path === '') return '/';
  // S3 signs the path encoded once: what arrived percent-encoded is signed as it is.
  if (!normalize) return path.split('/').map((segment) => uriEncode(decodeComponent(segment))).join('/');
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(uriEncode(segment));
  }
  const lead = path.startsWith('/') ? '/' : '';
  const trail = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return lead + segments.join('/') + trail;
}

function decodeComponent(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    // A malformed escape is signed as the literal text; the signature then decides.
    return value;
  }
}

/**
 * The canonical query string: each name and value decoded once and re-encoded per RFC 3986,
 * pairs sorted by encoded name then encoded value, a name without `=` given an empty value.
 */
export function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([uriEncode(decodeComponent(name)), uriEncode(decodeComponent(value))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** Trims a header value and collapses inner whitespace runs (including folded lines) to one space. */
export function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

/**
 * Collects header values by lower-case name. `rawHeaders` (node's `req.rawHeaders`) keeps duplicates
 * and their order, which the canonical form needs; without it node's joined `headers` are used.
 */
export function collectHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  rawHeaders?: readonly string[],
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (rawHeaders !== undefined) {
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = (rawHeaders[i] as string).toLowerCase();
      const value = rawHeaders[i + 1] as string;
      const list = out.get(name);
      if (list === undefined) out.set(name, [value]);
      else list.push(value);
    }
    return out;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out.set(name.toLowerCase(), Array.isArray(value) ? [...value] : [value]);
  }
  return out;
}

export interface CanonicalRequestInput {
  method: string;
  /** Path and query exactly as received (`req.url`). */
  rawPath: string;
  headers: HeaderValues;
  /** Lower-case names of the signed headers. */
  signedHeaders: readonly string[];
  /** Hex SHA-256 of the body, or the value of `x-amz-content-sha256`. */
  payloadHash: string;
  /** False only for S3-style signing, which neither normalises nor double-encodes the path. */
  normalizePath?: boolean;
}

/** Sorted, de-duplicated lower-case signed header names, as they appear in the canonical request. */
export function sortSignedHeaders(names: readonly string[]): string[] {
  return [...new Set(names.map((n) => n.toLowerCase()))].sort();
}

export function buildCanonicalRequest(input: CanonicalRequestInput): string {
  const q = input.rawPath.indexOf('?');
  const path = q < 0 ? input.rawPath : input.rawPath.slice(0, q);
  const query = q < 0 ? '' : input.rawPath.slice(q + 1);
  const signed = sortSignedHeaders(input.signedHeaders);
  let headerBlock = '';
  for (const name of signed) {
    const values = input.headers.get(name) ?? [];
    headerBlock += `${name}:${values.map(canonicalHeaderValue).join(',')}\n`;
  }
  return [
    input.method,
    canonicalPath(path, input.normalizePath ?? true),
    canonicalQuery(query),
    headerBlock,
    signed.join(';'),
    input.payloadHash,
  ].join('\n');
}

/** `<date>/<region>/<service>/aws4_request`. */
export function credentialScope(shortDate: string, region: string, service: string): string {
  return `${shortDate}/${region}/${service}/aws4_request`;
}

export function buildStringToSign(amzDate: string, scope: string, canonicalRequestHashHex: string): string {
  return `${SIGV4_ALGORITHM}\n${amzDate}\n${scope}\n${canonicalRequestHashHex}`;
}
