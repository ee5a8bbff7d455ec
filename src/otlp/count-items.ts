import type { RequestBySignal, Signal } from './model.js';

/** Items in a request as usage plans and stats count them: spans, data points (all kinds), log records. */
export function countItems<S extends Signal>(signal: S, request: RequestBySignal[S]): number {
  let n = 0;
  switch (signal) {
    case 'traces':
      for (const rs of (request as RequestBySignal['traces']).resourceSpans) {
        for (const ss of rs.scopeSpans) n += ss.spans.length;
      }
      return n;
    case 'metrics':
      for (const rm of (request as RequestBySignal['metrics']).resourceMetrics) {
        for (const sm of rm.scopeMetrics) {
          for (const m of sm.metrics) {
            if (m.gauge !== undefined) n += m.gauge.dataPoints.length;
            if (m.sum !== undefined) n += m.sum.dataPoints.length;
            if (m.histogram !== undefined) n += m.histogram.dataPoints.length;
            if (m.exponentialHistogram !== undefined) n += m.exponentialHistogram.dataPoints.length;
            if (m.summary !== undefined) n += m.summary.dataPoints.length;
          }
        }
      }
      return n;
    case 'logs':
      for (const rl of (request as RequestBySignal['logs']).resourceLogs) {
        for (const sl of rl.scopeLogs) n += sl.logRecords.length;
      }
      return n;
    default:
      throw new TypeError(`unknown signal ${String(signal)}`);
  }
}
