import { globToRegExp, severityNumberOf, type OptInInclude } from '../../src/otlp/scan/index.js';
import type {
  AnyValue,
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  KeyValue,
  LogRecord,
} from '../../src/otlp/model.js';

/**
 * The model-based opt-in filter the agent used before the one-pass scanner; kept as the test oracle
 * the scanner's opt-in must agree with.
 */

export interface OptInFilter {
  /** A pruned copy with only the matching metrics, or undefined when nothing matches. */
  metrics(request: ExportMetricsServiceRequest): ExportMetricsServiceRequest | undefined;
  logs(request: ExportLogsServiceRequest): ExportLogsServiceRequest | undefined;
  traces(request: ExportTraceServiceRequest): ExportTraceServiceRequest | undefined;
}

/** A scalar attribute value as text for equality checks; complex values never match. */
function scalarText(v: AnyValue | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return String(v.boolValue);
  if (v.intValue !== undefined) return v.intValue.toString();
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  return undefined;
}

function attributeText(attributes: readonly KeyValue[], key: string): string | undefined {
  for (let i = attributes.length - 1; i >= 0; i--) {
    const kv = attributes[i];
    if (kv !== undefined && kv.key === key) return scalarText(kv.value);
  }
  return undefined;
}

/** Every wanted attribute is present with that value, on the resource or on the item itself. */
function attributesMatch(wanted: readonly [string, string][], resource: readonly KeyValue[], item: readonly KeyValue[]): boolean {
  for (const [k, v] of wanted) {
    if (attributeText(item, k) !== v && attributeText(resource, k) !== v) return false;
  }
  return true;
}

/**
 * Builds the opt-in filter for the hub exporter. An empty include sends nothing: opting in is
 * explicit. Several logs/traces attributes must all match (AND); several metric globs are
 * alternatives (OR). `minSeverity` keeps log records at or above the level; a record without a
 * severity number falls back to its severity text, and one with neither is dropped.
 * The filter is pure: inputs are never modified; outputs share unmodified leaves with inputs.
 */
export function createOptInFilter(include: OptInInclude): OptInFilter {
  const nameRes = include.metrics.names.map(globToRegExp);
  const logAttrs = Object.entries(include.logs.attributes);
  let minSeverity: number | undefined;
  if (include.logs.minSeverity !== null) {
    minSeverity = severityNumberOf(include.logs.minSeverity);
    if (minSeverity === undefined) throw new TypeError(`opt-in filter: unknown minSeverity ${JSON.stringify(include.logs.minSeverity)}`);
  }
  const logsEnabled = logAttrs.length > 0 || minSeverity !== undefined;
  const traceAttrs = Object.entries(include.traces.attributes);

  const severityOk = (r: LogRecord): boolean => {
    if (minSeverity === undefined) return true;
    const n = r.severityNumber > 0 ? r.severityNumber : r.severityText === '' ? undefined : severityNumberOf(r.severityText);
    return n !== undefined && n >= minSeverity;
  };

  return {
    metrics(request) {
      if (nameRes.length === 0) return undefined;
      const resourceMetrics = [];
      for (const rm of request.resourceMetrics) {
        const scopeMetrics = [];
        for (const sm of rm.scopeMetrics) {
          const metrics = sm.metrics.filter((m) => nameRes.some((re) => re.test(m.name)));
          if (metrics.length > 0) scopeMetrics.push({ ...sm, metrics });
        }
        if (scopeMetrics.length > 0) resourceMetrics.push({ ...rm, scopeMetrics });
      }
      return resourceMetrics.length > 0 ? { resourceMetrics } : undefined;
    },
    logs(request) {
      if (!logsEnabled) return undefined;
      const resourceLogs = [];
      for (const rl of request.resourceLogs) {
        const resAttrs = rl.resource?.attributes ?? [];
        const scopeLogs = [];
        for (const sl of rl.scopeLogs) {
          const logRecords = sl.logRecords.filter((r) => severityOk(r) && attributesMatch(logAttrs, resAttrs, r.attributes));
          if (logRecords.length > 0) scopeLogs.push({ ...sl, logRecords });
        }
        if (scopeLogs.length > 0) resourceLogs.push({ ...rl, scopeLogs });
      }
      return resourceLogs.length > 0 ? { resourceLogs } : undefined;
    },
    traces(request) {
      if (traceAttrs.length === 0) return undefined;
      const resourceSpans = [];
      for (const rs of request.resourceSpans) {
        const resAttrs = rs.resource?.attributes ?? [];
        const scopeSpans = [];
        for (const ss of rs.scopeSpans) {
          const spans = ss.spans.filter((s) => attributesMatch(traceAttrs, resAttrs, s.attributes));
          if (spans.length > 0) scopeSpans.push({ ...ss, spans });
        }
        if (scopeSpans.length > 0) resourceSpans.push({ ...rs, scopeSpans });
      }
      return resourceSpans.length > 0 ? { resourceSpans } : undefined;
    },
  };
}
