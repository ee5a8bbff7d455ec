/**
 * Per-account read access (DESIGN): viewer tokens minted by the admin, scoped to accounts, stored
 * hashed; a viewer reads only its accounts' data, sees other accounts' spans as timing only, and is
 * refused everything else.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpanRow as Span } from '../../src/store/types.js';
import { INVOICING, PAYMENTS, SHOP, startOrderHub, type OrderHub } from '../helpers/order-hub.js';
import { eventually } from '../helpers/test-hub.js';

function assertRedacted(viewerSpans: Span[], adminSpans: Span[], visible: string): void {
  assert.equal(viewerSpans.length, adminSpans.length, 'every span is listed');
  for (const [i, v] of viewerSpans.entries()) {
    const a = adminSpans[i]!;
    if (a.accountId === visible) {
      assert.deepEqual(v, a, 'own account spans are unchanged');
      continue;
    }
    assert.deepEqual(
      { traceId: v.traceId, spanId: v.spanId, parentSpanId: v.parentSpanId, startTimeUnixNano: v.startTimeUnixNano, endTimeUnixNano: v.endTimeUnixNano },
      { traceId: a.traceId, spanId: a.spanId, parentSpanId: a.parentSpanId, startTimeUnixNano: a.startTimeUnixNano, endTimeUnixNano: a.endTimeUnixNano },
      'ids and timing are kept',
    );
    assert.equal(v.accountId, 'hidden');
    assert.equal(v.name, '');
    assert.equal(v.serviceName, '');
    assert.equal(v.sourceName, '');
    assert.deepEqual(v.attributes, {});
    assert.deepEqual(v.status, {});
    assert.deepEqual(v.events, []);
    assert.deepEqual(v.links, []);
    assert.deepEqual(v.resource, {});
    assert.equal(v.kind, 0);
    const text = JSON.stringify(v);
    for (const leak of [a.name, a.serviceName, a.sourceName, a.accountId]) assert.ok(!text.includes(leak), `${leak} must not show in ${text}`);
  }
}

describe('viewer tokens', { timeout: 120_000 }, () => {
  let h: OrderHub;
  let shopToken: string;
  let shopTokenId: string;
  let invoicingToken: string;
  const sent: Record<string, { traceId: string; invoiceTraceId: string | undefined }> = {};

  before(async () => {
    h = await startOrderHub();
    const base = BigInt(Date.now()) * 1_000_000n - 5_000_000_000n;
    sent['ord-1'] = await h.order(1, 'completed', base);
    sent['ord-2'] = await h.order(2, 'declined', base + 100_000_000n);
    sent['ord-4'] = await h.order(4, 'queued', base + 200_000_000n);
    await eventually(async () => (await h.t.api('/api/processes/order/instances')).json.instances?.length === 3, 'orders stored');
    await eventually(async () => (await h.t.api(`/api/processes/order/instances/ord-4`)).json.steps?.[2]?.seen === true, 'queued invoice stored');
  });
  after(() => h.close());

  it('POST /api/tokens mints a token shown once; GET lists it without the secret; the file holds only a hash, mode 0600', async () => {
    const r = await h.t.api('/api/tokens', { method: 'POST', body: { name: 'shop team', accounts: [SHOP] } });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.equal(r.json.name, 'shop team');
    assert.deepEqual(r.json.accounts, [SHOP]);
    assert.match(r.json.token, /^e2ev_[A-Za-z0-9_-]{43}$/);
    assert.match(r.json.id, /^vt-[0-9a-f]{16}$/);
    shopToken = r.json.token;
    shopTokenId = r.json.id;
    const inv = await h.t.api('/api/tokens', { method: 'POST', body: { name: 'invoicing', accounts: [INVOICING] } });
    invoicingToken = inv.json.token;

    const list = await h.t.api('/api/tokens');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.json.tokens.map((t: Record<string, unknown>) => Object.keys(t).sort()),
      [
        ['accounts', 'createdAt', 'id', 'name'],
        ['accounts', 'createdAt', 'id', 'name'],
      ],
    );
    const file = join(h.t.dataDir, 'viewer-tokens.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const text = await readFile(file, 'utf8');
    assert.ok(!text.includes(shopToken) && !text.includes(shopToken.slice(5)), 'the secret is not stored');
  });

  it('GET /api/whoami names the role and scope', async () => {
    assert.deepEqual((await h.as(shopToken, '/api/whoami')).json, { role: 'viewer', name: 'shop team', accounts: [SHOP] });
    assert.deepEqual((await h.t.api('/api/whoami')).json, { role: 'admin', name: null, accounts: null });
  });

  it('an instance page shows other accounts’ spans as timing only, and only the viewer’s logs', async () => {
    const admin = await h.t.api('/api/processes/order/instances/ord-1');
    const viewer = await h.as(shopToken, '/api/processes/order/instances/ord-1');
    assert.equal(viewer.status, 200);
    assertRedacted(viewer.json.spans, admin.json.spans, SHOP);
    assert.ok(viewer.json.spans.some((s: Span) => s.accountId === 'hidden'));
    assert.deepEqual(viewer.json.accounts, [SHOP, 'hidden']);
    assert.ok(viewer.json.logs.length > 0);
    assert.ok(viewer.json.logs.every((l: { accountId: string }) => l.accountId === SHOP));
    assert.ok(admin.json.logs.some((l: { accountId: string }) => l.accountId !== SHOP));
  });

  it('GET /api/traces/{id} redacts the same way; a trace without the viewer’s accounts is 404', async () => {
    const id = sent['ord-1']!.traceId;
    const admin = await h.t.api(`/api/traces/${id}`);
    const viewer = await h.as(shopToken, `/api/traces/${id}`);
    assert.equal(viewer.status, 200);
    assertRedacted(viewer.json.spans, admin.json.spans, SHOP);
    // The declined order never reached invoicing; its viewer learns nothing about it.
    assert.equal((await h.as(invoicingToken, `/api/traces/${sent['ord-2']!.traceId}`)).status, 404);
    assert.equal((await h.as(invoicingToken, '/api/processes/order/instances/ord-2')).status, 404);
    // The context-losing invoice trace holds only invoicing spans.
    assert.equal((await h.as(shopToken, `/api/traces/${sent['ord-4']!.invoiceTraceId}`)).status, 404);
  });

  it('trace search returns only traces with the viewer’s accounts, other accounts and their services hidden', async () => {
    const r = await h.as(shopToken, '/api/traces');
    assert.equal(r.status, 200);
    const ids = r.json.traces.map((t: { traceId: string }) => t.traceId).sort();
    assert.deepEqual(ids, [sent['ord-1']!.traceId, sent['ord-2']!.traceId, sent['ord-4']!.traceId].sort());
    for (const t of r.json.traces) {
      assert.deepEqual(t.accounts, [SHOP, 'hidden']);
      assert.deepEqual(t.services, ['shop-frontend']);
      assert.equal(t.rootService, 'shop-frontend');
    }
    const inv = await h.as(invoicingToken, `/api/traces?attr.order.id=ord-1`);
    assert.equal(inv.json.traces.length, 1);
    assert.equal(inv.json.traces[0].rootName, '', 'the root span is another account’s');
    assert.equal(inv.json.traces[0].rootService, '');
    assert.deepEqual(inv.json.traces[0].services, ['invoice-worker']);
    assert.equal((await h.as(shopToken, `/api/traces?account=${PAYMENTS}`)).status, 403);
  });

  it('logs, metrics, metric names, stats and history are limited to the viewer’s accounts', async () => {
    const logs = await h.as(shopToken, '/api/logs?limit=1000');
    assert.equal(logs.status, 200);
    assert.ok(logs.json.logs.length > 0);
    assert.ok(logs.json.logs.every((l: { accountId: string }) => l.accountId === SHOP));
    assert.equal((await h.as(shopToken, `/api/logs?account=${PAYMENTS}`)).status, 403);
    assert.equal((await h.as(shopToken, `/api/logs?account=${SHOP}`)).status, 200);

    const metrics = await h.as(shopToken, '/api/metrics');
    assert.ok(metrics.json.series.length > 0);
    assert.ok(metrics.json.series.every((s: { accountId: string }) => s.accountId === SHOP));
    assert.equal((await h.as(shopToken, `/api/metrics?account=${INVOICING}`)).status, 403);
    const names = await h.as(shopToken, '/api/metrics/names');
    assert.deepEqual(names.json.names, ['orders_total', 'process_step_duration']);
    assert.deepEqual((await h.t.api('/api/metrics/names')).json.names, ['invoices_total', 'orders_total', 'payments_total', 'process_step_duration']);

    const stats = await h.as(shopToken, '/api/stats');
    assert.deepEqual(
      stats.json.accounts.map((a: { accountId: string }) => a.accountId),
      [SHOP],
    );
    const history = await h.as(shopToken, '/api/stats/history');
    assert.deepEqual(
      history.json.series.map((s: { accountId: string }) => s.accountId),
      [SHOP],
    );
    assert.equal((await h.as(shopToken, `/api/stats/history?account=${PAYMENTS}`)).status, 403);
    assert.equal((await h.as(shopToken, '/api/alerts')).status, 200);
    const processes = await h.as(invoicingToken, '/api/processes');
    assert.equal(processes.json.processes[0].instances, 2, 'only instances that include the viewer’s account');
  });

  it('every other route answers a viewer 403', async () => {
    const refused: [string, string][] = [
      ['GET', '/api/accounts'],
      ['POST', '/api/accounts'],
      ['POST', `/api/accounts/${SHOP}/revoke`],
      ['GET', '/api/tokens'],
      ['POST', '/api/tokens'],
      ['DELETE', `/api/tokens/${shopTokenId}`],
      ['GET', '/api/not-a-route'],
    ];
    for (const [method, path] of refused) {
      const r = await h.as(shopToken, path, method === 'POST' ? { method, body: { name: 'x', accounts: [PAYMENTS] } } : { method });
      assert.equal(r.status, 403, `${method} ${path}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json.error.code, 'E2E_FORBIDDEN');
    }
    assert.equal((await h.t.api('/api/accounts')).json.accounts.length, 3, 'nothing changed');
  });

  it('DELETE /api/tokens/{id} takes effect on the next request', async () => {
    assert.equal((await h.as(shopToken, '/api/whoami')).status, 200);
    const d = await h.t.api(`/api/tokens/${shopTokenId}`, { method: 'DELETE' });
    assert.equal(d.status, 200);
    const r = await h.as(shopToken, '/api/whoami');
    assert.equal(r.status, 401);
    assert.equal(r.json.error.message, 'the token is wrong or expired');
    assert.equal((await h.t.api(`/api/tokens/${shopTokenId}`, { method: 'DELETE' })).status, 404);
    assert.equal((await h.as(invoicingToken, '/api/whoami')).status, 200, 'other tokens keep working');
  });
});
