/**
 * Alerts reach a real Alertmanager (DESIGN "Alerts"): a stuck order fires OrdersStuck, posted to
 * `POST /api/v2/alerts` with the instance page as generatorURL; when the order completes (its invoice
 * arrives as a separate trace carrying only order.id) the alert is sent resolved, and Alertmanager
 * notifies its receiver of both.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlertmanagerProcess } from '../helpers/alertmanager-process.js';
import { startOrderHub } from '../helpers/order-hub.js';
import { eventually } from '../helpers/test-hub.js';

interface WebhookMessage {
  status: string;
  alerts: { status: string; labels: Record<string, string>; generatorURL: string }[];
}

/** An HTTP server standing in for Alertmanager's notification receiver (webhook_configs). */
async function startWebhook(): Promise<{ url: string; messages: WebhookMessage[]; server: Server }> {
  const messages: WebhookMessage[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      messages.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookMessage);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, messages, server };
}

const RULES = [{ name: 'OrdersStuck', process: 'order', when: 'stuck', threshold: 1, windowSeconds: 600, forSeconds: 1, labels: { severity: 'page' } }];

it('Alertmanager receives a firing alert for a stuck order and a resolved one when it completes', { timeout: 90_000 }, async () => {
  const hook = await startWebhook();
  const am = await AlertmanagerProcess.start(hook.url);
  const h = await startOrderHub(
    { console: { publicUrl: 'http://console.example:3000/' }, alerts: { evaluateIntervalSeconds: 1, alertmanager: { url: am.url }, rules: RULES } },
    { stuckAfterSeconds: 2 },
  );
  try {
    await h.order(7, 'stalled');
    const firing = await eventually(
      async () => (await am.alerts()).find((a) => a.labels['alertname'] === 'OrdersStuck' && a.status.state === 'active'),
      'OrdersStuck active in Alertmanager',
      30_000,
    );
    assert.deepEqual(firing.labels, { alertname: 'OrdersStuck', process: 'order', severity: 'page' });
    assert.equal(firing.generatorURL, 'http://console.example:3000/processes/order/instances/ord-7', 'the one stuck instance’s page');
    assert.match(firing.annotations['summary'] ?? '', /1 order instance\(s\) stuck .*ord-7/);
    assert.ok(Date.parse(firing.endsAt) > Date.now(), 'endsAt ahead while firing: re-sent before it passes');

    const listed = (await h.t.api('/api/alerts?state=firing')).json.alerts;
    assert.equal(listed.length, 1);
    assert.deepEqual(
      { name: listed[0].name, state: listed[0].state, labels: listed[0].labels, endsAt: listed[0].endsAt, url: listed[0].generatorURL },
      { name: 'OrdersStuck', state: 'firing', labels: firing.labels, endsAt: null, url: firing.generatorURL },
    );
    await eventually(async () => hook.messages.some((m) => m.status === 'firing' && m.alerts.some((a) => a.labels['alertname'] === 'OrdersStuck')), 'firing notification', 15_000);

    // The invoice arrives late, from a worker that lost the trace context: the order completes.
    await h.invoice(7);
    await eventually(
      async () => hook.messages.some((m) => m.alerts.some((a) => a.labels['alertname'] === 'OrdersStuck' && a.status === 'resolved')),
      'resolved notification from Alertmanager',
      30_000,
    );
    assert.equal((await am.alerts()).filter((a) => a.labels['alertname'] === 'OrdersStuck' && a.status.state === 'active').length, 0);
    const resolved = (await h.t.api('/api/alerts')).json.alerts;
    assert.equal(resolved.length, 1);
    assert.equal(resolved[0].state, 'resolved');
    assert.ok(Date.parse(resolved[0].endsAt) <= Date.now());
    assert.equal((await h.t.api('/api/alerts?state=firing')).json.alerts.length, 0);
  } finally {
    await h.close();
    await am.dispose();
    await new Promise<void>((resolve) => hook.server.close(() => resolve()));
  }
});

it('an unreachable Alertmanager blocks nothing: alerts are still listed and ingest and the console answer', { timeout: 60_000 }, async () => {
  const h = await startOrderHub(
    // Port 9 (discard) on loopback: nothing listens there, connections are refused.
    { alerts: { evaluateIntervalSeconds: 1, alertmanager: { url: 'http://127.0.0.1:9', timeoutSeconds: 1 }, rules: RULES } },
    { stuckAfterSeconds: 1 },
  );
  try {
    await h.order(8, 'stalled');
    const alert = await eventually(async () => (await h.t.api('/api/alerts')).json.alerts[0], 'alert listed', 20_000);
    assert.equal(alert.state, 'firing');
    assert.match(alert.generatorURL, /^http:\/\/127\.0\.0\.1:\d+\/processes\/order\/instances\/ord-8$/, 'default base: the console’s own address');
    await h.order(9, 'completed');
    assert.equal((await h.t.api('/healthz')).status, 200);
  } finally {
    await h.close();
  }
});
