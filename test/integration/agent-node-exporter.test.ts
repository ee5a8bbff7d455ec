import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { freePort, startTestAgent, type TestAgent } from '../agent/agent-helpers.js';

// The agent scrapes a real Debian prometheus-node-exporter and sends the opted-in series to a hub
// verifying SigV4 + API key; the rest of the scrape stays local.
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const ACCOUNT = '567890123456';
let hub: TestHub;
let t: TestAgent;
let exporter: ChildProcess;

before(async () => {
  const port = await freePort();
  exporter = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/metrics`;
  for (let i = 0; ; i++) {
    if (exporter.exitCode !== null) throw new Error(`node exporter exited with ${exporter.exitCode}`);
    const ok = await fetch(url).then(
      async (r) => (await r.arrayBuffer(), r.ok),
      () => false,
    );
    if (ok) break;
    if (i > 150) throw new Error('node exporter did not answer within 15 s');
    await sleep(100);
  }
  hub = await startTestHub({ auth: { mode: 'sigv4' } });
  const created = await hub.api('/api/accounts', { method: 'POST', body: { id: ACCOUNT, name: 'nodes', plan: 'default' } });
  assert.equal(created.status, 201);
  t = await startTestAgent({
    receivers: { prometheus: { scrapeIntervalSeconds: 1, scrapeTimeoutSeconds: 1, targets: [{ url, job: 'node', sourceName: 'host-1' }] } },
    resource: { attributes: { 'host.name': 'host-1.internal' } },
    exporters: {
      hub: {
        endpoint: hub.otlpUrl,
        credentials: { accessKeyId: created.json.accessKeyId, secretAccessKey: created.json.secretAccessKey },
        include: { metrics: { names: ['node_load*', 'node_cpu_seconds', 'up'] } },
      },
    },
  });
});

after(async () => {
  await t?.close();
  await hub?.close();
  if (exporter !== undefined && exporter.exitCode === null) {
    const exited = new Promise((r) => exporter.once('exit', r));
    exporter.kill('SIGTERM');
    await exited;
  }
});

test('opted-in node-exporter series reach the hub with the account and source; others do not', async () => {
  const load = await eventually(
    async () => {
      const r = await hub.api('/api/metrics?name=node_load1');
      return r.json.series?.length > 0 ? r.json.series : undefined;
    },
    'node_load1 at the hub',
    20_000,
  );
  assert.equal(load[0].accountId, ACCOUNT);
  assert.equal(load[0].sourceName, 'host-1');
  assert.equal(typeof load[0].points[0].value, 'number');

  const cpu = await eventually(async () => {
    const r = await hub.api('/api/metrics?name=node_cpu_seconds');
    return r.json.series?.length > 0 ? r.json.series : undefined;
  }, 'node_cpu_seconds (a counter) at the hub');
  assert.ok(cpu.some((s: { attributes: Record<string, unknown> }) => s.attributes['mode'] === 'idle'));
  assert.equal(cpu[0].isMonotonic, true);

  const up = await eventually(async () => {
    const r = await hub.api('/api/metrics?name=up');
    return r.json.series?.length > 0 ? r.json.series : undefined;
  }, 'up at the hub');
  assert.equal(up[0].points.at(-1).value, 1);

  await eventually(async () => t.agent.backlogBytes()['hub'] === 0, 'hub exporter caught up');
  const memory = await hub.api('/api/metrics?name=node_memory_MemTotal_bytes');
  assert.equal(memory.json.series.length, 0, 'not opted in');
  const text = await (await fetch(`${t.healthUrl}/metrics`)).text();
  assert.match(text, /e2e_agent_scrapes_total\{up="1"\} [1-9]/);
  assert.match(text, /e2e_agent_received_items_total\{signal="metrics",receiver="prometheus"\} [1-9]/);
});
