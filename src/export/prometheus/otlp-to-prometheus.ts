import { anyValueToPlain } from '../../otlp/attributes.js';
import type {
  AnyValue,
  ExportMetricsServiceRequest,
  HistogramDataPoint,
  KeyValue,
  Metric,
  NumberDataPoint,
  SummaryDataPoint,
} from '../../otlp/model.js';
import { PromMetricType, type PromLabel, type PromMetadata, type PromSample, type PromTimeSeries, type PromWriteRequest } from './types.js';

/**
 * OTLP metrics → Prometheus remote-write series, following the OpenTelemetry "Prometheus and
 * OpenMetrics Compatibility" spec as the Collector's prometheusremotewrite exporter implements it
 * (suffixes on, resource attributes not copied to every series):
 * - names: characters outside [A-Za-z0-9] split the name into words joined by `_`; the UCUM unit
 *   becomes a suffix (`s` → `_seconds`, `By` → `_bytes`, `By/s` → `_bytes_per_second`, `{x}` units
 *   dropped); monotonic sums end in `_total`; gauges of unit `1` in `_ratio`. Only ASCII letters are
 *   kept because Prometheus' classic name syntax (which remote-write receivers validate) has no others.
 * - labels: data point attributes, sanitised; `job` = `service.namespace/service.name`, `instance` =
 *   `service.instance.id`; the remaining resource attributes go to one `target_info` series per resource.
 * - the hub adds `e2e_account_id` (resource attribute `e2e.account.id`, which ingest set to the
 *   authenticated account) to every series, overriding any data point attribute of that name, so
 *   tenancy survives the translation; `source.name` arrives as `source_name` like every attribute.
 * - histograms → cumulative `_bucket{le}` incl. `+Inf`, `_sum`, `_count`; summaries → `{quantile}`,
 *   `_sum`, `_count`; gauges and cumulative sums → one sample per point; timestamps in ms.
 * - not convertible, dropped and counted: delta (or unspecified) temporality sums and histograms,
 *   exponential histograms (they need native-histogram support on the receiver), points without a value.
 * - a point flagged "no recorded value" becomes the Prometheus staleness marker.
 */

export interface TranslationDrops {
  deltaPoints: number;
  exponentialHistogramPoints: number;
  invalidPoints: number;
}

export interface TranslationResult {
  request: PromWriteRequest;
  dropped: TranslationDrops;
}

/** One account's metrics request (an export item of signal 'metrics'). */
export interface AccountMetrics {
  accountId: string;
  request: ExportMetricsServiceRequest;
}

export const ACCOUNT_LABEL = 'e2e_account_id';
const ACCOUNT_ATTRIBUTE = 'e2e.account.id';
const SERVICE_NAME = 'service.name';
const SERVICE_NAMESPACE = 'service.namespace';
const SERVICE_INSTANCE_ID = 'service.instance.id';
const AGGREGATION_TEMPORALITY_CUMULATIVE = 2;
const FLAG_NO_RECORDED_VALUE = 1;

export interface TranslationOptions {
  /**
   * Emit one `target_info` series per resource (default true). Prometheus rejects a whole request
   * when any series goes back in time, and target_info is shared by every metric of a resource, so
   * a sender that delivers different metrics of one resource out of time order may want it off.
   */
  targetInfo?: boolean;
  /**
   * Timestamp of target_info samples (default: now). Export time rather than the points' time keeps
   * target_info monotonic across batches: a backlog replayed after an outage holds older points than
   * target_info samples already written, and Prometheus would reject the whole request as out of order.
   */
  nowMs?: () => number;
}

export function otlpToPrometheus(input: readonly AccountMetrics[], options: TranslationOptions = {}): TranslationResult {
  const emitTargetInfo = options.targetInfo ?? true;
  const series = new SeriesSet();
  const metadata = new Map<string, PromMetadata>();
  const dropped: TranslationDrops = { deltaPoints: 0, exponentialHistogramPoints: 0, invalidPoints: 0 };

  for (const { accountId, request } of input) {
    for (const rm of request.resourceMetrics) {
      const resourceAttributes = rm.resource?.attributes ?? [];
      const identity = resourceIdentity(resourceAttributes, accountId);
      let latestMs: number | undefined;
      for (const sm of rm.scopeMetrics) {
        const scopeLabels: Record<string, string> = {};
        if (sm.scope?.name) scopeLabels['otel_scope_name'] = sm.scope.name;
        if (sm.scope?.version) scopeLabels['otel_scope_version'] = sm.scope.version;
        for (const metric of sm.metrics) {
          const ctx: MetricContext = { series, dropped, identity, scopeLabels, latestMs };
          translateMetric(metric, ctx, metadata);
          latestMs = ctx.latestMs;
        }
      }
      if (emitTargetInfo && latestMs !== undefined) addTargetInfo(series, resourceAttributes, identity, Math.max(latestMs, options.nowMs?.() ?? Date.now()));
    }
  }
  return { request: { timeseries: series.toArray(), metadata: [...metadata.values()] }, dropped };
}

