import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { attributesToPlain } from '../../src/otlp/index.js';
import type { RequestBySignal } from '../../src/otlp/model.js';
import { eventually, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { startOtlpSink, startTestAgent, type OtlpSink, type TestAgent } from '../agent/agent-helpers.js';

// An application instrumented with the OpenTelemetry JS SDK sends to the agent; the agent keeps
// everything for the local stack (a stand-in receiver) and sends the opted-in part to a hub that
// verifies SigV4 + API key (the key fetched by the agent itself).
const ACCOUNT = '210987654321';
let hub: TestHub;
let local: OtlpSink;
let t: TestAgent;

before(async () => {
  hub = await startTestHub({ auth: { mode: 'sigv4' } });
  const created = await hub.api('/api/accounts', { method: 'POST', body: { id: ACCOUNT, name: 'shop', plan: 'default' } });
  assert.equal(created.status, 201);
  local = await startOtlpSink();
  t = await startTestAgent({
    resource: { attributes: { 'k8s.cluster.name': 'shop-eks-1', 'cloud.region': 'eu-west-1' } },
    exporters: {
      local: { endpoint: local.url },
      hub: {
        endpoint: hub.otlpUrl,
        credentials: { accessKeyId: created.json.accessKeyId, secretAccessKey: created.json.secretAccessKey },
        apiKey: 'fetch',
        include: {
          metrics: { names: ['orders_*'] },
          logs: { attributes: { 'e2e.share': 'yes' } },
          traces: { attributes: { 'business.process': 'order' } },
        },
      },
    },
  });
});

after(async () => {
  await t?.close();
  await local?.close();
  await hub?.close();
});

async function accountStats(): Promise<{ accepted: { spans: number; dataPoints: number; logRecords: number } }> {
  const r = await hub.api('/api/stats');
  return r.json.accounts.find((a: { accountId: string }) => a.accountId === ACCOUNT);
}

const appResource = resourceFromAttributes({ 'service.name': 'checkout', 'source.name': 'shop-eks', 'k8s.cluster.name': 'stale' });

test('opted-in spans reach the hub with the agent’s resource attributes and e2e.account.id; others stay local', async () => {
  const provider = new BasicTracerProvider({
    resource: appResource,
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${t.otlpUrl}/v1/traces` }))],
  });
  const tracer = provider.getTracer('shop');
  const shared = tracer.startSpan('place order', { attributes: { 'business.process': 'order', 'order.id': 'o-7' } });
  const sharedTraceId = shared.spanContext().traceId;
  shared.end();
  const privateSpan = tracer.startSpan('gc pause', { attributes: { 'business.process': 'internal' } });
  const privateTraceId = privateSpan.spanContext().traceId;
  privateSpan.end();
  await provider.forceFlush();

  const trace = await eventually(async () => {
    const r = await hub.api(`/api/traces/${sharedTraceId}`);
    return r.status === 200 ? r.json : undefined;
  }, 'opted-in trace at the hub');
  const span = trace.spans[0];
  assert.equal(span.name, 'place order');
  assert.equal(span.accountId, ACCOUNT);
  assert.equal(span.resource['e2e.account.id'], ACCOUNT);
  assert.equal(span.resource['k8s.cluster.name'], 'shop-eks-1', 'the agent’s configured value wins over the app’s');
  assert.equal(span.resource['cloud.region'], 'eu-west-1');

  await eventually(async () => local.items('traces') >= 2, 'both spans at the local endpoint');
  const localIds = local.requests
    .filter((r) => r.signal === 'traces')
    .flatMap((r) => (r.request as RequestBySignal['traces']).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)))
    .map((s) => Buffer.from(s.traceId).toString('hex'));
  assert.ok(localIds.includes(privateTraceId) && localIds.includes(sharedTraceId));
  // The private span was in the same queue; once the hub caught up with the shared one it must not be there.
  await eventually(async () => t.agent.backlogBytes()['hub'] === 0, 'hub exporter caught up');
  const hidden = await hub.api(`/api/traces/${privateTraceId}`);
  assert.equal(hidden.status, 404);
  // The hub counts at ingest, before its 200: with the agent caught up, this count is final.
  assert.equal((await accountStats()).accepted.spans, 1);
  await provider.shutdown();
});

test('opted-in log records reach the hub; others only the local endpoint', async () => {
  const provider = new LoggerProvider({
    resource: appResource,
    processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${t.otlpUrl}/v1/logs` }) })],
  });
  const marker = `inv-${Date.now()}`;
  const logger = provider.getLogger('billing');
  logger.emit({ body: `${marker} shared`, severityNumber: SeverityNumber.INFO, attributes: { 'e2e.share': 'yes' } });
  logger.emit({ body: `${marker} private`, severityNumber: SeverityNumber.ERROR, attributes: { 'e2e.share': 'no' } });
  await provider.forceFlush();

  const logs = await eventually(async () => {
    const r = await hub.api(`/api/logs?contains=${marker}`);
    return r.json.logs?.length > 0 ? r.json.logs : undefined;
  }, 'shared log at the hub');
  await eventually(async () => local.items('logs') >= 2, 'both logs at the local endpoint');
  await eventually(async () => t.agent.backlogBytes()['hub'] === 0, 'hub exporter caught up');
  const again = await hub.api(`/api/logs?contains=${marker}`);
  assert.equal(again.json.logs.length, 1, 'only the opted-in record');
  assert.equal((await accountStats()).accepted.logRecords, 1);
  assert.equal(logs[0].body, `${marker} shared`);
  assert.equal(logs[0].accountId, ACCOUNT);
  assert.equal(logs[0].resource['k8s.cluster.name'], 'shop-eks-1');
  assert.equal(logs[0].resource['e2e.account.id'], ACCOUNT);
  const localBodies = local.requests
    .filter((r) => r.signal === 'logs')
    .flatMap((r) => (r.request as RequestBySignal['logs']).resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)))
    .map((l) => l.body?.stringValue);
  assert.ok(localBodies.includes(`${marker} private`));
  await provider.shutdown();
});

