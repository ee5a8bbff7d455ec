/**
 * Binds a server to its public names: `allowed(req.headers.host)` is true when the Host header
 * names one of them. An entry with a port (`hub.example.com:4318`) matches exactly that host and
 * port; an entry without one matches the name on any port. Names compare case-insensitively, a
 * trailing dot ignored; IPv6 literals are written in brackets (`[2001:db8::1]`).
 * An empty list allows every Host: `createHostAllowlist([])` returns undefined.
 */
export type HostAllowlist = (hostHeader: string | undefined) => boolean;

export function createHostAllowlist(entries: readonly string[]): HostAllowlist | undefined {
  if (entries.length === 0) return undefined;
  const exact = new Set<string>();
  const anyPort = new Set<string>();
  for (const entry of entries) {
    const e = entry.trim().toLowerCase();
    if (e === '') throw new TypeError('allowedHosts: empty entry');
    const split = splitHost(e);
    if (split === undefined || !isHostEntry(e)) throw new TypeError(`allowedHosts: ${JSON.stringify(entry)} is not a host or host:port`);
    if (split.port === undefined) anyPort.add(split.name);
    else exact.add(`${split.name}:${split.port}`);
  }
  return (hostHeader) => {
    if (hostHeader === undefined) return false;
    const split = splitHost(hostHeader.trim().toLowerCase());
    if (split === undefined) return false;
    if (anyPort.has(split.name)) return true;
    return split.port !== undefined && exact.has(`${split.name}:${split.port}`);
  };
}

/** True when `entry` is a valid allowedHosts entry (host, host:port, [v6] or [v6]:port). */
export function isHostEntry(entry: string): boolean {
  const e = entry.trim().toLowerCase();
  return e !== '' && splitHost(e) !== undefined && !/[\s/@?#]/.test(e);
}

function splitHost(host: string): { name: string; port: string | undefined } | undefined {
  let name: string;
  let port: string | undefined;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close === -1) return undefined;
    name = host.slice(0, close + 1);
    const rest = host.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return undefined;
    port = rest === '' ? undefined : rest.slice(1);
  } else {
    const colon = host.lastIndexOf(':');
    name = colon === -1 ? host : host.slice(0, colon);
    port = colon === -1 ? undefined : host.slice(colon + 1);
  }
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name === '' || (port !== undefined && !/^\d{1,5}$/.test(port))) return undefined;
  return { name, port };
}