interface ResourceIdentity {
  job: string | undefined;
  instance: string | undefined;
  accountId: string;
}

interface MetricContext {
  series: SeriesSet;
  dropped: TranslationDrops;
  identity: ResourceIdentity;
  scopeLabels: Record<string, string>;
  latestMs: number | undefined;
}

function resourceIdentity(attributes: readonly KeyValue[], fallbackAccountId: string): ResourceIdentity {
  const name = attributeString(attributes, SERVICE_NAME);
  const namespace = attributeString(attributes, SERVICE_NAMESPACE);
  const job = name === undefined ? undefined : namespace ? `${namespace}/${name}` : name;
  const account = attributeString(attributes, ACCOUNT_ATTRIBUTE);
  return {
    job,
    instance: attributeString(attributes, SERVICE_INSTANCE_ID),
    accountId: account ? account : fallbackAccountId,
  };
}

function translateMetric(metric: Metric, ctx: MetricContext, metadata: Map<string, PromMetadata>): void {
  if (metric.gauge !== undefined) {
    const name = normalizeMetricName(metric.name, metric.unit, 'gauge');
    if (!addMetadata(metadata, name, PromMetricType.gauge, metric)) return dropAll(ctx, metric.gauge.dataPoints.length);
    for (const dp of metric.gauge.dataPoints) addNumberPoint(name, dp, ctx);
  } else if (metric.sum !== undefined) {
    if (metric.sum.aggregationTemporality !== AGGREGATION_TEMPORALITY_CUMULATIVE) {
      ctx.dropped.deltaPoints += metric.sum.dataPoints.length;
      return;
    }
    const kind = metric.sum.isMonotonic ? 'counter' : 'non-monotonic-sum';
    const name = normalizeMetricName(metric.name, metric.unit, kind);
    const type = metric.sum.isMonotonic ? PromMetricType.counter : PromMetricType.gauge;
    if (!addMetadata(metadata, name, type, metric)) return dropAll(ctx, metric.sum.dataPoints.length);
    for (const dp of metric.sum.dataPoints) addNumberPoint(name, dp, ctx);
  } else if (metric.histogram !== undefined) {
    if (metric.histogram.aggregationTemporality !== AGGREGATION_TEMPORALITY_CUMULATIVE) {
      ctx.dropped.deltaPoints += metric.histogram.dataPoints.length;
      return;
    }
    const name = normalizeMetricName(metric.name, metric.unit, 'histogram');
    if (!addMetadata(metadata, name, PromMetricType.histogram, metric)) return dropAll(ctx, metric.histogram.dataPoints.length);
    for (const dp of metric.histogram.dataPoints) addHistogramPoint(name, dp, ctx);
  } else if (metric.summary !== undefined) {
    const name = normalizeMetricName(metric.name, metric.unit, 'summary');
    if (!addMetadata(metadata, name, PromMetricType.summary, metric)) return dropAll(ctx, metric.summary.dataPoints.length);
    for (const dp of metric.summary.dataPoints) addSummaryPoint(name, dp, ctx);
  } else if (metric.exponentialHistogram !== undefined) {
    ctx.dropped.exponentialHistogramPoints += metric.exponentialHistogram.dataPoints.length;
  }
}

function dropAll(ctx: MetricContext, points: number): void {
  ctx.dropped.invalidPoints += points;
}

/** Records family metadata; false when the name is unusable (empty after normalisation). */
function addMetadata(metadata: Map<string, PromMetadata>, name: string, type: PromMetricType, metric: Metric): boolean {
  if (name === '') return false;
  if (!metadata.has(name)) metadata.set(name, { type, metricFamilyName: name, help: metric.description, unit: metric.unit });
  return true;
}

function addNumberPoint(name: string, dp: NumberDataPoint, ctx: MetricContext): void {
  const value = dp.asDouble ?? (dp.asInt === undefined ? undefined : Number(dp.asInt));
  if (value === undefined) {
    ctx.dropped.invalidPoints++;
    return;
  }
  const sample = makeSample(value, dp.timeUnixNano, dp.flags, ctx);
  ctx.series.add(pointLabels(dp.attributes, ctx, name), sample);
}

