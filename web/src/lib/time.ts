/** Unix-nanosecond strings (the API's time format) to and from milliseconds, and display forms. */

const NS_PER_MS = 1_000_000n;

export function nsToMs(ns: string): number {
  try {
    return Number(BigInt(ns) / NS_PER_MS);
  } catch {
    return Number.NaN;
  }
}

export function msToNs(ms: number): string {
  return (BigInt(Math.trunc(ms)) * NS_PER_MS).toString();
}

/** Nanoseconds between two timestamps as a Number (exact up to ~104 days). */
export function nsBetween(from: string, to: string): number {
  return Number(BigInt(to) - BigInt(from));
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `2026-11-30 14:03:07.123` in the browser's time zone. */
export function formatTime(ns: string | null | undefined, withMs = true): string {
  if (ns === null || ns === undefined || ns === '') return '—';
  const ms = nsToMs(ns);
  if (!Number.isFinite(ms) || ms === 0) return '—';
  const d = new Date(ms);
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withMs ? `${base}.${pad(d.getMilliseconds(), 3)}` : base;
}

/** "3 min ago" for recent times, else the time itself. */
export function formatAgo(ns: string | null | undefined, nowMs = Date.now()): string {
  if (ns === null || ns === undefined || ns === '') return 'never';
  const ms = nsToMs(ns);
  if (!Number.isFinite(ms)) return '—';
  const s = Math.round((nowMs - ms) / 1000);
  if (s < 0) return formatTime(ns, false);
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return formatTime(ns, false);
}

/** Value for an `<input type="datetime-local">` from unix ms (local time). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Unix ms from an `<input type="datetime-local">` value, or null when empty/invalid. */
export function fromLocalInput(value: string): number | null {
  if (value === '') return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** Orders two unix-ns strings (for sort). */
export function compareNs(a: string, b: string): number {
  try {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  } catch {
    return a.localeCompare(b);
  }
}
