import type {
  ExportMetricsServiceRequest,
  HistogramDataPoint,
  KeyValue,
  Metric,
  NumberDataPoint,
  SummaryDataPoint,
} from '../otlp/model.js';
import type { MetricFamily, PromSample } from './prometheus-text-parser.js';
import type { StartTimeCache } from './start-time-cache.js';

/** OTLP AggregationTemporality. Prometheus counters and histograms are cumulative. */
export const AGGREGATION_TEMPORALITY_CUMULATIVE = 2;
export const SCRAPER_SCOPE_NAME = 'e2e-o11y/prometheus-scraper';

/** What the scraper knows about the target, added as resource and data point attributes. */
export interface ScrapeTargetInfo {
  job: string;
  /** `host:port` of the target, as Prometheus' `instance` label. */
  instance: string;
  /** Required by the hub's validation on every metric data point. */
  sourceName: string;
  scheme: 'http' | 'https';
  serverAddress: string;
  serverPort: number;
  /** Extra target labels from the config or file_sd, added to every data point. */
  labels?: Record<string, string>;
}

export interface ScrapeConversionInput {
  families: readonly MetricFamily[];
  target: ScrapeTargetInfo;
  /** When the scrape started (unix ms): the time of samples without their own timestamp. */
  scrapeTimeMs: number;
  scrapeDurationMs: number;
  /** False when the scrape failed: only the synthetic series are emitted, with `up` 0. */
  up: boolean;
  startTimes: StartTimeCache;
}

const NS_PER_MS = 1_000_000n;

function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms)) * NS_PER_MS;
}

function secondsToNs(seconds: number): bigint {
  return BigInt(Math.round(seconds * 1000)) * NS_PER_MS;
}

function str(key: string, value: string): KeyValue {
  return { key, value: { stringValue: value } };
}

/** A cumulative count as OTLP's uint64: non-finite and negative values become 0. */
function toCount(v: number): bigint {
  return Number.isFinite(v) && v > 0 ? BigInt(Math.round(v)) : 0n;
}

/**
 * Converts one scrape's families into an OTLP metrics request, as the OpenTelemetry Collector's
 * Prometheus receiver does: counter → monotonic cumulative Sum (name without `_total`),
 * gauge/untyped/unknown → Gauge, histogram → cumulative Histogram with per-bucket counts,
 * summary → Summary; other OpenMetrics types (info, stateset, gaugehistogram) → one Gauge per
 * sample name. Start times come from `_created` samples, else from the start-time cache.
 * The synthetic `up`, `scrape_duration_seconds` and `scrape_samples_scraped` gauges are added.
 */