function addHistogramPoint(name: string, dp: HistogramDataPoint, ctx: MetricContext): void {
  const bounds = dp.explicitBounds;
  const counts = dp.bucketCounts;
  if (counts.length !== 0 && counts.length !== bounds.length + 1) {
    ctx.dropped.invalidPoints++;
    return;
  }
  let cumulative = 0n;
  for (let i = 0; i < counts.length - 1; i++) {
    cumulative += counts[i] ?? 0n;
    const bound = bounds[i] ?? Number.POSITIVE_INFINITY;
    const labels = pointLabels(dp.attributes, ctx, `${name}_bucket`, { le: formatFloat(bound) });
    ctx.series.add(labels, makeSample(Number(cumulative), dp.timeUnixNano, dp.flags, ctx));
  }
  // +Inf is the total count (the spec's rule), which also covers points that carry no buckets.
  ctx.series.add(
    pointLabels(dp.attributes, ctx, `${name}_bucket`, { le: '+Inf' }),
    makeSample(Number(dp.count), dp.timeUnixNano, dp.flags, ctx),
  );
  if (dp.sum !== undefined) {
    ctx.series.add(pointLabels(dp.attributes, ctx, `${name}_sum`), makeSample(dp.sum, dp.timeUnixNano, dp.flags, ctx));
  }
  ctx.series.add(pointLabels(dp.attributes, ctx, `${name}_count`), makeSample(Number(dp.count), dp.timeUnixNano, dp.flags, ctx));
}

function addSummaryPoint(name: string, dp: SummaryDataPoint, ctx: MetricContext): void {
  for (const q of dp.quantileValues) {
    const labels = pointLabels(dp.attributes, ctx, name, { quantile: formatFloat(q.quantile) });
    ctx.series.add(labels, makeSample(q.value, dp.timeUnixNano, dp.flags, ctx));
  }
  ctx.series.add(pointLabels(dp.attributes, ctx, `${name}_sum`), makeSample(dp.sum, dp.timeUnixNano, dp.flags, ctx));
  ctx.series.add(pointLabels(dp.attributes, ctx, `${name}_count`), makeSample(Number(dp.count), dp.timeUnixNano, dp.flags, ctx));
}

function makeSample(value: number, timeUnixNano: bigint, flags: number, ctx: MetricContext): PromSample {
  const timestampMs = Number(timeUnixNano / 1_000_000n);
  if (ctx.latestMs === undefined || timestampMs > ctx.latestMs) ctx.latestMs = timestampMs;
  return (flags & FLAG_NO_RECORDED_VALUE) !== 0 ? { value: Number.NaN, timestampMs, stale: true } : { value, timestampMs };
}

/**
 * Labels of one series: sanitised data point attributes, then scope labels, then the resource's
 * job/instance/account (which win over attributes of the same name), then le/quantile, then the name.
 */
function pointLabels(
  attributes: readonly KeyValue[],
  ctx: MetricContext,
  name: string,
  extra?: Record<string, string>,
): Map<string, string> {
  const labels = attributesToLabels(attributes);
  for (const [k, v] of Object.entries(ctx.scopeLabels)) labels.set(k, v);
  identityLabels(labels, ctx.identity);
  if (extra !== undefined) for (const [k, v] of Object.entries(extra)) labels.set(k, v);
  labels.set('__name__', name);
  return labels;
}

function identityLabels(labels: Map<string, string>, identity: ResourceIdentity): void {
  if (identity.job !== undefined) labels.set('job', identity.job);
  if (identity.instance !== undefined) labels.set('instance', identity.instance);
  labels.set(ACCOUNT_LABEL, identity.accountId);
}

/** The spec's target_info: one info series per resource carrying its non-identifying attributes. */
function addTargetInfo(
  series: SeriesSet,
  attributes: readonly KeyValue[],
  identity: ResourceIdentity,
  timestampMs: number,
): void {
  const rest = attributes.filter(
    (kv) => kv.key !== SERVICE_NAME && kv.key !== SERVICE_NAMESPACE && kv.key !== SERVICE_INSTANCE_ID,
  );
  if (rest.length === 0) return;
  const labels = attributesToLabels(rest);
  identityLabels(labels, identity);
  labels.set('__name__', 'target_info');
  series.add(labels, { value: 1, timestampMs });
}

/**
 * Attributes → label map. Keys that sanitise to the same label name have their values joined with
 * `;` in the order of their original keys (the Collector's rule), so no value is silently lost.
 */
function attributesToLabels(attributes: readonly KeyValue[]): Map<string, string> {
  const grouped = new Map<string, Array<{ key: string; value: string }>>();
  for (const kv of attributes) {
    const name = normalizeLabelName(kv.key);
    if (name === '') continue;
    const value = labelValue(kv.value);
    if (value === '') continue;
    const list = grouped.get(name);
    if (list === undefined) grouped.set(name, [{ key: kv.key, value }]);
    else {
      const same = list.findIndex((e) => e.key === kv.key);
      if (same >= 0) list[same] = { key: kv.key, value }; // a repeated key: the last one wins
      else list.push({ key: kv.key, value });
    }
  }
  const labels = new Map<string, string>();
  for (const [name, list] of grouped) {
    list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    labels.set(name, list.map((e) => e.value).join(';'));
  }
  return labels;
}

