import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { eventually, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { startTestAgent, type TestAgent } from '../agent/agent-helpers.js';

// Issue 9, point 7: when the hub answers 200 with partial_success (spans without `source.name`),
// the agent used to count the batch as sent and say nothing. Now it counts the dropped items in its
// /metrics and logs them (rate-limited); and `resource.sourceName` lets it fill the attribute in.
const ACCOUNT = '313131313131';
let hub: TestHub;
let keys: { accessKeyId: string; secretAccessKey: string };

before(async () => {
  hub = await startTestHub({ auth: { mode: 'sigv4' } });
  const created = await hub.api('/api/accounts', { method: 'POST', body: { id: ACCOUNT, name: 'reports', plan: 'default' } });
  assert.equal(created.status, 201);
  keys = { accessKeyId: created.json.accessKeyId, secretAccessKey: created.json.secretAccessKey };
});

after(async () => {
  await hub?.close();
});

function agentConfig(sourceName: string | null): Record<string, unknown> {
  return {
    resource: { attributes: {}, sourceName },
    exporters: {
      hub: { endpoint: hub.otlpUrl, credentials: keys, apiKey: 'fetch', include: { traces: { attributes: { 'business.process': 'report' } } } },
    },
  };
}

async function sendSpans(agent: TestAgent, n: number): Promise<void> {
  // An application that never set source.name: the hub's default rule drops its spans.
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'reporter' }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${agent.otlpUrl}/v1/traces` }))],
  });
  const tracer = provider.getTracer('test');
  for (let i = 0; i < n; i++) tracer.startSpan('monthly report', { attributes: { 'business.process': 'report' } }).end();
  await provider.forceFlush();
  await provider.shutdown();
}

async function agentMetric(agent: TestAgent, name: string): Promise<number> {
  const text = await (await fetch(`${agent.healthUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

test('items the hub drops from an accepted batch are counted in the agent’s /metrics and logged', async () => {
  const logs: string[] = [];
  const agent = await startTestAgent(agentConfig(null), { logs });
  try {
    await sendSpans(agent, 3);
    await eventually(async () => (await agentMetric(agent, 'e2e_agent_hub_rejected_items_total')) === 3 || undefined, 'rejected items counted', 15_000);
    const warning = logs.map((l) => JSON.parse(l) as { msg?: string; rejected?: number; reason?: string }).find((l) => l.msg?.includes('dropped items'));
    assert.ok(warning, 'a warning names the drop');
    assert.equal(warning.rejected, 3);
    assert.match(warning.reason ?? '', /3 spans rejected by rule traces\.resource\.source\.name/);
  } finally {
    await agent.close();
  }
});

test('with resource.sourceName set, the agent fills in source.name and nothing is dropped', async () => {
  const agent = await startTestAgent(agentConfig('reports-vm'));
  try {
    await sendSpans(agent, 2);
    const stored = await eventually(async () => {
      const r = await hub.api(`/api/traces?account=${ACCOUNT}&name=${encodeURIComponent('monthly report')}&limit=50`);
      const traces = (r.json.traces ?? []) as { traceId: string }[];
      return traces.length >= 2 ? traces : undefined;
    }, 'spans stored at the hub', 15_000);
    const trace = await hub.api(`/api/traces/${stored[0]?.traceId ?? ''}`);
    assert.equal(trace.json.spans[0].sourceName, 'reports-vm');
    assert.equal(await agentMetric(agent, 'e2e_agent_hub_rejected_items_total'), 0);
  } finally {
    await agent.close();
  }
});