test('opted-in metric names reach the hub; others only the local endpoint, which also gets the agent’s resource', async () => {
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${t.otlpUrl}/v1/metrics` }),
    exportIntervalMillis: 60_000,
  });
  const provider = new MeterProvider({ resource: appResource, readers: [reader] });
  const meter = provider.getMeter('shop');
  meter.createCounter('orders_placed_total').add(3, { 'source.name': 'shop-eks' });
  meter.createCounter('jvm_gc_runs_total').add(9, { 'source.name': 'shop-eks' });
  await provider.forceFlush();

  const series = await eventually(async () => {
    const r = await hub.api('/api/metrics?name=orders_placed_total');
    return r.json.series?.length > 0 ? r.json.series : undefined;
  }, 'opted-in metric at the hub');
  assert.equal(series[0].accountId, ACCOUNT);
  assert.equal(series[0].points[0].value, 3);
  await eventually(async () => t.agent.backlogBytes()['hub'] === 0, 'hub exporter caught up');
  const hidden = await hub.api('/api/metrics?name=jvm_gc_runs_total');
  assert.equal(hidden.json.series.length, 0);
  assert.equal((await accountStats()).accepted.dataPoints, 1);

  const localMetric = await eventually(async () => {
    for (const r of local.requests) {
      if (r.signal !== 'metrics') continue;
      for (const rm of (r.request as RequestBySignal['metrics']).resourceMetrics) {
        const names = rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => m.name));
        if (names.includes('jvm_gc_runs_total')) return attributesToPlain(rm.resource?.attributes ?? []);
      }
    }
    return undefined;
  }, 'the non-opted-in metric at the local endpoint');
  assert.equal(localMetric['k8s.cluster.name'], 'shop-eks-1');
  assert.equal(localMetric['e2e.account.id'], undefined, 'the local stack gets no hub stamping');
  assert.equal(local.requests[0]?.headers['x-scope-orgid'], undefined);
  assert.equal(local.requests[0]?.headers['authorization'], undefined);

  const m = await fetch(`${t.healthUrl}/metrics`);
  const text = await m.text();
  assert.match(text, /e2e_agent_hub_filtered_items_total\{signal="metrics"\} [1-9]/);
  assert.match(text, /e2e_agent_exported_items_total\{exporter="hub",signal="metrics"\} [1-9]/);
  await provider.shutdown();
});
