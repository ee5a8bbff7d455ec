import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  formatFloat,
  normalizeLabelName,
  normalizeMetricName,
  otlpToPrometheus,
} from '../../src/export/prometheus/otlp-to-prometheus.js';
import type { PromTimeSeries } from '../../src/export/prometheus/types.js';
import { CUMULATIVE, DELTA, histogramPoint, metric, metricsRequest, numberPoint } from './metrics-fixtures.js';

const T = 1_700_000_000_000;
const RESOURCE = {
  'service.name': 'checkout',
  'service.namespace': 'shop',
  'service.instance.id': 'pod-1',
  'e2e.account.id': '111122223333',
  'k8s.cluster.name': 'eu-1',
};

function labelsOf(ts: PromTimeSeries): Record<string, string> {
  return Object.fromEntries(ts.labels.map((l) => [l.name, l.value]));
}
function find(series: PromTimeSeries[], name: string, extra: Record<string, string> = {}): PromTimeSeries {
  const found = series.filter((s) => {
    const l = labelsOf(s);
    return l['__name__'] === name && Object.entries(extra).every(([k, v]) => l[k] === v);
  });
  assert.equal(found.length, 1, `${name} ${JSON.stringify(extra)}: ${found.length} series`);
  return found[0] as PromTimeSeries;
}

describe('normalizeMetricName', () => {
  const cases: Array<[string, string, Parameters<typeof normalizeMetricName>[2], string]> = [
    ['http.server.duration', 's', 'histogram', 'http_server_duration_seconds'],
    ['http.server.duration', 'ms', 'histogram', 'http_server_duration_milliseconds'],
    ['system.filesystem.usage', 'By', 'gauge', 'system_filesystem_usage_bytes'],
    ['system.network.dropped', '{packets}', 'counter', 'system_network_dropped_total'],
    ['system.network.dropped', 'packets', 'gauge', 'system_network_dropped_packets'],
    ['system.memory.utilization', '1', 'gauge', 'system_memory_utilization_ratio'],
    ['queue.fill', '1', 'non-monotonic-sum', 'queue_fill'],
    ['network.io', 'By/s', 'gauge', 'network_io_bytes_per_second'],
    ['orders.total.created', '', 'counter', 'orders_created_total'],
    ['request_duration_seconds', 's', 'histogram', 'request_duration_seconds'],
    ['(lambda).function.executions(#)', '', 'gauge', 'lambda_function_executions'],
    ['2xx.responses', '', 'counter', '_2xx_responses_total'],
    ['temp', 'Cel', 'gauge', 'temp_celsius'],
    ['cpu.time', 's', 'counter', 'cpu_time_seconds_total'],
  ];
  for (const [name, unit, kind, want] of cases) {
    it(`${name} [${unit}] ${kind} → ${want}`, () => assert.equal(normalizeMetricName(name, unit, kind), want));
  }
  it('always yields a valid Prometheus metric name or empty', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.constantFrom('gauge', 'counter', 'histogram', 'summary' as const), (n, u, k) => {
        const out = normalizeMetricName(n, u, k);
        return out === '' || /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(out);
      }),
    );
  });
});

describe('normalizeLabelName', () => {
  it('sanitises like the Collector', () => {
    assert.equal(normalizeLabelName('source.name'), 'source_name');
    assert.equal(normalizeLabelName('http.status-code'), 'http_status_code');
    assert.equal(normalizeLabelName('3d'), 'key_3d');
    assert.equal(normalizeLabelName('_private'), 'key_private');
    assert.equal(normalizeLabelName('__reserved'), '__reserved');
    assert.equal(normalizeLabelName('ümlaut'), 'key_mlaut');
  });
  it('always yields a valid label name', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), (k) => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(normalizeLabelName(k))));
  });
});

describe('formatFloat', () => {
  it('prints like Go FormatFloat(f, -1): no exponents', () => {
    assert.equal(formatFloat(0.005), '0.005');
    assert.equal(formatFloat(1e-7), '0.0000001');
    assert.equal(formatFloat(1.5e-10), '0.00000000015');
    assert.equal(formatFloat(1e21), '1000000000000000000000');
    assert.equal(formatFloat(-2.5e22), '-25000000000000000000000');
    assert.equal(formatFloat(10), '10');
    assert.equal(formatFloat(Infinity), '+Inf');
  });
  it('round-trips every finite double', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => Number(formatFloat(v)) === v && !/e/i.test(formatFloat(v))));
  });
});

