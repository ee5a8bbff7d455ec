import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AGGREGATION_TEMPORALITY_CUMULATIVE,
  createStartTimeCache,
  parsePrometheusText,
  prometheusToOtlp,
  type ScrapeTargetInfo,
} from '../../src/agent/index.js';
import { attributesToPlain } from '../../src/otlp/attributes.js';
import type { ExportMetricsServiceRequest, Metric } from '../../src/otlp/model.js';

const target: ScrapeTargetInfo = {
  job: 'orders',
  instance: '10.0.0.1:9100',
  sourceName: 'orders-service',
  scheme: 'http',
  serverAddress: '10.0.0.1',
  serverPort: 9100,
  labels: { env: 'prod' },
};

function metric(req: ExportMetricsServiceRequest, name: string): Metric {
  const all = req.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
  const m = all.find((x) => x.name === name);
  assert.ok(m, `metric ${name} missing; have ${all.map((x) => x.name).join(', ')}`);
  return m;
}

const SCRAPE_MS = 1_700_000_000_000;

function convert(text: string, format: 'prometheus' | 'openmetrics' = 'prometheus', cache = createStartTimeCache(), timeMs = SCRAPE_MS) {
  return prometheusToOtlp({ families: parsePrometheusText(text, { format }), target, scrapeTimeMs: timeMs, scrapeDurationMs: 12, up: true, startTimes: cache });
}

test('counter → monotonic cumulative Sum named without _total; target labels on points and resource', () => {
  const req = convert('# HELP orders_total Orders.\n# TYPE orders_total counter\norders_total{status="ok",job="exposed"} 5\n');
  const m = metric(req, 'orders');
  assert.equal(m.description, 'Orders.');
  assert.ok(m.sum);
  assert.equal(m.sum.isMonotonic, true);
  assert.equal(m.sum.aggregationTemporality, AGGREGATION_TEMPORALITY_CUMULATIVE);
  const p = m.sum.dataPoints[0];
  assert.equal(p?.asDouble, 5);
  assert.deepEqual(attributesToPlain(p?.attributes ?? []), {
    env: 'prod',
    exported_job: 'exposed',
    instance: '10.0.0.1:9100',
    job: 'orders',
    'source.name': 'orders-service',
    status: 'ok',
  });
  assert.equal(p?.timeUnixNano, BigInt(SCRAPE_MS) * 1_000_000n);
  assert.equal(p?.startTimeUnixNano, BigInt(SCRAPE_MS) * 1_000_000n, 'first sighting starts the series');
  const res = attributesToPlain(req.resourceMetrics[0]?.resource?.attributes ?? []);
  assert.deepEqual(res, {
    'service.name': 'orders',
    'service.instance.id': '10.0.0.1:9100',
    'server.address': '10.0.0.1',
    'server.port': 9100,
    'url.scheme': 'http',
    'source.name': 'orders-service',
  });
});

test('start time: kept across scrapes, moved on a counter reset, taken from _created when present', () => {
  const cache = createStartTimeCache();
  const text = (v: number) => `# TYPE c_total counter\nc_total ${v}\n`;
  convert(text(10), 'prometheus', cache, SCRAPE_MS);
  const second = metric(convert(text(20), 'prometheus', cache, SCRAPE_MS + 15_000), 'c').sum?.dataPoints[0];
  assert.equal(second?.startTimeUnixNano, BigInt(SCRAPE_MS) * 1_000_000n);
  const reset = metric(convert(text(3), 'prometheus', cache, SCRAPE_MS + 30_000), 'c').sum?.dataPoints[0];
  assert.ok((reset?.startTimeUnixNano ?? 0n) > BigInt(SCRAPE_MS + 15_000) * 1_000_000n);
  const om = convert('# TYPE d counter\nd_total 1\nd_created 1600000000.5\n# EOF\n', 'openmetrics', cache);
  assert.equal(metric(om, 'd').sum?.dataPoints[0]?.startTimeUnixNano, 1_600_000_000_500n * 1_000_000n);
});

