import { hasAttribute } from '../../src/otlp/attributes.js';
import type {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  KeyValue,
  Metric,
  RequestBySignal,
  Resource,
  Signal,
} from '../../src/otlp/model.js';

type ValidationRule = ScanRule;
import type { ScanRule } from '../../src/otlp/scan/index.js';

/**
 * The reference the one-pass scanner must agree with: a full decode, the model validator, then the
 * stamping done on objects. Slow and obvious on purpose.
 */
export interface OracleOptions {
  rules?: readonly ScanRule[];
  setResourceAttributes?: Readonly<Record<string, string>>;
  defaultResourceAttributes?: Readonly<Record<string, string>>;
  defaultPointAttributes?: Readonly<Record<string, string>>;
}

export interface OracleResult<S extends Signal> {
  request: RequestBySignal[S];
  accepted: number;
  rejected: number;
  rejectedBy: Map<string, number>;
}

const kv = (key: string, value: string): KeyValue => ({ key, value: { stringValue: value } });

function stampResource(resource: Resource | undefined, options: OracleOptions): Resource {
  const set = Object.entries(options.setResourceAttributes ?? {});
  const r: Resource = resource ?? { attributes: [], droppedAttributesCount: 0 };
  const present = r.attributes;
  const kept = present.filter((a) => !set.some(([k]) => k === a.key));
  const defaults = Object.entries(options.defaultResourceAttributes ?? {}).filter(
    ([k]) => !(k in (options.setResourceAttributes ?? {})) && !(resource !== undefined && hasAttribute(present, k)),
  );
  return { ...r, attributes: [...kept, ...set.map(([k, v]) => kv(k, v)), ...defaults.map(([k, v]) => kv(k, v))] };
}

function stamps(options: OracleOptions): boolean {
  return Object.keys(options.setResourceAttributes ?? {}).length > 0 || Object.keys(options.defaultResourceAttributes ?? {}).length > 0;
}

/** Validates (dropping failing items and empty containers) and stamps `request` in place. */
export function oracleEdit<S extends Signal>(signal: S, request: RequestBySignal[S], options: OracleOptions): OracleResult<S> {
  const rules = (options.rules ?? []).map((r) => ({ signal: r.signal, attribute: r.attribute, on: r.on }));
  const v = validateRequest(signal, request, rules);
  const res = request;
  const stampAll = <T extends { resource?: Resource }>(list: T[]): void => {
    for (const x of list) {
      const needsDefaults = Object.keys(options.defaultResourceAttributes ?? {}).some((k) => x.resource === undefined || !hasAttribute(x.resource.attributes, k));
      if (Object.keys(options.setResourceAttributes ?? {}).length > 0 || needsDefaults) x.resource = stampResource(x.resource, options);
    }
  };
  if (stamps(options)) {
    if ('resourceSpans' in res) stampAll(res.resourceSpans);
    else if ('resourceLogs' in res) stampAll(res.resourceLogs);
    else stampAll(res.resourceMetrics);
  }
  const pointDefaults = Object.entries(options.defaultPointAttributes ?? {});
  if (pointDefaults.length > 0 && 'resourceMetrics' in res) {
    for (const rm of res.resourceMetrics) {
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          const points = m.gauge?.dataPoints ?? m.sum?.dataPoints ?? m.histogram?.dataPoints ?? m.exponentialHistogram?.dataPoints ?? m.summary?.dataPoints ?? [];
          for (const p of points) {
            for (const [k, val] of pointDefaults) if (!hasAttribute(p.attributes, k)) p.attributes.push(kv(k, val));
          }
        }
      }
    }
  }
  return { request, accepted: v.accepted, rejected: v.rejected, rejectedBy: v.rejectedByRule };
}

// ---- the model validator (the one ingest used before the one-pass scanner) ----

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