describe('otlpToPrometheus', () => {
  it('translates a gauge with job, instance, account and source_name labels and a target_info series', () => {
    const request = metricsRequest(RESOURCE, [
      metric('orders.in_flight', '{orders}', { gauge: { dataPoints: [numberPoint(7, T, { 'source.name': 'orders-svc' })] } }),
    ]);
    const { request: wr, dropped } = otlpToPrometheus([{ accountId: '111122223333', request }], { nowMs: () => 0 });
    assert.deepEqual(dropped, { deltaPoints: 0, exponentialHistogramPoints: 0, invalidPoints: 0 });
    const gauge = find(wr.timeseries, 'orders_in_flight');
    assert.deepEqual(labelsOf(gauge), {
      __name__: 'orders_in_flight',
      job: 'shop/checkout',
      instance: 'pod-1',
      e2e_account_id: '111122223333',
      source_name: 'orders-svc',
      otel_scope_name: 'orders-lib',
      otel_scope_version: '1.0.0',
    });
    assert.deepEqual(gauge.samples, [{ value: 7, timestampMs: T }]);
    assert.deepEqual(gauge.labels.map((l) => l.name), [...gauge.labels.map((l) => l.name)].sort(), 'labels sorted');
    const info = find(wr.timeseries, 'target_info');
    assert.deepEqual(labelsOf(info), {
      __name__: 'target_info',
      job: 'shop/checkout',
      instance: 'pod-1',
      e2e_account_id: '111122223333',
      k8s_cluster_name: 'eu-1',
    });
    assert.deepEqual(info.samples, [{ value: 1, timestampMs: T }]);
    assert.deepEqual(
      wr.metadata.find((m) => m.metricFamilyName === 'orders_in_flight'),
      { type: 2, metricFamilyName: 'orders_in_flight', help: 'orders.in_flight help', unit: '{orders}' },
    );
  });

  it('omits target_info when asked to', () => {
    const request = metricsRequest(RESOURCE, [metric('g', '', { gauge: { dataPoints: [numberPoint(1, T)] } })]);
    const { request: wr } = otlpToPrometheus([{ accountId: 'a', request }], { targetInfo: false });
    assert.deepEqual(wr.timeseries.map((s) => labelsOf(s)['__name__']), ['g']);
  });

  it('gives the account from the resource precedence over data point attributes, falling back to the item', () => {
    const spoofed = metricsRequest({ 'service.name': 'x' }, [
      metric('g', '', { gauge: { dataPoints: [numberPoint(1, T, { 'e2e.account.id': 'evil', job: 'fake' })] } }),
    ]);
    const { request: wr } = otlpToPrometheus([{ accountId: '444455556666', request: spoofed }]);
    const l = labelsOf(find(wr.timeseries, 'g'));
    assert.equal(l['e2e_account_id'], '444455556666');
    assert.equal(l['job'], 'x');
  });

  it('adds _total to monotonic cumulative sums and keeps non-monotonic ones as plain samples', () => {
    const request = metricsRequest(RESOURCE, [
      metric('orders.created', '{orders}', { sum: { dataPoints: [numberPoint(42, T)], aggregationTemporality: CUMULATIVE, isMonotonic: true } }),
      metric('queue.depth', 'By', { sum: { dataPoints: [numberPoint(-3.5, T)], aggregationTemporality: CUMULATIVE, isMonotonic: false } }),
    ]);
    const { request: wr } = otlpToPrometheus([{ accountId: 'a', request }]);
    assert.deepEqual(find(wr.timeseries, 'orders_created_total').samples, [{ value: 42, timestampMs: T }]);
    assert.deepEqual(find(wr.timeseries, 'queue_depth_bytes').samples, [{ value: -3.5, timestampMs: T }]);
  });

  it('turns histograms into cumulative le buckets incl. +Inf, _sum and _count', () => {
    const request = metricsRequest(RESOURCE, [
      metric('checkout.duration', 's', {
        histogram: { dataPoints: [histogramPoint([0.1, 0.5, 1], [2, 3, 4, 1], 5.25, T, { 'source.name': 's' })], aggregationTemporality: CUMULATIVE },
      }),
    ]);
    const { request: wr } = otlpToPrometheus([{ accountId: 'a', request }]);
    const bucket = (le: string) => find(wr.timeseries, 'checkout_duration_seconds_bucket', { le }).samples[0]?.value;
    assert.deepEqual(['0.1', '0.5', '1', '+Inf'].map(bucket), [2, 5, 9, 10]);
    assert.equal(find(wr.timeseries, 'checkout_duration_seconds_sum').samples[0]?.value, 5.25);
    assert.equal(find(wr.timeseries, 'checkout_duration_seconds_count').samples[0]?.value, 10);
    assert.equal(labelsOf(find(wr.timeseries, 'checkout_duration_seconds_count'))['source_name'], 's');
  });

  it('turns summaries into quantile series, _sum and _count', () => {
    const request = metricsRequest(RESOURCE, [
      metric('rpc.latency', 'ms', {
        summary: {
          dataPoints: [{
            attributes: [], startTimeUnixNano: 0n, timeUnixNano: BigInt(T) * 1_000_000n, count: 4n, sum: 10, flags: 0,
            quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 0.99, value: 4 }],
          }],
        },
      }),
    ]);
    const { request: wr } = otlpToPrometheus([{ accountId: 'a', request }]);
    assert.equal(find(wr.timeseries, 'rpc_latency_milliseconds', { quantile: '0.5' }).samples[0]?.value, 2);
    assert.equal(find(wr.timeseries, 'rpc_latency_milliseconds', { quantile: '0.99' }).samples[0]?.value, 4);
    assert.equal(find(wr.timeseries, 'rpc_latency_milliseconds_sum').samples[0]?.value, 10);
    assert.equal(find(wr.timeseries, 'rpc_latency_milliseconds_count').samples[0]?.value, 4);
  });

  it('drops and counts delta sums, delta histograms, exponential histograms and valueless points', () => {
    const request = metricsRequest({ 'service.name': 'x' }, [
      metric('d', '', { sum: { dataPoints: [numberPoint(1, T), numberPoint(2, T + 1)], aggregationTemporality: DELTA, isMonotonic: true } }),
      metric('dh', '', { histogram: { dataPoints: [histogramPoint([], [1], 1, T)], aggregationTemporality: DELTA } }),
      metric('e', '', {
        exponentialHistogram: {
          aggregationTemporality: CUMULATIVE,
          dataPoints: [{ attributes: [], startTimeUnixNano: 0n, timeUnixNano: 1n, count: 1n, scale: 0, zeroCount: 0n, flags: 0, exemplars: [], zeroThreshold: 0 }],
        },
      }),
      metric('v', '', { gauge: { dataPoints: [{ ...numberPoint(1, T), asInt: undefined, asDouble: undefined }] } }),
    ]);
    const { request: wr, dropped } = otlpToPrometheus([{ accountId: 'a', request }]);
    assert.deepEqual(dropped, { deltaPoints: 3, exponentialHistogramPoints: 1, invalidPoints: 1 });
    assert.deepEqual(wr.timeseries, []);
  });

  it('merges one series across items in time order, de-duplicating timestamps', () => {
    const item = (value: number, t: number) => ({
      accountId: 'a',
      request: metricsRequest({ 'service.name': 'x' }, [metric('g', '', { gauge: { dataPoints: [numberPoint(value, t)] } })]),
    });
    const { request: wr } = otlpToPrometheus([item(3, T + 2000), item(1, T), item(2, T + 1000), item(9, T + 1000)]);
    assert.deepEqual(find(wr.timeseries, 'g').samples, [
      { value: 1, timestampMs: T },
      { value: 9, timestampMs: T + 1000 },
      { value: 3, timestampMs: T + 2000 },
    ]);
  });

  it('joins the values of attribute keys that sanitise to the same label', () => {
    const request = metricsRequest({ 'service.name': 'x' }, [
      metric('g', '', { gauge: { dataPoints: [numberPoint(1, T, { 'a.b': '1', 'a-b': '2' })] } }),
    ]);
    const { request: wr } = otlpToPrometheus([{ accountId: 'a', request }]);
    assert.equal(labelsOf(find(wr.timeseries, 'g'))['a_b'], '2;1');
  });

  it('marks points without a recorded value as stale', () => {
    const request = metricsRequest({ 'service.name': 'x' }, [metric('g', '', { gauge: { dataPoints: [numberPoint(0, T, {}, 1)] } })]);
    const { request: wr } = otlpToPrometheus([{ accountId: 'a', request }]);
    assert.equal(find(wr.timeseries, 'g').samples[0]?.stale, true);
  });
});