test('histogram → cumulative Histogram with per-bucket counts and bounds without +Inf', () => {
  const req = convert(
    [
      '# TYPE lat histogram',
      'lat_bucket{path="/a",le="0.1"} 2',
      'lat_bucket{path="/a",le="0.5"} 5',
      'lat_bucket{path="/a",le="1"} 9',
      'lat_bucket{path="/a",le="+Inf"} 10',
      'lat_sum{path="/a"} 4.2',
      'lat_count{path="/a"} 10',
      'lat_bucket{path="/b",le="0.1"} 0',
      'lat_bucket{path="/b",le="0.5"} 0',
      'lat_bucket{path="/b",le="1"} 1',
      'lat_bucket{path="/b",le="+Inf"} 1',
      'lat_sum{path="/b"} 0.7',
      'lat_count{path="/b"} 1',
    ].join('\n'),
  );
  const h = metric(req, 'lat').histogram;
  assert.ok(h);
  assert.equal(h.aggregationTemporality, AGGREGATION_TEMPORALITY_CUMULATIVE);
  assert.equal(h.dataPoints.length, 2);
  const a = h.dataPoints[0];
  assert.deepEqual(a?.explicitBounds, [0.1, 0.5, 1]);
  assert.deepEqual(a?.bucketCounts, [2n, 3n, 4n, 1n]);
  assert.equal(a?.count, 10n);
  assert.equal(a?.sum, 4.2);
  assert.equal(attributesToPlain(a?.attributes ?? [])['le'], undefined);
  assert.deepEqual(h.dataPoints[1]?.bucketCounts, [0n, 0n, 1n, 0n]);
});

test('summary → Summary with quantiles, sum and count', () => {
  const req = convert('# TYPE rpc summary\nrpc{quantile="0.99"} 9\nrpc{quantile="0.5"} 3\nrpc_sum 100\nrpc_count 20\n');
  const p = metric(req, 'rpc').summary?.dataPoints[0];
  assert.deepEqual(p?.quantileValues, [
    { quantile: 0.5, value: 3 },
    { quantile: 0.99, value: 9 },
  ]);
  assert.equal(p?.sum, 100);
  assert.equal(p?.count, 20n);
  assert.equal(attributesToPlain(p?.attributes ?? [])['quantile'], undefined);
});

test('gauge and untyped → Gauge; up, scrape_duration_seconds and scrape_samples_scraped added', () => {
  const req = convert('# TYPE temp gauge\ntemp 21.5\nloose 3\n');
  assert.equal(metric(req, 'temp').gauge?.dataPoints[0]?.asDouble, 21.5);
  assert.equal(metric(req, 'loose').gauge?.dataPoints[0]?.asDouble, 3);
  assert.equal(metric(req, 'up').gauge?.dataPoints[0]?.asDouble, 1);
  assert.equal(metric(req, 'scrape_duration_seconds').gauge?.dataPoints[0]?.asDouble, 0.012);
  assert.equal(metric(req, 'scrape_samples_scraped').gauge?.dataPoints[0]?.asDouble, 2);
  assert.equal(attributesToPlain(metric(req, 'up').gauge?.dataPoints[0]?.attributes ?? [])['source.name'], 'orders-service');
});

test('a failed scrape yields only up=0 and the scrape metrics', () => {
  const req = prometheusToOtlp({ families: [], target, scrapeTimeMs: SCRAPE_MS, scrapeDurationMs: 5, up: false, startTimes: createStartTimeCache() });
  const names = req.resourceMetrics[0]?.scopeMetrics[0]?.metrics.map((m) => m.name);
  assert.deepEqual(names, ['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);
  assert.equal(metric(req, 'up').gauge?.dataPoints[0]?.asDouble, 0);
});

test('hostile label names stay data: __proto__ and constructor become attributes', () => {
  const req = convert('m{__proto__="x",constructor="y"} 1\n');
  const attrs = metric(req, 'm').gauge?.dataPoints[0]?.attributes.map((a) => a.key);
  assert.ok(attrs?.includes('__proto__') && attrs.includes('constructor'));
});
