import { readFileSync } from 'node:fs';

/** File descriptors kept for the process's own files (queue segments, store, registry, logs, outbound sockets). */
export const RESERVED_FILE_DESCRIPTORS = 512;
/** No server is lowered below this many connections (or its configured value, if smaller). */
const MIN_CONNECTIONS = 32;

/**
 * The soft RLIMIT_NOFILE of this process, from /proc/self/limits (Linux); undefined where it cannot
 * be read (then limits are not lowered).
 */
export function softOpenFilesLimit(readLimits: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  let text: string;
  try {
    text = readLimits();
  } catch {
    return undefined;
  }
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (m === null) return undefined;
  if (m[1] === 'unlimited') return Number.MAX_SAFE_INTEGER;
  const n = Number(m[1]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export interface ConnectionBudget {
  /** Granted maxConnections per server (never 0 = unlimited when the soft limit is known). */
  limits: Record<string, number>;
  /** Set when some server got less than configured: say so at start-up. */
  warning?: string;
}

/**
 * Fits the servers' connection limits into the file descriptors the process may open, keeping
 * `reserve` for its own files: with 20,000 sockets open the hub must still open queue segments.
 * When the configured limits (0 = unlimited) add up to more than `softLimit − reserve`, they are
 * lowered by max-min fair share: small limits are kept whole, the largest ones share what is left
 * (none below min(configured, 32)).
 */
export function fitConnectionLimits(
  requested: Readonly<Record<string, number>>,
  softLimit: number | undefined,
  reserve: number = RESERVED_FILE_DESCRIPTORS,
): ConnectionBudget {
  if (softLimit === undefined) return { limits: { ...requested } };
  const budget = Math.max(softLimit - reserve, MIN_CONNECTIONS * Object.keys(requested).length);
  const wanted = Object.fromEntries(Object.entries(requested).map(([k, v]) => [k, v === 0 ? budget : v]));
  const sum = Object.values(wanted).reduce((a, b) => a + b, 0);
  if (sum <= budget) return { limits: wanted };
  // Max-min fair share: the small servers (console, health) keep what they asked for, the big one
  // (ingest) gets the rest — the console must stay reachable when ingest is under attack.
  const limits: Record<string, number> = {};
  let left = budget;
  const order = Object.entries(wanted).sort((a, b) => a[1] - b[1]);
  order.forEach(([k, v], i) => {
    const share = Math.floor(left / (order.length - i));
    limits[k] = Math.max(Math.min(v, MIN_CONNECTIONS), Math.min(v, share));
    left -= limits[k];
  });
  const changes = Object.keys(limits)
    .filter((k) => limits[k] !== requested[k])
    .map((k) => `${k} ${requested[k] === 0 ? 'unlimited' : requested[k]} → ${limits[k]}`)
    .join(', ');
  return {
    limits,
    warning: `connection limits lowered to fit the open-files limit (soft RLIMIT_NOFILE ${softLimit}, ${reserve} kept for the process's own files): ${changes}; raise the limit (ulimit -n, LimitNOFILE=) to allow more`,
  };
}
