/**
 * SIGTERM drains with a deadline (issue 9 §1): after the pipelining attack the hub exits promptly
 * (it used to hang until SIGKILL); a request that never completes holds the shutdown only until
 * `shutdown.drainSeconds`, then its connection is destroyed and the process exits 0. /readyz says
 * "not ready" while draining.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startHubProcess, type HubProcess } from '../helpers/hub-process.js';
import { eventually } from '../helpers/test-hub.js';
import { getFrom, pipelined, sample, unsignedLogsRequest, writeAndAbandon } from '../helpers/raw-http.js';

// The usage plan is lifted: how many of the 900 pipelined requests the hub answers before their
// connections close depends on the machine, and the default burst (200) would then throttle the
// check that ingest still serves (seen on Node 24: 429). Throttling is tested elsewhere.
const start = (drainSeconds: number): Promise<HubProcess> =>
  startHubProcess({
    config: { otlp: { requestTimeoutSeconds: 120 }, shutdown: { drainSeconds }, usagePlans: { default: { requestsPerSecond: 100_000, burst: 100_000 } } },
  });

async function sigtermAndTime(hub: HubProcess): Promise<{ code: number | null; elapsedMs: number }> {
  const started = Date.now();
  hub.kill('SIGTERM');
  const { code } = await hub.exited;
  return { code, elapsedMs: Date.now() - started };
}

test('after the pipelining attack, SIGTERM exits 0 well within the drain time', { timeout: 60_000 }, async () => {
  const drainSeconds = 10;
  const hub = await start(drainSeconds);
  const { otlpPort, consolePort } = hub;
  try {
    const payload = pipelined(unsignedLogsRequest(`127.0.0.1:${otlpPort}`), 100);
    for (let round = 0; round < 3; round++) {
      await Promise.all([
        writeAndAbandon(otlpPort, payload, 'end'),
        writeAndAbandon(otlpPort, payload, 'destroy-on-first-byte'),
        writeAndAbandon(otlpPort, payload, 'destroy-at-once'),
      ]);
    }
    const ok = await fetch(`http://127.0.0.1:${otlpPort}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(ok.status, 200);
    await eventually(async () => sample((await getFrom(`http://127.0.0.1:${consolePort}/metrics`)).body, 'e2e_http_requests_in_flight{server="otlp"}') === 0, 'no request in flight');
    const { code, elapsedMs } = await sigtermAndTime(hub);
    assert.equal(code, 0, hub.stderr.join('\n'));
    assert.ok(elapsedMs < drainSeconds * 1000, `exited after ${elapsedMs} ms`);
  } finally {
    await hub.close();
  }
});

test('a request that never completes holds SIGTERM only until drainSeconds; /readyz says not ready meanwhile', { timeout: 60_000 }, async () => {
  const drainSeconds = 3;
  const hub = await start(drainSeconds);
  const { otlpPort, consolePort } = hub;
  const stuck = net.connect({ port: otlpPort, host: '127.0.0.1' });
  try {
    await new Promise<void>((resolve) => stuck.once('connect', resolve));
    stuck.on('error', () => undefined);
    // Headers complete, body promised but only partly sent: the handler waits for the rest.
    stuck.write('POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"resourceLogs"');
    const metrics = `http://127.0.0.1:${consolePort}/metrics`;
    await eventually(async () => sample((await getFrom(metrics)).body, 'e2e_http_requests_in_flight{server="otlp"}') === 1, 'the stuck request in flight');

    const started = Date.now();
    hub.kill('SIGTERM');
    const ready = await eventually(async () => {
      const r = await getFrom(`http://127.0.0.1:${consolePort}/readyz`);
      return r.status === 503 ? r : undefined;
    }, '/readyz not ready while draining');
    const body = JSON.parse(ready.body);
    assert.equal(body.status, 'not ready');
    assert.equal(body.checks.ingest.ready, false);
    assert.match(body.checks.ingest.reasons.join(' '), /draining/);

    const { code } = await hub.exited;
    const elapsedMs = Date.now() - started;
    assert.equal(code, 0, hub.stderr.join('\n'));
    // It waited for the stuck request up to the deadline, not beyond (a few seconds for closing the store).
    assert.ok(elapsedMs >= drainSeconds * 1000 - 500, `exited after ${elapsedMs} ms, before the deadline`);
    assert.ok(elapsedMs < drainSeconds * 1000 + 5000, `exited after ${elapsedMs} ms`);
    await eventually(async () => stuck.destroyed || stuck.readableEnded, 'the stuck connection closed by the hub');
  } finally {
    stuck.destroy();
    await hub.close();
  }
});
