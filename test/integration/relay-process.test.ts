import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { encodeRequest } from '../../src/otlp/index.js';
import { startCli, type CliProcess } from '../helpers/cli.js';
import { logRecord, logsRequest } from '../helpers/otlp-requests.js';
import { eventually, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { startOtlpSink, startTestAgent, type OtlpSink, type TestAgent } from '../agent/agent-helpers.js';

// `e2e-o11y relay` as a real process between an agent and a hub verifying SigV4 + API key: the
// metrics and key-distribution paths go to the hub; logs go to two stand-in upstreams so that one
// can be taken down.
const ACCOUNT = '678901234567';
let dir: string;
let hub: TestHub;
let a: OtlpSink;
let b: OtlpSink;
let relay: CliProcess;
let relayUrl: string;
let agent: TestAgent | undefined;

function relayLine(line: string): number | undefined {
  try {
    const v = JSON.parse(line) as { event?: string; relay?: string };
    return v.event === 'listening' && v.relay !== undefined ? Number(v.relay.split(':').pop()) : undefined;
  } catch {
    return undefined;
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e2e-relay-process-'));
  hub = await startTestHub({ auth: { mode: 'sigv4' } });
  a = await startOtlpSink();
  b = await startOtlpSink();
  const config = join(dir, 'relay.yaml');
  await writeFile(
    config,
    stringify({
      logLevel: 'warn',
      listen: { host: '127.0.0.1', port: 0 },
      upstreams: { default: [{ url: hub.otlpUrl }], metrics: [{ url: hub.otlpUrl }], logs: [{ url: a.url }, { url: b.url }] },
      healthCheck: { path: '/healthz', intervalSeconds: 0.5, timeoutSeconds: 0.5 },
      timeoutSeconds: 5,
    }),
  );
  relay = startCli(['relay', '--config', config]);
  relayUrl = `http://127.0.0.1:${await relay.waitForLine(relayLine)}`;
});

after(async () => {
  await agent?.close();
  relay?.kill('SIGKILL');
  await relay?.exited;
  await hub?.close();
  await a?.close();
  await b?.close();
  await rm(dir, { recursive: true, force: true });
});

test('SigV4-signed agent traffic and key distribution through the relay are accepted by the hub', async () => {
  const created = await hub.api('/api/accounts', { method: 'POST', body: { id: ACCOUNT, name: 'remote', plan: 'default' } });
  assert.equal(created.status, 201);
  agent = await startTestAgent({
    exporters: {
      hub: {
        endpoint: relayUrl,
        credentials: { accessKeyId: created.json.accessKeyId, secretAccessKey: created.json.secretAccessKey },
        apiKey: 'fetch',
        include: { metrics: { names: ['remote_*'] } },
      },
    },
  });
  const body = JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [] },
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'remote_orders',
                gauge: {
                  dataPoints: [
                    { asDouble: 4, timeUnixNano: String(BigInt(Date.now()) * 1_000_000n), attributes: [{ key: 'source.name', value: { stringValue: 'far-away' } }] },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  });
  const res = await fetch(`${agent.otlpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(res.status, 200);
  const series = await eventually(async () => {
    const r = await hub.api('/api/metrics?name=remote_orders');
    return r.json.series?.length > 0 ? r.json.series : undefined;
  }, 'the metric at the hub via the relay');
  assert.equal(series[0].accountId, ACCOUNT);
  assert.equal(series[0].points[0].value, 4);
  assert.equal(agent.agent.exporterStats()['hub']?.failedItems, 0, 'no rejection: the signature verified through the relay');
});

function logsBody(i: number): Uint8Array {
  return encodeRequest('logs', logsRequest([logRecord(1n, { severityText: '', body: { stringValue: `line ${i}` } })], []), 'protobuf');
}

async function postLogs(i: number): Promise<number> {
  const res = await fetch(`${relayUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: logsBody(i) });
  await res.arrayBuffer();
  return res.status;
}

test('an upstream going down moves traffic to the healthy one', async () => {
  for (let i = 0; i < 10; i++) assert.equal(await postLogs(i), 200);
  assert.ok(a.requests.length > 0 && b.requests.length > 0, `both upstreams share the traffic (${a.requests.length}/${b.requests.length})`);
  await a.close();
  const bBefore = b.requests.length;
  for (let i = 10; i < 30; i++) assert.equal(await postLogs(i), 200, `request ${i} after upstream A went down`);
  assert.equal(b.requests.length - bBefore, 20, 'every request went to the healthy upstream');
  const metrics = await (await fetch(`${relayUrl}/metrics`)).text();
  assert.match(metrics, new RegExp(`e2e_relay_upstream_healthy\\{upstream="${a.url}"\\} 0`));
});

test('SIGTERM stops the relay with exit code 0', async () => {
  relay.kill('SIGTERM');
  const exit = await relay.exited;
  assert.equal(exit.code, 0);
});
