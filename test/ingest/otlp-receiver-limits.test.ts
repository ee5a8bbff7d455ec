/** The OTLP receiver as the agent runs it (no authentication, no usage plan): request slots and connection limits. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Registry } from 'prom-client';
import { createHttpMetrics } from '../../src/http/index.js';
import { ACCEPTED, type AcceptOutcome } from '../../src/ingest/index.js';
import { agentReceiver } from '../helpers/ingest-receiver.js';
import { eventually } from '../helpers/test-hub.js';
import { pipelined, rawExchange, unsignedLogsRequest, writeAndAbandon } from '../helpers/raw-http.js';

const LOGS = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }] }] }] });

test('requests in flight are bounded (503 with Retry-After), pipelined requests abandoned give their slots back, drain ends', async () => {
  const registry = new Registry();
  const waiting: ((o: AcceptOutcome) => void)[] = [];
  let hold = true;
  const receiver = agentReceiver(() => (hold ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(ACCEPTED)), {
    maxConcurrentRequests: 1,
    httpMetrics: createHttpMetrics(registry),
  });
  const { port } = await receiver.listen();
  const url = `http://127.0.0.1:${port}/v1/logs`;
  try {
    const first = fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: LOGS });
    await eventually(async () => waiting.length === 1, 'the first request waits for its append');
    const second = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: LOGS });
    assert.equal(second.status, 503);
    assert.equal(second.headers.get('retry-after'), '1');
    assert.match(((await second.json()) as { message: string }).message, /too many concurrent requests/);
    waiting.shift()!(ACCEPTED);
    assert.equal((await first).status, 200);
    hold = false;

    // 300 pipelined empty requests (no append) on connections that go away.
    const payload = pipelined(unsignedLogsRequest(`127.0.0.1:${port}`), 100);
    await Promise.all([writeAndAbandon(port, payload, 'end'), writeAndAbandon(port, payload, 'destroy-on-first-byte'), writeAndAbandon(port, payload, 'destroy-at-once')]);
    await eventually(async () => /e2e_http_requests_in_flight\{server="agent_otlp"\} 0\n/.test(await registry.metrics()), 'every slot back');
    assert.equal(await receiver.drain(2000), 'drained');
  } finally {
    await receiver.close();
  }
});

test('connection limit: connections beyond maxConnections are closed at accept', async () => {
  const receiver = agentReceiver(async () => ACCEPTED, { maxBodyBytes: 1024, maxDecompressedBytes: 1024, maxConnections: 1 });
  const { port } = await receiver.listen();
  try {
    const holder = net.connect({ port, host: '127.0.0.1' });
    await new Promise((r) => holder.once('connect', r));
    assert.equal(await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 2000), '');
    holder.destroy();
    await eventually(async () => (await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 2000)).startsWith('HTTP/1.1 200'), 'served once the place is free');
  } finally {
    await receiver.close();
  }
});
