import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli } from '../helpers/cli.js';
import { eventually } from '../helpers/test-hub.js';

it('the demo (npm start) onboards three accounts over the admin API and their signed traffic forms cross-account traces', { timeout: 60_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'e2e-demo-'));
  const demo = startCli(['demo', '--orders-per-second', '10'], { E2E_DATA_DIR: dataDir, E2E_OTLP_PORT: '0', E2E_CONSOLE_PORT: '0' });
  try {
    const consoleUrl = await demo.waitForLine((l) => /console:\s+(http:\/\/\S+?)\/?$/.exec(l)?.[1]);
    const token = await demo.waitForLine((l) => /admin token:\s+(\S+)/.exec(l)?.[1]);
    assert.match(await demo.waitForLine((l) => (l.includes('OTLP ingest') ? l : undefined)), /auth: sigv4/);
    const traceUrl = await demo.waitForLine((l) => /last trace (http:\/\/\S+)/.exec(l)?.[1], 30_000);
    const headers = { authorization: `Bearer ${token}` };
    type Trace = { spans: { accountId: string; traceId: string; parentSpanId: string; spanId: string }[] };
    // The three accounts' requests of one order land independently: wait until the store has them.
    const trace = await eventually(async () => {
      const t = (await (await fetch(traceUrl, { headers })).json()) as Trace;
      return new Set(t.spans?.map((s) => s.accountId)).size >= 2 ? t : undefined;
    }, 'the order trace from several accounts', 15_000);
    const accounts = new Set(trace.spans.map((s) => s.accountId));
    assert.ok(accounts.size >= 2, `one order's trace crosses accounts: ${[...accounts].join(',')}`);
    assert.ok(accounts.has('111111111111') && accounts.has('222222222222'));
    const ids = new Set(trace.spans.map((s) => s.spanId));
    assert.ok(trace.spans.every((s) => s.parentSpanId === '' || ids.has(s.parentSpanId)), 'parents are carried across accounts');
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