function labelValue(value: AnyValue | undefined): string {
  if (value === undefined) return '';
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return String(value.boolValue);
  if (value.intValue !== undefined) return value.intValue.toString();
  if (value.doubleValue !== undefined) return formatFloat(value.doubleValue);
  const plain = anyValueToPlain(value);
  return plain === null ? '' : typeof plain === 'string' ? plain : JSON.stringify(plain);
}

function attributeString(attributes: readonly KeyValue[], key: string): string | undefined {
  let found: string | undefined;
  for (const kv of attributes) if (kv.key === key) found = labelValue(kv.value);
  return found === '' ? undefined : found;
}

// ---- names ----

/** UCUM main units → Prometheus unit words (the spec's table). Unknown units are used as written. */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};
/** UCUM units after `/` → `per_<word>`. */
const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

/** The OTLP shape a name is derived for; only counters get `_total`, only gauges `_ratio`. */
export type PromMetricKind = 'gauge' | 'counter' | 'non-monotonic-sum' | 'histogram' | 'summary';

/** Prometheus metric name for an OTLP metric name, unit and kind (see the module comment). */
export function normalizeMetricName(name: string, unit: string, kind: PromMetricKind): string {
  let words = splitWords(name);
  const [mainUnit = '', perUnit] = unit.split('/', 2) as [string?, string?];
  const main = unitWord(mainUnit.trim(), UNIT_WORDS);
  if (main !== '' && !words.includes(main)) words.push(main);
  if (perUnit !== undefined) {
    const per = unitWord(perUnit.trim(), PER_UNIT_WORDS);
    if (per !== '' && !words.includes(per)) words.push('per', per);
  }
  if (kind === 'counter') words = [...words.filter((w) => w !== 'total'), 'total'];
  if (unit === '1' && kind === 'gauge') words = [...words.filter((w) => w !== 'ratio'), 'ratio'];
  const joined = words.join('_');
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}

function unitWord(unit: string, table: Readonly<Record<string, string>>): string {
  // Annotations such as {requests} are not units Prometheus can name; the spec drops them.
  if (unit === '' || unit.includes('{') || unit.includes('}')) return '';
  return splitWords(Object.hasOwn(table, unit) ? (table[unit] ?? '') : unit).join('_');
}

function splitWords(text: string): string[] {
  return text.split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
}

/** Prometheus label name for an attribute key: invalid characters → `_`, no leading digit, `_x` → `key_x`. */
export function normalizeLabelName(key: string): string {
  if (key === '') return '';
  const label = key.replace(/[^A-Za-z0-9_]/g, '_');
  if (/^[0-9]/.test(label)) return `key_${label}`;
  if (label.startsWith('_') && !label.startsWith('__')) return `key${label}`;
  return label;
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function formatFloat(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Number.isNaN(value)) return 'NaN';
  const text = String(value);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (match === null) return text;
  const [, sign = '', lead = '', fraction = '', exponentText = '0'] = match;
  const digits = lead + fraction;
  const point = 1 + Number(exponentText); // position of the decimal point within `digits`
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

// ---- series accumulation ----

/**
 * Series keyed by their label set. Samples of one series from several points or items are merged,
 * sorted by time and de-duplicated per timestamp (the last one wins), because receivers reject a
 * whole request when one series goes back in time or repeats a timestamp with another value.
 */
class SeriesSet {
  readonly #series = new Map<string, { labels: PromLabel[]; samples: PromSample[] }>();

  add(labels: Map<string, string>, sample: PromSample): void {
    const sorted: PromLabel[] = [];
    for (const [name, value] of labels) if (value !== '') sorted.push({ name, value });
    sorted.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const key = sorted.map((l) => `${l.name}\u0000${l.value}`).join('\u0001');
    const existing = this.#series.get(key);
    if (existing === undefined) this.#series.set(key, { labels: sorted, samples: [sample] });
    else existing.samples.push(sample);
  }

  toArray(): PromTimeSeries[] {
    const out: PromTimeSeries[] = [];
    for (const { labels, samples } of this.#series.values()) {
      // Stable sort keeps arrival order among equal timestamps, so "last wins" below is well defined.
      const ordered = samples.map((s, i) => ({ s, i })).sort((a, b) => a.s.timestampMs - b.s.timestampMs || a.i - b.i);
      const unique: PromSample[] = [];
      for (const { s } of ordered) {
        const last = unique[unique.length - 1];
        if (last !== undefined && last.timestampMs === s.timestampMs) unique[unique.length - 1] = s;
        else unique.push(s);
      }
      out.push({ labels, samples: unique });
    }
    return out;
  }
}
