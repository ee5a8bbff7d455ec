import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key per-client limits count under: the IPv4 address (IPv4-mapped IPv6 included), or the /64
 * prefix of an IPv6 address, since one IPv6 host usually holds a whole /64 and could otherwise open
 * every connection from a different address.
 */
export function clientKey(remoteAddress: string | undefined): string | undefined {
  if (remoteAddress === undefined || remoteAddress === '') return undefined;
  if (isIPv4(remoteAddress)) return remoteAddress;
  const lower = remoteAddress.toLowerCase();
  if (lower.startsWith('::ffff:') && isIPv4(lower.slice(7))) return lower.slice(7);
  if (!isIPv6(lower)) return lower;
  return `${ipv6Prefix64(lower)}::/64`;
}

/** The first four hextets of an IPv6 address, expanded (`2001:db8::1` → `2001:db8:0:0`). */
function ipv6Prefix64(address: string): string {
  const zone = address.indexOf('%');
  const a = zone === -1 ? address : address.slice(0, zone);
  const gap = a.indexOf('::');
  let groups: string[];
  if (gap === -1) {
    groups = a.split(':');
  } else {
    const head = a.slice(0, gap) === '' ? [] : a.slice(0, gap).split(':');
    const tail = a.slice(gap + 2) === '' ? [] : a.slice(gap + 2).split(':');
    // An embedded IPv4 tail (::1.2.3.4) counts as two groups.
    const tailGroups = tail.length > 0 && tail[tail.length - 1]!.includes('.') ? tail.length + 1 : tail.length;
    groups = [...head, ...new Array<string>(Math.max(0, 8 - head.length - tailGroups)).fill('0'), ...tail];
  }
  return groups
    .slice(0, 4)
    .map((g) => (g === '' ? '0' : g.replace(/^0+(?=.)/, '')))
    .join(':');
}
