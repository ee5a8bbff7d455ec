/**
 * Start times of cumulative series whose exporter gives no `_created` sample: the first time the
 * scraper saw the series, moved forward when the value drops (a counter reset, e.g. the exporter
 * restarted), so OTLP consumers compute rates over the right interval.
 */
export interface StartTimeCache {
  /** Start time (unix ms) for `seriesKey` seen at `nowMs` with cumulative `value`. */
  startTimeMs(seriesKey: string, value: number, nowMs: number): number;
  /** Forgets series not seen since `cutoffMs` (targets gone, series churned). */
  forgetOlderThan(cutoffMs: number): void;
  readonly size: number;
}

interface Entry {
  startMs: number;
  lastValue: number;
  lastSeenMs: number;
}

export interface StartTimeCacheOptions {
  /** Bound on remembered series; when full the least recently inserted are dropped. Default 1 000 000. */
  maxSeries?: number;
}

export function createStartTimeCache(options: StartTimeCacheOptions = {}): StartTimeCache {
  const maxSeries = options.maxSeries ?? 1_000_000;
  if (!Number.isInteger(maxSeries) || maxSeries < 1) throw new TypeError('createStartTimeCache: maxSeries must be a positive integer');
  const entries = new Map<string, Entry>();
  return {
    startTimeMs(seriesKey, value, nowMs) {
      const e = entries.get(seriesKey);
      if (e === undefined) {
        if (entries.size >= maxSeries) {
          const oldest = entries.keys().next();
          if (oldest.done !== true) entries.delete(oldest.value);
        }
        entries.set(seriesKey, { startMs: nowMs, lastValue: value, lastSeenMs: nowMs });
        return nowMs;
      }
      // A cumulative value that went down was reset; the new run started after the last scrape.
      if (value < e.lastValue) e.startMs = Math.min(nowMs, e.lastSeenMs + 1);
      e.lastValue = value;
      e.lastSeenMs = nowMs;
      return e.startMs;
    },
    forgetOlderThan(cutoffMs) {
      for (const [k, e] of entries) if (e.lastSeenMs < cutoffMs) entries.delete(k);
    },
    get size() {
      return entries.size;
    },
  };
}
