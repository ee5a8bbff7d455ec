import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { startTestHub, eventually, type TestHub } from '../helpers/test-hub.js';

const ACCOUNT = '123456789012';

for (const encoding of ['protobuf', 'json'] as const) {
  describe(`real OpenTelemetry JS exporters (${encoding}) → hub → query API`, () => {
    let t: TestHub;
    before(async () => {
      t = await startTestHub();
    });
    after(async () => {
      await t.close();
    });

    it('stores spans with e2e.account.id stamped over the sender’s value and drops spans without source.name', async () => {
      const url = `${t.otlpUrl}/v1/traces`;
      const exporter = encoding === 'protobuf' ? new ProtoTraceExporter({ url }) : new JsonTraceExporter({ url });
      const good = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': 'checkout', 'source.name': 'shop-eks', 'e2e.account.id': 'spoofed' }),
        spanProcessors: [new SimpleSpanProcessor(exporter)],
      });
      const badExporter = encoding === 'protobuf' ? new ProtoTraceExporter({ url }) : new JsonTraceExporter({ url });
      const bad = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': 'no-source' }),
        spanProcessors: [new SimpleSpanProcessor(badExporter)],
      });
      const tracer = good.getTracer('test');
      const parent = tracer.startSpan('place order', { attributes: { 'order.id': 'o-1', 'order.items': 3 } });
      parent.addEvent('validated', { ok: true });
      const traceId = parent.spanContext().traceId;
      parent.end();
      bad.getTracer('test').startSpan('orphan').end();
      await good.forceFlush();
      await bad.forceFlush();

      const trace = await eventually(async () => {
        const r = await t.api(`/api/traces/${traceId}`);
        return r.status === 200 ? r.json : undefined;
      }, 'trace in the store');
      assert.equal(trace.traceId, traceId);
      assert.equal(trace.spans.length, 1);
      const s = trace.spans[0];
      assert.equal(s.name, 'place order');
      assert.equal(s.accountId, ACCOUNT);
      assert.equal(s.sourceName, 'shop-eks');
      assert.equal(s.serviceName, 'checkout');
      assert.equal(s.attributes['order.id'], 'o-1');
      assert.equal(s.attributes['order.items'], 3);
      assert.match(s.startTimeUnixNano, /^\d{19}$/);
      assert.equal(s.kind, 1);

      const stats = await eventually(async () => {
        const r = await t.api('/api/stats');
        const a = r.json.accounts.find((x: { accountId: string }) => x.accountId === ACCOUNT);
        return a?.rejected.spans >= 1 ? a : undefined;
      }, 'rejected span counted');
      assert.ok(stats.accepted.spans >= 1);
      assert.equal(stats.rejected.spans, 1);
      await good.shutdown();
      await bad.shutdown();
    });

    it('stores log records with the account stamped; records without source.name are counted as rejected', async () => {
      const url = `${t.otlpUrl}/v1/logs`;
      const make = () => (encoding === 'protobuf' ? new ProtoLogExporter({ url }) : new JsonLogExporter({ url }));
      const good = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': 'billing', 'source.name': 'billing-vm' }),
        processors: [new SimpleLogRecordProcessor({ exporter: make() })],
      });
      const bad = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'x' }), processors: [new SimpleLogRecordProcessor({ exporter: make() })] });
      const marker = `invoice-${encoding}-${Date.now()}`;
      good.getLogger('test').emit({ body: `${marker} created`, severityNumber: SeverityNumber.INFO, severityText: 'INFO', attributes: { 'invoice.total': 12.5 } });
      good.getLogger('test').emit({ body: { structured: marker, n: 2 }, severityNumber: SeverityNumber.WARN, severityText: 'WARN' });
      bad.getLogger('test').emit({ body: `${marker} dropped`, severityNumber: SeverityNumber.INFO });
      await good.forceFlush();
      await bad.forceFlush();

      const logs = await eventually(async () => {
        const r = await t.api(`/api/logs?contains=${encodeURIComponent(marker)}`);
        return r.json.logs?.length === 2 ? r.json.logs : undefined;
      }, 'two log records');
      const text = logs.find((l: { body: unknown }) => typeof l.body === 'string');
      assert.equal(text.body, `${marker} created`);
      assert.equal(text.accountId, ACCOUNT);
      assert.equal(text.sourceName, 'billing-vm');
      assert.equal(text.severityText, 'INFO');
      assert.equal(text.attributes['invoice.total'], 12.5);
      const structured = logs.find((l: { body: unknown }) => typeof l.body === 'object');
      assert.deepEqual(structured.body, { structured: marker, n: 2 });
      const byAccount = await t.api(`/api/logs?account=${ACCOUNT}&source=billing-vm&contains=${encodeURIComponent(marker)}`);
      assert.equal(byAccount.json.logs.length, 2);
      const other = await t.api(`/api/logs?account=999999999999&contains=${encodeURIComponent(marker)}`);
      assert.equal(other.json.logs.length, 0);
      await good.shutdown();
      await bad.shutdown();
    });

    it('stores metric data points with source.name and drops points without it', async () => {
      const url = `${t.otlpUrl}/v1/metrics`;
      const exporter = encoding === 'protobuf' ? new ProtoMetricExporter({ url }) : new JsonMetricExporter({ url });
      const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
      const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'orders' }), readers: [reader] });
      const meter = provider.getMeter('test');
      const name = `orders_placed_${encoding}`;
      const counter = meter.createCounter(name);
      counter.add(5, { 'source.name': 'shop-eks', region: 'eu' });
      counter.add(2, { region: 'us' }); // no source.name: dropped
      const hist = meter.createHistogram(`latency_${encoding}`, { unit: 'ms' });
      hist.record(12, { 'source.name': 'shop-eks' });
      hist.record(80, { 'source.name': 'shop-eks' });
      await provider.forceFlush();

      const series = await eventually(async () => {
        const r = await t.api(`/api/metrics?name=${name}`);
        return r.json.series?.length > 0 ? r.json.series : undefined;
      }, 'metric series');
      assert.equal(series.length, 1, 'the point without source.name is not stored');
      assert.equal(series[0].accountId, ACCOUNT);
      assert.equal(series[0].sourceName, 'shop-eks');
      assert.equal(series[0].attributes.region, 'eu');
      assert.equal(series[0].points[0].value, 5);
      const h = await t.api(`/api/metrics?name=latency_${encoding}&account=${ACCOUNT}`);
      assert.equal(h.json.series.length, 1);
      assert.equal(h.json.series[0].points[0].value, 92);
      assert.equal(h.json.series[0].points[0].count, '2');
      const stats = await t.api('/api/stats');
      const a = stats.json.accounts.find((x: { accountId: string }) => x.accountId === ACCOUNT);
      assert.ok(a.rejected.dataPoints >= 1);
      await provider.shutdown();
    });
  });
}
