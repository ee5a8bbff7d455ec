import { hasAttribute } from '../otlp/attributes.js';
import type {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  KeyValue,
  Metric,
  RequestBySignal,
  Signal,
} from '../otlp/model.js';
import type { ValidationRule } from '../config/index.js';

/** What validation did to one request. The request is filtered in place. */
export interface ValidationResult {
  accepted: number;
  rejected: number;
  /** Rejected item count per rule name (see `ruleName`). */
  rejectedByRule: Map<string, number>;
}

/** Stable, human-readable rule name used in partial_success messages and metric labels. */
export function ruleName(rule: ValidationRule): string {
  return `${rule.signal}.${rule.on}.${rule.attribute}`;
}

const ITEM_NOUN: Record<Signal, string> = { traces: 'spans', metrics: 'data points', logs: 'log records' };

/** The partial_success error message: which rules dropped how many items. */
export function rejectionMessage(signal: Signal, result: ValidationResult): string {
  const parts: string[] = [];
  for (const [rule, n] of result.rejectedByRule) {
    const attr = rule.split('.').slice(2).join('.');
    const where = rule.split('.')[1] ?? '';
    parts.push(`${n} ${ITEM_NOUN[signal]} rejected by rule ${rule}: ${where} attribute '${attr}' is required`);
  }
  return parts.join('; ');
}

/** Applies the rules of `signal` to `request`, dropping failing items (and containers left empty). */
export function validateRequest<S extends Signal>(
  signal: S,
  request: RequestBySignal[S],
  rules: readonly ValidationRule[],
): ValidationResult {
  const mine = rules.filter((r) => r.signal === signal);
  const result: ValidationResult = { accepted: 0, rejected: 0, rejectedByRule: new Map() };
  if (signal === 'traces') validateTraces(request as ExportTraceServiceRequest, mine, result);
  else if (signal === 'metrics') validateMetrics(request as ExportMetricsServiceRequest, mine, result);
  else validateLogs(request as ExportLogsServiceRequest, mine, result);
  return result;
}

/** The first rule an item fails, given the attributes of each level it can be checked on. */
function firstFailing(
  rules: readonly ValidationRule[],
  resourceAttrs: readonly KeyValue[],
  itemAttrs: readonly KeyValue[],
): ValidationRule | undefined {
  for (const rule of rules) {
    const attrs = rule.on === 'resource' ? resourceAttrs : itemAttrs;
    if (!hasAttribute(attrs, rule.attribute)) return rule;
  }
  return undefined;
}

function reject(result: ValidationResult, rule: ValidationRule, n = 1): void {
  result.rejected += n;
  const name = ruleName(rule);
  result.rejectedByRule.set(name, (result.rejectedByRule.get(name) ?? 0) + n);
}

function validateTraces(req: ExportTraceServiceRequest, rules: readonly ValidationRule[], result: ValidationResult): void {
  for (const rs of req.resourceSpans) {
    const resAttrs = rs.resource?.attributes ?? [];
    for (const ss of rs.scopeSpans) {
      ss.spans = ss.spans.filter((span) => {
        const failed = firstFailing(rules, resAttrs, span.attributes);
        if (failed === undefined) return true;
        reject(result, failed);
        return false;
      });
      result.accepted += ss.spans.length;
    }
    rs.scopeSpans = rs.scopeSpans.filter((ss) => ss.spans.length > 0);
  }
  req.resourceSpans = req.resourceSpans.filter((rs) => rs.scopeSpans.length > 0);
}

function validateLogs(req: ExportLogsServiceRequest, rules: readonly ValidationRule[], result: ValidationResult): void {
  for (const rl of req.resourceLogs) {
    const resAttrs = rl.resource?.attributes ?? [];
    for (const sl of rl.scopeLogs) {
      sl.logRecords = sl.logRecords.filter((rec) => {
        const failed = firstFailing(rules, resAttrs, rec.attributes);
        if (failed === undefined) return true;
        reject(result, failed);
        return false;
      });
      result.accepted += sl.logRecords.length;
    }
    rl.scopeLogs = rl.scopeLogs.filter((sl) => sl.logRecords.length > 0);
  }
  req.resourceLogs = req.resourceLogs.filter((rl) => rl.scopeLogs.length > 0);
}

/** Applies `keep` to the data points of whichever type the metric has; returns the points left. */
function filterPoints(metric: Metric, keep: (attrs: readonly KeyValue[]) => boolean): number {
  if (metric.gauge) return (metric.gauge.dataPoints = metric.gauge.dataPoints.filter((p) => keep(p.attributes))).length;
  if (metric.sum) return (metric.sum.dataPoints = metric.sum.dataPoints.filter((p) => keep(p.attributes))).length;
  if (metric.histogram)
    return (metric.histogram.dataPoints = metric.histogram.dataPoints.filter((p) => keep(p.attributes))).length;
  if (metric.exponentialHistogram)
    return (metric.exponentialHistogram.dataPoints = metric.exponentialHistogram.dataPoints.filter((p) =>
      keep(p.attributes),
    )).length;
  if (metric.summary) return (metric.summary.dataPoints = metric.summary.dataPoints.filter((p) => keep(p.attributes))).length;
  return 0;
}

function validateMetrics(req: ExportMetricsServiceRequest, rules: readonly ValidationRule[], result: ValidationResult): void {
  for (const rm of req.resourceMetrics) {
    const resAttrs = rm.resource?.attributes ?? [];
    for (const sm of rm.scopeMetrics) {
      sm.metrics = sm.metrics.filter((metric) => {
        const left = filterPoints(metric, (attrs) => {
          const failed = firstFailing(rules, resAttrs, attrs);
          if (failed === undefined) return true;
          reject(result, failed);
          return false;
        });
        result.accepted += left;
        return left > 0;
      });
    }
    rm.scopeMetrics = rm.scopeMetrics.filter((sm) => sm.metrics.length > 0);
  }
  req.resourceMetrics = req.resourceMetrics.filter((rm) => rm.scopeMetrics.length > 0);
}
