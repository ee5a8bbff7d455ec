import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRequest, encodeRpcStatus } from '../../src/otlp/index.js';
import type { ExportMetricsServiceRequest } from '../../src/otlp/model.js';
import { eventually } from '../helpers/test-hub.js';
import { startOtlpSink, startTestAgent, type OtlpSink, type TestAgent } from '../agent/agent-helpers.js';

// A node:http stand-in plays the hub, so its answers (429 + Retry-After, 503, 403 with a
// google.rpc.Status) and the arrival time of each attempt are under the test's control.
let hub: OtlpSink;
let local: OtlpSink;
let t: TestAgent;
const logs: string[] = [];

before(async () => {
  hub = await startOtlpSink();
  local = await startOtlpSink();
  t = await startTestAgent(
    {
      exporters: {
        local: { endpoint: local.url },
        hub: {
          endpoint: hub.url,
          credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
          apiKey: 'configured-key',
          include: { metrics: { names: ['orders_*'] } },
          // Without a Retry-After the backoff would be at most 0.5 s: a 2 s wait can only come from the header.
          retry: { initialBackoffSeconds: 0.05, maxBackoffSeconds: 0.5 },
        },
      },
    },
    { logs },
  );
});

after(async () => {
  await t?.close();
  await hub?.close();
  await local?.close();
});

function metricsRequest(name: string, value: number): Uint8Array {
  const request: ExportMetricsServiceRequest = {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }], droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: { name: 'test', version: '', attributes: [], droppedAttributesCount: 0 },
            schemaUrl: '',
            metrics: [
              {
                name,
                description: '',
                unit: '',
                metadata: [],
                gauge: {
                  dataPoints: [
                    { attributes: [{ key: 'source.name', value: { stringValue: 'shop' } }], startTimeUnixNano: 0n, timeUnixNano: BigInt(Date.now()) * 1_000_000n, asDouble: value, exemplars: [], flags: 0 },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
  return encodeRequest('metrics', request, 'protobuf');
}

async function send(name: string, value: number): Promise<number> {
  const res = await fetch(`${t.otlpUrl}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: metricsRequest(name, value),
  });
  await res.arrayBuffer();
  return res.status;
}

test('a 429 with Retry-After: 2 makes the agent wait at least 2 s; the local exporter is not held up meanwhile', async () => {
  const first = hub.attempts.length;
  hub.respond = (_path, attempt) => (attempt === first ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 });
  assert.equal(await send('orders_total', 1), 200);
  await eventually(async () => hub.requests.length >= 1, 'the retried request accepted', 15_000);
  const a0 = hub.attempts[first];
  const a1 = hub.attempts[first + 1];
  assert.ok(a0 !== undefined && a1 !== undefined);
  assert.equal(a0.status, 429);
  assert.equal(a1.status, 200);
  const waitedMs = a1.atMs - a0.atMs;
  console.log(`# waited ${waitedMs} ms after 429 Retry-After: 2`);
  assert.ok(waitedMs >= 2000, `retried after ${waitedMs} ms`);
  const localAt = local.requests.find((r) => r.signal === 'metrics')?.atMs;
  assert.ok(localAt !== undefined && localAt < a1.atMs, 'the local stack got the data while the hub exporter waited');
  // Signed and keyed as the hub expects.
  const headers = hub.requests[0]?.headers ?? {};
  assert.match(String(headers['authorization']), /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-central-1\/execute-api\/aws4_request/);
  assert.equal(headers['x-api-key'], 'configured-key');
  assert.equal(headers['content-encoding'], 'gzip');
});

test('a hub that keeps answering 503 never blocks the local exporter', async () => {
  hub.respond = () => ({ status: 503, headers: { 'retry-after': '1' } });
  const before = local.items('metrics');
  for (let i = 0; i < 5; i++) assert.equal(await send('orders_total', i), 200);
  await eventually(async () => local.items('metrics') >= before + 5, 'five requests at the local stack');
  assert.ok((t.agent.backlogBytes()['hub'] ?? 0) > 0, 'the hub backlog is kept for later');
  hub.respond = () => ({ status: 200 });
  await eventually(async () => t.agent.backlogBytes()['hub'] === 0, 'hub backlog delivered once the hub is back', 15_000);
});

test('a 403 is not retried: logged with the hub’s google.rpc.Status message, counted, and the queue moves on', async () => {
  const before = hub.requests.length;
  const status = encodeRpcStatus({ code: 7, message: 'Forbidden: the x-api-key is not valid' }, 'protobuf');
  let rejected = 0;
  hub.respond = () => (rejected++ === 0 ? { status: 403, headers: { 'content-type': 'application/x-protobuf' }, body: status } : { status: 200 });
  assert.equal(await send('orders_rejected', 1), 200);
  await eventually(async () => t.agent.backlogBytes()['hub'] === 0, 'the rejected batch skipped');
  assert.equal(await send('orders_after', 2), 200);
  await eventually(async () => hub.requests.length > before, 'the next request delivered');
  assert.equal(rejected, 2, 'one rejection, then the next batch; no retry of the rejected one');
  const line = logs.find((l) => l.includes('Forbidden: the x-api-key is not valid'));
  assert.ok(line !== undefined, 'the hub’s message is in the log');
  assert.doesNotMatch(line, /configured-key/);
  const text = await (await fetch(`${t.healthUrl}/metrics`)).text();
  assert.match(text, /e2e_agent_export_rejections_total\{exporter="hub",status="403"\} 1/);
});
