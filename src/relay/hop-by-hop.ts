/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not forwarded. `expect`
 * is dropped too: the relay answers `100-continue` itself and forwards the complete body.
 * Everything else, `host` included, passes unchanged: SigV4 signs `host` and the other signed
 * headers, so any change would break the signature the hub verifies.
 */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'http2-settings',
]);

/**
 * Filters node's `rawHeaders` (name, value, name, value…) for forwarding: keeps order, case and
 * duplicates, drops hop-by-hop headers and any header the `Connection` header names.
 */
export function forwardableRawHeaders(rawHeaders: readonly string[]): string[] {
  const named = new Set<string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] ?? '').toLowerCase() === 'connection') {
      for (const token of (rawHeaders[i + 1] ?? '').split(',')) {
        const t = token.trim().toLowerCase();
        if (t !== '') named.add(t);
      }
    }
  }
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named.has(lower)) continue;
    out.push(name, rawHeaders[i + 1] ?? '');
  }
  return out;
}

/** True when the raw header list has `name` (case-insensitive). */
export function hasRawHeader(rawHeaders: readonly string[], name: string): boolean {
  const lower = name.toLowerCase();
  for (let i = 0; i < rawHeaders.length; i += 2) if ((rawHeaders[i] ?? '').toLowerCase() === lower) return true;
  return false;
}