export function prometheusToOtlp(input: ScrapeConversionInput): ExportMetricsServiceRequest {
  const { target, scrapeTimeMs } = input;
  const targetLabels = targetLabelMap(target);
  const seriesPrefix = `${target.job}\u0000${target.instance}\u0000`;
  const metrics: Metric[] = [];
  let samplesScraped = 0;
  if (input.up) {
    for (const family of input.families) {
      samplesScraped += family.samples.length;
      if (family.samples.length === 0) continue;
      const ctx: FamilyContext = { family, targetLabels, scrapeTimeMs, startTimes: input.startTimes, seriesPrefix };
      switch (family.type) {
        case 'counter':
          metrics.push(convertCounter(ctx));
          break;
        case 'histogram':
          metrics.push(convertHistogram(ctx));
          break;
        case 'summary':
          metrics.push(convertSummary(ctx));
          break;
        default:
          metrics.push(...convertGauges(ctx));
      }
    }
  }
  const timeNs = msToNs(scrapeTimeMs);
  const baseAttributes = attributesFor({}, targetLabels);
  const synthetic = (name: string, description: string, unit: string, value: number): Metric => ({
    name,
    description,
    unit,
    metadata: [],
    gauge: { dataPoints: [{ attributes: baseAttributes.map((a) => ({ ...a })), startTimeUnixNano: 0n, timeUnixNano: timeNs, asDouble: value, exemplars: [], flags: 0 }] },
  });
  metrics.push(
    synthetic('up', 'The scraping was successful (1) or failed (0).', '', input.up ? 1 : 0),
    synthetic('scrape_duration_seconds', 'Duration of the scrape.', 's', input.scrapeDurationMs / 1000),
    synthetic('scrape_samples_scraped', 'The number of samples the target exposed.', '', samplesScraped),
  );

  const resourceAttributes: KeyValue[] = [
    str('service.name', target.job),
    str('service.instance.id', target.instance),
    str('server.address', target.serverAddress),
    { key: 'server.port', value: { intValue: BigInt(target.serverPort) } },
    str('url.scheme', target.scheme),
    str('source.name', target.sourceName),
  ];
  return {
    resourceMetrics: [
      {
        resource: { attributes: resourceAttributes, droppedAttributesCount: 0 },
        scopeMetrics: [
          {
            scope: { name: SCRAPER_SCOPE_NAME, version: '', attributes: [], droppedAttributesCount: 0 },
            metrics,
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      },
    ],
  };
}

interface FamilyContext {
  family: MetricFamily;
  targetLabels: Record<string, string>;
  scrapeTimeMs: number;
  startTimes: StartTimeCache;
  seriesPrefix: string;
}

/** Target labels win over exposed ones, which are kept as `exported_<name>` (Prometheus' honor_labels: false). */
function targetLabelMap(target: ScrapeTargetInfo): Record<string, string> {
  return { ...(target.labels ?? {}), job: target.job, instance: target.instance, 'source.name': target.sourceName };
}

function attributesFor(exposed: Record<string, string>, targetLabels: Record<string, string>, omit?: string): KeyValue[] {
  // A Map, not an object: label names such as `__proto__` come from the exporter.
  const merged = new Map<string, string>();
  for (const [k, v] of Object.entries(exposed)) {
    if (k === omit) continue;
    merged.set(Object.prototype.hasOwnProperty.call(targetLabels, k) ? `exported_${k}` : k, v);
  }
  for (const [k, v] of Object.entries(targetLabels)) merged.set(k, v);
  return [...merged.keys()].sort().map((k) => str(k, merged.get(k) ?? ''));
}

/** Identity of a series inside a family: its labels without `omit`, sorted. */
function seriesKey(labels: Record<string, string>, omit?: string): string {
  return Object.keys(labels)
    .filter((k) => k !== omit)
    .sort()
    .map((k) => `${k}\u0001${labels[k] ?? ''}`)
    .join('\u0002');
}

interface SeriesGroup {
  labels: Record<string, string>;
  samples: PromSample[];
}

function groupSeries(samples: readonly PromSample[], omit?: string): Map<string, SeriesGroup> {
  const groups = new Map<string, SeriesGroup>();
  for (const s of samples) {
    const key = seriesKey(s.labels, omit);
    let g = groups.get(key);
    if (g === undefined) {
      g = { labels: s.labels, samples: [] };
      groups.set(key, g);
    }
    g.samples.push(s);
  }
  return groups;
}

function pointTimeMs(samples: readonly PromSample[], scrapeTimeMs: number): number {
  for (const s of samples) if (s.timestampMs !== undefined) return s.timestampMs;
  return scrapeTimeMs;
}

/** Start time: the `_created` sample (seconds) when the exporter gave one, else the cache's. */
function startTimeNs(ctx: FamilyContext, metricName: string, key: string, created: number | undefined, value: number, timeMs: number): bigint {
  if (created !== undefined && Number.isFinite(created) && created > 0) return secondsToNs(created);
  return msToNs(ctx.startTimes.startTimeMs(`${ctx.seriesPrefix}${metricName}\u0000${key}`, value, timeMs));
}

function baseMetric(name: string, family: MetricFamily): Metric {
  return { name, description: family.help, unit: family.unit, metadata: [] };
}

function convertCounter(ctx: FamilyContext): Metric {
  const { family } = ctx;
  const name = family.name.endsWith('_total') ? family.name.slice(0, -'_total'.length) : family.name;
  const createdName = `${name}_created`;
  const dataPoints: NumberDataPoint[] = [];
  for (const [key, group] of groupSeries(family.samples)) {
    let value: number | undefined;
    let created: number | undefined;
    for (const s of group.samples) {
      if (s.name === createdName) created = s.value;
      else value = s.value;
    }
    if (value === undefined) continue;
    const timeMs = pointTimeMs(group.samples, ctx.scrapeTimeMs);
    dataPoints.push({
      attributes: attributesFor(group.labels, ctx.targetLabels),
      startTimeUnixNano: startTimeNs(ctx, name, key, created, value, timeMs),
      timeUnixNano: msToNs(timeMs),
      asDouble: value,
      exemplars: [],
      flags: 0,
    });
  }
  return { ...baseMetric(name, family), sum: { dataPoints, aggregationTemporality: AGGREGATION_TEMPORALITY_CUMULATIVE, isMonotonic: true } };
}

function parseLe(le: string | undefined): number | undefined {
  if (le === undefined) return undefined;
  const t = le.trim();
  if (t === '+Inf' || t === 'Inf' || t === '+inf' || t === 'inf') return Number.POSITIVE_INFINITY;
  const n = Number(t);
  return t !== '' && !Number.isNaN(n) ? n : undefined;
}

function convertHistogram(ctx: FamilyContext): Metric {
  const { family } = ctx;
  const name = family.name;
  const dataPoints: HistogramDataPoint[] = [];
  for (const [key, group] of groupSeries(family.samples, 'le')) {
    const buckets = new Map<number, number>();
    let sum: number | undefined;
    let count: number | undefined;
    let created: number | undefined;
    for (const s of group.samples) {
      if (s.name === `${name}_bucket`) {
        const le = parseLe(s.labels['le']);
        if (le !== undefined) buckets.set(le, s.value);
      } else if (s.name === `${name}_sum`) sum = s.value;
      else if (s.name === `${name}_count`) count = s.value;
      else if (s.name === `${name}_created`) created = s.value;
    }
    const bounds = [...buckets.keys()].filter((b) => Number.isFinite(b)).sort((a, b) => a - b);
    const cumulative = bounds.map((b) => buckets.get(b) ?? 0);
    const total = count ?? buckets.get(Number.POSITIVE_INFINITY) ?? cumulative[cumulative.length - 1] ?? 0;
    const bucketCounts: bigint[] = [];
    let previous = 0;
    for (const c of [...cumulative, buckets.get(Number.POSITIVE_INFINITY) ?? total]) {
      // Prometheus buckets are cumulative; OTLP wants the count of each bucket on its own.
      bucketCounts.push(toCount(c - previous));
      previous = Math.max(previous, c);
    }
    const timeMs = pointTimeMs(group.samples, ctx.scrapeTimeMs);
    const point: HistogramDataPoint = {
      attributes: attributesFor(group.labels, ctx.targetLabels, 'le'),
      startTimeUnixNano: startTimeNs(ctx, name, key, created, total, timeMs),
      timeUnixNano: msToNs(timeMs),
      count: toCount(total),
      bucketCounts,
      explicitBounds: bounds,
      exemplars: [],
      flags: 0,
    };
    if (sum !== undefined) point.sum = sum;
    dataPoints.push(point);
  }
  return { ...baseMetric(name, family), histogram: { dataPoints, aggregationTemporality: AGGREGATION_TEMPORALITY_CUMULATIVE } };
}

function convertSummary(ctx: FamilyContext): Metric {
  const { family } = ctx;
  const name = family.name;
  const dataPoints: SummaryDataPoint[] = [];
  for (const [key, group] of groupSeries(family.samples, 'quantile')) {
    const quantileValues: { quantile: number; value: number }[] = [];
    let sum = 0;
    let count = 0;
    let created: number | undefined;
    for (const s of group.samples) {
      if (s.name === `${name}_sum`) sum = s.value;
      else if (s.name === `${name}_count`) count = s.value;
      else if (s.name === `${name}_created`) created = s.value;
      else if (s.name === name) {
        const q = Number(s.labels['quantile']);
        if (s.labels['quantile'] !== undefined && !Number.isNaN(q)) quantileValues.push({ quantile: q, value: s.value });
      }
    }
    quantileValues.sort((a, b) => a.quantile - b.quantile);
    const timeMs = pointTimeMs(group.samples, ctx.scrapeTimeMs);
    dataPoints.push({
      attributes: attributesFor(group.labels, ctx.targetLabels, 'quantile'),
      startTimeUnixNano: startTimeNs(ctx, name, key, created, count, timeMs),
      timeUnixNano: msToNs(timeMs),
      count: toCount(count),
      sum,
      quantileValues,
      flags: 0,
    });
  }
  return { ...baseMetric(name, family), summary: { dataPoints } };
}

function convertGauges(ctx: FamilyContext): Metric[] {
  const byName = new Map<string, NumberDataPoint[]>();
  for (const s of ctx.family.samples) {
    let points = byName.get(s.name);
    if (points === undefined) {
      points = [];
      byName.set(s.name, points);
    }
    points.push({
      attributes: attributesFor(s.labels, ctx.targetLabels),
      startTimeUnixNano: 0n,
      timeUnixNano: msToNs(s.timestampMs ?? ctx.scrapeTimeMs),
      asDouble: s.value,
      exemplars: [],
      flags: 0,
    });
  }
  return [...byName].map(([name, dataPoints]) => ({ ...baseMetric(name, ctx.family), gauge: { dataPoints } }));
}
