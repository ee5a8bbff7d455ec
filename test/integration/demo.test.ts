import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli } from '../helpers/cli.js';
import { eventually } from '../helpers/test-hub.js';

it('the demo (npm start) onboards three accounts over the admin API; their signed orders form cross-account process instances of every kind', { timeout: 60_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'e2e-demo-'));
  const demo = startCli(['demo', '--orders-per-second', '10'], { E2E_DATA_DIR: dataDir, E2E_OTLP_PORT: '0', E2E_CONSOLE_PORT: '0' });
  try {
    const consoleUrl = await demo.waitForLine((l) => /console:\s+(http:\/\/\S+?)\/?$/.exec(l)?.[1]);
    const token = await demo.waitForLine((l) => /admin token:\s+(\S+)/.exec(l)?.[1]);
    assert.match(await demo.waitForLine((l) => (l.includes('OTLP ingest') ? l : undefined)), /auth: sigv4/);
    const orderPage = await demo.waitForLine((l) => /an order:\s+(http:\/\/\S+)/.exec(l)?.[1]);
    assert.match(orderPage, /\/processes\/order\/instances\/ord-\d+$/, 'the console page of a real order');
    const headers = { authorization: `Bearer ${token}` };
    type Span = { accountId: string; traceId: string; parentSpanId: string; spanId: string; name: string };
    type Instance = { status: string; accounts: string[]; traceIds: string[]; spans: Span[]; logs: unknown[] };
    const instanceApi = orderPage.replace(/\/processes\//, '/api/processes/');
    // The three accounts' requests of one order land independently: wait until the store has them all.
    const instance = await eventually(async () => {
      const r = await fetch(instanceApi, { headers });
      const i = (await r.json()) as Instance;
      return r.status === 200 && i.status === 'completed' ? i : undefined;
    }, 'the printed order completed', 15_000);
    assert.deepEqual(instance.accounts, ['111111111111', '222222222222', '333333333333']);
    const trace = { spans: instance.spans };
    const accounts = new Set(trace.spans.map((s) => s.accountId));
    assert.equal(accounts.size, 3, `one order's trace crosses accounts: ${[...accounts].join(',')}`);
    const ids = new Set(trace.spans.map((s) => s.spanId));
    assert.ok(trace.spans.every((s) => s.parentSpanId === '' || ids.has(s.parentSpanId)), 'parents are carried across accounts');
    assert.ok(instance.logs.length >= 3, 'correlated logs');
    // The summary line links a console page, not a raw API URL.
    assert.match(await demo.waitForLine((l) => (l.includes('last order') ? l : undefined), 30_000), /last order http:\/\/\S+\/processes\/order\/instances\/ord-\d+ \(trace http:\/\/\S+\/traces\/[0-9a-f]{32}\)/);

    // Every kind of order shows up: completed, declined (failed), invoiced over a context-losing queue.
    const summary = await eventually(async () => {
      const p = ((await (await fetch(`${consoleUrl}/api/processes`, { headers })).json()) as { processes: { name: string; completed: number; failed: number; inFlight: number }[] }).processes[0];
      return p !== undefined && p.completed > 0 && p.failed > 0 ? p : undefined;
    }, 'completed and failed orders', 20_000);
    assert.equal(summary.name, 'order');
    const queued = await eventually(async () => {
      const r = (await (await fetch(`${consoleUrl}/api/processes/order/instances?status=completed&limit=100`, { headers })).json()) as { instances: { traceIds: string[] }[] };
      return r.instances.find((i) => i.traceIds.length === 2);
    }, 'an order invoiced in a separate trace, joined by order.id', 20_000);
    assert.equal(queued.traceIds.length, 2);
    const alerts = await fetch(`${consoleUrl}/api/alerts`, { headers });
    assert.equal(alerts.status, 200, 'the demo defines alert rules');
    const stats = (await (await fetch(`${consoleUrl}/api/stats`, { headers })).json()) as { accounts: { accountId: string; accepted: { spans: number } }[] };
    for (const id of ['111111111111', '222222222222', '333333333333']) {
      assert.ok((stats.accounts.find((a) => a.accountId === id)?.accepted.spans ?? 0) > 0, `account ${id} has accepted spans`);
    }
    const list = (await (await fetch(`${consoleUrl}/api/accounts`, { headers })).json()) as { accounts: { id: string; name: string }[] };
    assert.deepEqual(list.accounts.map((a) => a.name).sort(), ['invoicing', 'payments', 'shop']);
    demo.kill('SIGTERM');
    assert.equal((await demo.exited).code, 0);
  } finally {
    demo.kill();
    await rm(dataDir, { recursive: true, force: true });
  }
});
