import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportItem } from '../helpers/export-items.js';
import { encodeRecord } from '../../src/pipeline/index.js';
import type { ExportItem } from '../../src/export/exporter.js';
import { startExporterRunner } from '../../src/export/exporter-runner.js';
import {
  createPrometheusRemoteWriteExporter,
  type PrometheusRemoteWriteExporter,
} from '../../src/export/prometheus/remote-write-exporter.js';
import { FakeQueueReader, waitUntil } from './fake-queue-reader.js';
import { CUMULATIVE, histogramPoint, metric, metricsRequest, numberPoint } from './metrics-fixtures.js';
import { PrometheusProcess, type PromMatrixResult } from '../helpers/prometheus-process.js';

const ACCOUNT = '111122223333';
const RESOURCE = {
  'service.name': 'checkout',
  'service.namespace': 'shop',
  'service.instance.id': 'pod-1',
  'e2e.account.id': ACCOUNT,
  'deployment.environment': 'test',
};

describe('Prometheus remote write exporter against a real Prometheus', () => {
  let prom: PrometheusProcess;
  let exporter: PrometheusRemoteWriteExporter;
  before(async () => {
    prom = await PrometheusProcess.create();
    exporter = createPrometheusRemoteWriteExporter({
      name: 'prom',
      endpoint: `${prom.url}/api/v1/write`,
      headers: { 'X-Extra': 'yes' },
      timeoutMs: 5000,
    });
  });
  after(async () => {
    await exporter?.close();
    await prom?.dispose();
  });

  it('stores gauges, counters and histograms with job, instance, account and source labels', async () => {
    const t = Date.now() - 10_000;
    const item: ExportItem = exportItem(
      'metrics',
      ACCOUNT,
      metricsRequest(RESOURCE, [
        metric('orders.in_flight', '{orders}', { gauge: { dataPoints: [numberPoint(7, t, { 'source.name': 'orders-svc' })] } }),
        metric('orders.created', '{orders}', {
          sum: { dataPoints: [numberPoint(42, t, { 'source.name': 'orders-svc', 'order.type': 'b2b' })], aggregationTemporality: CUMULATIVE, isMonotonic: true },
        }),
        metric('checkout.duration', 's', {
          histogram: { dataPoints: [histogramPoint([0.1, 0.5, 1], [2, 3, 4, 1], 5.25, t, { 'source.name': 'orders-svc' })], aggregationTemporality: CUMULATIVE },
        }),
      ]),
    );
    const outcome = await exporter.export([item, exportItem('logs', ACCOUNT, { resourceLogs: [] })]);
    assert.deepEqual(outcome, { kind: 'success' }, prom.log());
    const at = t / 1000;

    const [gauge, ...moreGauges] = await prom.query('orders_in_flight', at);
    assert.equal(moreGauges.length, 0);
    assert.deepEqual(gauge?.metric, {
      __name__: 'orders_in_flight',
      job: 'shop/checkout',
      instance: 'pod-1',
      e2e_account_id: ACCOUNT,
      source_name: 'orders-svc',
      otel_scope_name: 'orders-lib',
      otel_scope_version: '1.0.0',
    });
    assert.deepEqual(gauge?.value, [at, '7']);

    const counters = await prom.query('orders_created_total{e2e_account_id="111122223333", order_type="b2b"}', at);
    assert.equal(counters.length, 1);
    assert.equal(counters[0]?.value[1], '42');

    const buckets = await prom.query('checkout_duration_seconds_bucket{job="shop/checkout", source_name="orders-svc"}', at);
    const byLe = Object.fromEntries(buckets.map((b) => [b.metric['le'], b.value[1]]));
    assert.deepEqual(byLe, { '0.1': '2', '0.5': '5', '1': '9', '+Inf': '10' });
    assert.equal((await prom.query('checkout_duration_seconds_sum', at))[0]?.value[1], '5.25');
    assert.equal((await prom.query('checkout_duration_seconds_count', at))[0]?.value[1], '10');
    // PromQL over the translated buckets works as for native Prometheus histograms.
    const p50 = await prom.query('histogram_quantile(0.5, checkout_duration_seconds_bucket)', at);
    assert.ok(Number(p50[0]?.value[1]) > 0.1 && Number(p50[0]?.value[1]) <= 0.5);

    // target_info carries the export time, so it is read at the current time.
    const info = await prom.query('target_info', Date.now() / 1000);
    assert.equal(info.length, 1);
    assert.equal(info[0]?.metric['deployment_environment'], 'test');
    assert.equal(info[0]?.metric['e2e_account_id'], ACCOUNT);
    assert.equal(info[0]?.metric['job'], 'shop/checkout');

    const stats = exporter.stats();
    assert.ok(stats.sentSamples >= 9);
    assert.equal(stats.deltaPoints, 0);
  });

  it('reports a sample Prometheus refuses (out of order) as a non-retryable failure with its message', async () => {
    const t = Date.now() - 5_000;
    const gauge = (value: number, time: number): ExportItem =>
      exportItem('metrics', ACCOUNT, metricsRequest({ 'service.name': 'ooo' }, [metric('ooo.gauge', '', { gauge: { dataPoints: [numberPoint(value, time)] } })]));
    assert.deepEqual(await exporter.export([gauge(1, t)]), { kind: 'success' });
    const outcome = await exporter.export([gauge(2, t - 60_000)]);
    assert.equal(outcome.kind, 'failure', JSON.stringify(outcome));
    assert.ok(outcome.kind === 'failure');
    assert.match(outcome.message, /HTTP 400: .*out of (order|bounds)/i);
  });
});

