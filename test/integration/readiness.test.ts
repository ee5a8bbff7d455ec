/**
 * /readyz is honest (issue 9 §1): `{"status","checks":{…}}`, and not ready while ingest cannot take
 * work — here every request slot busy for over 5 s — then ready again by itself.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { eventually, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { getFrom } from '../helpers/raw-http.js';

let t: TestHub;
before(async () => {
  t = await startTestHub({ otlp: { maxConcurrentRequests: 1 } });
});
after(async () => {
  await t.close();
});

test('ready, then not ready while every request slot stays busy, then ready again', { timeout: 60_000 }, async () => {
  const ready = await getFrom(`${t.consoleUrl}/readyz`);
  assert.equal(ready.status, 200);
  const body = JSON.parse(ready.body) as { status: string; checks: Record<string, { ready: boolean; reasons: string[] }> };
  assert.equal(body.status, 'ready');
  for (const name of ['hub', 'ingest', 'store']) assert.deepEqual(body.checks[name], { ready: true, reasons: [] }, name);

  // The only slot held by a body that does not arrive.
  const port = Number(new URL(t.otlpUrl).port);
  const slow = net.connect({ port, host: '127.0.0.1' }, () => slow.write('POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{'));
  slow.on('error', () => undefined);
  try {
    const busy = await fetch(`${t.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(busy.status, 503);
    const notReady = await eventually(async () => {
      const r = await getFrom(`${t.consoleUrl}/readyz`);
      return r.status === 503 ? (JSON.parse(r.body) as { status: string; checks: Record<string, { ready: boolean; reasons: string[] }> }) : undefined;
    }, '/readyz not ready', 15_000);
    assert.equal(notReady.status, 'not ready');
    assert.equal(notReady.checks['hub']?.ready, true);
    assert.match(notReady.checks['ingest']?.reasons.join(' ') ?? '', /all 1 request slots busy for over 5 s \(otlp\.maxConcurrentRequests\)/);
  } finally {
    slow.destroy();
  }
  await eventually(async () => (await getFrom(`${t.consoleUrl}/readyz`)).status === 200, 'ready again');
});
