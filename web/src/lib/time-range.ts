import { useCallback, useMemo, useState } from 'preact/hooks';
import { msToNs, nsToMs } from './time.js';
import { useVisibleInterval } from './use-visible-interval.js';

/** Relative windows offered everywhere; the URL carries `range=<key>` or `since`/`until` (unix ns). */
export const PRESETS = [
  { key: '5m', label: 'Last 5 minutes', ms: 5 * 60_000 },
  { key: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { key: '1h', label: 'Last hour', ms: 3_600_000 },
  { key: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000 },
  { key: '24h', label: 'Last 24 hours', ms: 24 * 3_600_000 },
  { key: '7d', label: 'Last 7 days', ms: 7 * 24 * 3_600_000 },
] as const;

export type PresetKey = (typeof PRESETS)[number]['key'];

export interface TimeRange {
  sinceNs: string;
  untilNs: string;
  sinceMs: number;
  untilMs: number;
  /** The preset in use, or null for an absolute range. */
  preset: PresetKey | null;
}

const NS = /^\d{1,20}$/;

function resolveRange(rangeKey: string | undefined, since: string | undefined, until: string | undefined, fallback: PresetKey, nowMs: number): TimeRange {
  if (since !== undefined && NS.test(since)) {
    const untilNs = until !== undefined && NS.test(until) ? until : msToNs(nowMs);
    return { sinceNs: since, untilNs, sinceMs: nsToMs(since), untilMs: nsToMs(untilNs), preset: null };
  }
  // `fallback` is a PresetKey, so the second find always finds.
  const preset = PRESETS.find((p) => p.key === rangeKey) ?? PRESETS.find((p) => p.key === fallback)!;
  return { sinceNs: msToNs(nowMs - preset.ms), untilNs: msToNs(nowMs), sinceMs: nowMs - preset.ms, untilMs: nowMs, preset: preset.key };
}

/**
 * The view's time range from the URL. A relative range is pinned to "now" until `refresh()` (or
 * every `autoRefreshMs` while the page is visible), so a re-render does not refetch.
 */
export function useTimeRange(query: Record<string, string>, fallback: PresetKey, autoRefreshMs?: number): { range: TimeRange; refresh: () => void } {
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  const r = query['range'];
  const since = query['since'];
  const until = query['until'];
  const range = useMemo(
    () => resolveRange(r, since, until, fallback, Date.now()),
    // `tick` is not read: refresh() bumps it so that the range is pinned to a new "now".
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [r, since, until, fallback, tick],
  );
  useVisibleInterval(range.preset === null ? undefined : autoRefreshMs, refresh);
  return { range, refresh };
}

/** A chart step (seconds, ≥ 10 as the API requires) giving at most `maxPoints` points over the range. */
export function stepSecondsFor(range: TimeRange, maxPoints = 120): number {
  const spanS = Math.max(1, (range.untilMs - range.sinceMs) / 1000);
  const candidates = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400];
  return candidates.find((c) => spanS / c <= maxPoints) ?? 86_400;
}
