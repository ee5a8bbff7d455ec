import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeRequest } from '../../src/otlp/index.js';
import type { ExportMetricsServiceRequest, KeyValue, Metric } from '../../src/otlp/model.js';
import { PrometheusProcess, type PromMatrixResult, type PromQueryResult } from '../helpers/prometheus-process.js';
import { eventually, startTestHub, type TestHub } from '../helpers/test-hub.js';

const s = (key: string, v: string): KeyValue => ({ key, value: { stringValue: v } });
const ACCOUNT = '123456789012';

function metricsRequest(metrics: Metric[]): ExportMetricsServiceRequest {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [s('service.name', 'checkout'), s('service.namespace', 'shop'), s('service.instance.id', 'pod-1')], droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeMetrics: [{ schemaUrl: '', metrics }],
      },
    ],
  };
}

async function post(base: string, signal: 'metrics' | 'logs' | 'traces', body: Uint8Array): Promise<number> {
  const res = await fetch(`${base}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
  await res.arrayBuffer();
  return res.status;
}

/** Forwards to `target` and records the headers of each request (to see X-Scope-OrgID). */
function recordingProxy(target: string): Promise<{ server: Server; url: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    const up = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })));
}

describe('scale-out exporters: Prometheus remote write and OTLP to a second hub', () => {
  let prom: PrometheusProcess;
  let downstream: TestHub;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let hub: TestHub;

  before(async () => {
    prom = await PrometheusProcess.create();
    downstream = await startTestHub({ auth: { none: { accountId: '999999999999' } } });
    proxy = await recordingProxy(downstream.otlpUrl);
    hub = await startTestHub({
      tenant: 'acme-e2e',
      exporters: {
        otlp: [{ name: 'downstream', endpoint: proxy.url }],
        prometheusRemoteWrite: [{ name: 'prom', endpoint: `${prom.url}/api/v1/write` }],
      },
    });
  });
  after(async () => {
    await hub?.close();
    proxy?.server.close();
    await downstream?.close();
    await prom?.dispose();
  });

  it('metrics are queryable in a real Prometheus with the translated names and labels, including a histogram', async () => {
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const pointAttrs = [s('source.name', 'shop-eks'), s('region', 'eu')];
    const body = encodeRequest(
      'metrics',
      metricsRequest([
        { name: 'orders.placed', description: '', unit: '1', metadata: [], sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ attributes: pointAttrs, startTimeUnixNano: nowNs - 60_000_000_000n, timeUnixNano: nowNs, asInt: 42n, exemplars: [], flags: 0 }] } },
        { name: 'queue.depth', description: '', unit: '', metadata: [], gauge: { dataPoints: [{ attributes: pointAttrs, startTimeUnixNano: 0n, timeUnixNano: nowNs, asDouble: 7.5, exemplars: [], flags: 0 }] } },
        {
          name: 'checkout.duration',
          description: '',
          unit: 's',
          metadata: [],
          histogram: {
            aggregationTemporality: 2,
            dataPoints: [{ attributes: pointAttrs, startTimeUnixNano: nowNs - 60_000_000_000n, timeUnixNano: nowNs, count: 6n, sum: 4.2, bucketCounts: [1n, 3n, 2n], explicitBounds: [0.1, 1], exemplars: [], flags: 0 }],
          },
        },
      ]),
      'protobuf',
    );
    assert.equal(await post(hub.otlpUrl, 'metrics', body), 200);
    const t = Date.now() / 1000;
    const total = await eventually(async () => {
      const r = await prom.query<PromQueryResult>('orders_placed_total', t);
      return r.length > 0 ? r : undefined;
    }, 'orders_placed_total in Prometheus', 20_000);
    assert.equal(total[0]!.value[1], '42');
    assert.equal(total[0]!.metric['e2e_account_id'], ACCOUNT);
    assert.equal(total[0]!.metric['source_name'], 'shop-eks');
    assert.equal(total[0]!.metric['region'], 'eu');
    assert.equal(total[0]!.metric['job'], 'shop/checkout');
    assert.equal(total[0]!.metric['instance'], 'pod-1');
    const gauge = await prom.query<PromQueryResult>('queue_depth', t);
    assert.equal(gauge[0]?.value[1], '7.5');
    const buckets = await prom.query<PromQueryResult>('checkout_duration_seconds_bucket', t);
    const byLe = Object.fromEntries(buckets.map((b) => [b.metric['le'], b.value[1]]));
    assert.deepEqual(byLe, { '0.1': '1', '1': '4', '+Inf': '6' });
    assert.equal((await prom.query<PromQueryResult>('checkout_duration_seconds_count', t))[0]?.value[1], '6');
    assert.equal((await prom.query<PromQueryResult>('checkout_duration_seconds_sum', t))[0]?.value[1], '4.2');
  });

  it('a second hub receives traces, logs and metrics over OTLP/HTTP with X-Scope-OrgID set to the tenant', async () => {
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const marker = `fwd-${Date.now()}`;
    const res = { attributes: [s('source.name', 'shop-eks'), s('service.name', 'checkout')], droppedAttributesCount: 0 };
    const traceId = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
    assert.equal(
      await post(hub.otlpUrl, 'traces', encodeRequest('traces', { resourceSpans: [{ resource: res, schemaUrl: '', scopeSpans: [{ schemaUrl: '', spans: [{ traceId, spanId: Buffer.from('0102030405060708', 'hex'), traceState: '', parentSpanId: new Uint8Array(0), flags: 0, name: marker, kind: 2, startTimeUnixNano: nowNs, endTimeUnixNano: nowNs + 1000n, attributes: [], droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0 }] }] }] }, 'protobuf')),
      200,
    );
    assert.equal(
      await post(hub.otlpUrl, 'logs', encodeRequest('logs', { resourceLogs: [{ resource: res, schemaUrl: '', scopeLogs: [{ schemaUrl: '', logRecords: [{ timeUnixNano: nowNs, observedTimeUnixNano: nowNs, severityNumber: 9, severityText: 'INFO', body: { stringValue: marker }, attributes: [], droppedAttributesCount: 0, flags: 0, traceId: new Uint8Array(0), spanId: new Uint8Array(0), eventName: '' }] }] }] }, 'protobuf')),
      200,
    );
    assert.equal(
      await post(hub.otlpUrl, 'metrics', encodeRequest('metrics', metricsRequest([{ name: 'forwarded_gauge', description: '', unit: '', metadata: [], gauge: { dataPoints: [{ attributes: [s('source.name', 'shop-eks')], startTimeUnixNano: 0n, timeUnixNano: nowNs, asDouble: 1, exemplars: [], flags: 0 }] } }]), 'protobuf')),
      200,
    );
    const trace = await eventually(async () => {
      const r = await downstream.api(`/api/traces/${traceId.toString('hex')}`);
      return r.status === 200 ? r.json : undefined;
    }, 'trace at the second hub', 20_000);
    assert.equal(trace.spans[0].name, marker);
    await eventually(async () => (await downstream.api(`/api/logs?contains=${marker}`)).json.logs.length === 1, 'log at the second hub', 20_000);
    await eventually(async () => (await downstream.api('/api/metrics?name=forwarded_gauge')).json.series.length === 1, 'metric at the second hub', 20_000);
    const paths = new Set(proxy.seen.map((h) => h['x-scope-orgid']));
    assert.deepEqual([...paths], ['acme-e2e']);
    assert.ok(proxy.seen.every((h) => h['content-encoding'] === 'gzip' && h['content-type'] === 'application/x-protobuf'));
  });

  it('with Prometheus stopped, ingest stays available and every acknowledged point arrives in order afterwards', { timeout: 90_000 }, async () => {
    await prom.stop();
    const start = Date.now() - 30_000;
    const N = 12;
    for (let i = 0; i < N; i++) {
      const ts = BigInt(start + i * 1000) * 1_000_000n;
      const body = encodeRequest('metrics', metricsRequest([{ name: 'outage.gauge', description: '', unit: '', metadata: [], gauge: { dataPoints: [{ attributes: [s('source.name', 'shop-eks')], startTimeUnixNano: 0n, timeUnixNano: ts, asDouble: i, exemplars: [], flags: 0 }] } }]), 'protobuf');
      assert.equal(await post(hub.otlpUrl, 'metrics', body), 200, 'ingest answers 200 while the backend is down');
    }
    await new Promise((r) => setTimeout(r, 1000));
    await prom.start();
    const series = await eventually(async () => {
      const r = await prom.query<PromMatrixResult>('outage_gauge[5m]', Date.now() / 1000);
      return r[0]?.values.length === N ? r : undefined;
    }, 'all points after the outage', 60_000);
    const values = series[0]!.values.map(([, v]) => Number(v));
    assert.deepEqual(values, Array.from({ length: N }, (_, i) => i), 'every point, in order');
    const text = await (await fetch(`${hub.consoleUrl}/metrics`)).text();
    const retries = /e2e_export_retries_total\{exporter="prw-prom"\} (\d+)/.exec(text);
    assert.ok(retries !== null && Number(retries[1]) > 0, 'the outage shows as retries in /metrics');
    assert.match(text, /e2e_export_lag_seconds\{exporter="prw-prom"\}/);
    assert.match(text, /e2e_export_items_total\{exporter="prw-prom",outcome="sent"\}/);
  });
});