describe('remote write through an outage', () => {
  let prom: PrometheusProcess | undefined;
  after(async () => {
    await prom?.dispose();
  });

  it("delivers a series' samples in order after Prometheus was stopped and restarted while the runner retried", async () => {
    prom = await PrometheusProcess.create();
    const exporter = createPrometheusRemoteWriteExporter({ name: 'prom', endpoint: `${prom.url}/api/v1/write`, timeoutMs: 5000 });
    const reader = new FakeQueueReader();
    const t0 = Date.now() - 60_000;
    const append = (i: number): void => {
      const item: ExportItem = exportItem(
        'metrics',
        ACCOUNT,
        metricsRequest(RESOURCE, [
          metric('orders.processed', '', {
            sum: { dataPoints: [numberPoint(i, t0 + i * 1000, { 'source.name': 'orders-svc' })], aggregationTemporality: CUMULATIVE, isMonotonic: true },
          }),
        ]),
      );
      reader.append(encodeRecord(item, item.payload));
    };
    const runner = startExporterRunner({
      exporter,
      reader,
      batchMaxRecords: 3,
      batchMaxBytes: 1 << 20,
      retry: { initialMs: 20, maxMs: 200 },
      readWaitMs: 50,
    });
    try {
      for (let i = 0; i < 5; i++) append(i);
      await waitUntil(() => runner.stats().sentItems === 5, 'first five sent');

      await prom.stop();
      for (let i = 5; i < 12; i++) append(i);
      await waitUntil(() => runner.stats().retries >= 2, 'runner retrying while Prometheus is down');
      assert.equal(reader.ackedPosition < reader.endPosition, true, 'nothing acknowledged during the outage');

      await prom.start();
      await waitUntil(() => runner.stats().sentItems === 12, 'all sent after restart');
      assert.equal(runner.stats().failedItems, 0);

      const at = (t0 + 11_000) / 1000;
      const [series, ...others] = await prom.query<PromMatrixResult>('orders_processed_total{source_name="orders-svc"}[5m]', at);
      assert.equal(others.length, 0);
      assert.equal(series?.metric['e2e_account_id'], ACCOUNT);
      assert.deepEqual(
        series?.values.map(([ts, v]) => [ts, Number(v)]),
        Array.from({ length: 12 }, (_, i) => [(t0 + i * 1000) / 1000, i]),
      );
    } finally {
      await runner.stop();
      await exporter.close();
    }
  });
});
