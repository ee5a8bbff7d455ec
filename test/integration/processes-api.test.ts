/**
 * Business processes over the console API (DESIGN "Business processes, search, history, alerts,
 * access"): orders of every kind sent by the demo's three accounts through the signed ingest path,
 * then summaries, instance search, the instance page (joined by business key across traces), the
 * timeline and trace search read back.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { INVOICING, PAYMENTS, SHOP, startOrderHub, type OrderHub } from '../helpers/order-hub.js';
import { eventually } from '../helpers/test-hub.js';

interface Instance {
  key: string;
  status: string;
  startTimeUnixNano: string;
  durationMs: number;
  accounts: string[];
  traceIds: string[];
  steps: { name: string; seen: boolean; status: string }[];
}

describe('processes API over orders sent through the signed path', { timeout: 120_000 }, () => {
  let h: OrderHub;
  const sent: Record<string, { traceId: string; invoiceTraceId: string | undefined }> = {};

  before(async () => {
    // Stuck after 1 s: the stalled order turns stuck while the test runs.
    h = await startOrderHub({}, { stuckAfterSeconds: 1 });
    const base = BigInt(Date.now()) * 1_000_000n - 10_000_000_000n;
    // Distinct start times (100 ms apart) so "newest first" is well defined.
    sent['ord-1'] = await h.order(1, 'completed', base);
    sent['ord-2'] = await h.order(2, 'declined', base + 100_000_000n);
    sent['ord-3'] = await h.order(3, 'stalled', base + 200_000_000n);
    sent['ord-4'] = await h.order(4, 'queued', base + 300_000_000n);
    await eventually(async () => {
      const r = await h.t.api('/api/processes/order/instances?key=ord-4');
      return r.json.instances?.[0]?.steps?.[2]?.seen === true;
    }, 'all four orders stored, the queued invoice joined');
  });
  after(() => h.close());

  it('GET /api/processes counts completed, failed, stuck and in-flight instances, steps and the SLO', async () => {
    const r = await h.t.api('/api/processes');
    assert.equal(r.status, 200);
    const [p] = r.json.processes;
    assert.equal(p.name, 'order');
    assert.deepEqual(
      { instances: p.instances, completed: p.completed, failed: p.failed, stuck: p.stuck, inFlight: p.inFlight },
      { instances: 4, completed: 2, failed: 1, stuck: 1, inFlight: 0 },
    );
    assert.deepEqual(p.steps, [
      { name: 'placed', seen: 4, failed: 0 },
      { name: 'authorized', seen: 4, failed: 1 },
      { name: 'invoiced', seen: 2, failed: 0 },
    ]);
    // Completed: ord-1 (first span start → invoice end: 400 + 250 ms) and ord-4 (1500 + 250 ms).
    assert.deepEqual(p.durationMs, { p50: 650, p95: 1750, p99: 1750 });
    // (1 failed + 1 stuck) / 4 = 0.5 > maxErrorRatio 0.1.
    assert.equal(p.slo.met, false);
    assert.equal(p.slo.errorRatio, 0.5);
    assert.equal(p.truncated, false);
  });

  it('an invoice in a separate trace carrying only order.id joins its order by the business key', async () => {
    const r = await h.t.api('/api/processes/order/instances/ord-4');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const { traceId, invoiceTraceId } = sent['ord-4']!;
    assert.ok(invoiceTraceId !== undefined && invoiceTraceId !== traceId);
    assert.deepEqual([...r.json.traceIds].sort(), [traceId, invoiceTraceId].sort());
    assert.equal(r.json.status, 'completed');
    assert.deepEqual(r.json.accounts, [SHOP, PAYMENTS, INVOICING]);
    assert.deepEqual(
      r.json.steps.map((s: { status: string }) => s.status),
      ['ok', 'ok', 'ok'],
    );
    const invoice = r.json.spans.find((s: { name: string }) => s.name === 'create invoice');
    assert.equal(invoice.traceId, invoiceTraceId);
    assert.equal(invoice.parentSpanId, '');
    assert.equal(invoice.accountId, INVOICING);
    assert.deepEqual(invoice.attributes, { 'order.id': 'ord-4' });
    // Every span of both traces, in time order, with the span shape of /api/traces/{id}.
    assert.equal(r.json.spans.length, 5);
    const starts = r.json.spans.map((s: { startTimeUnixNano: string }) => BigInt(s.startTimeUnixNano));
    assert.deepEqual(starts, [...starts].sort((a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0)));
    for (const key of ['traceId', 'spanId', 'parentSpanId', 'name', 'kind', 'startTimeUnixNano', 'endTimeUnixNano', 'accountId', 'sourceName', 'serviceName', 'attributes', 'status', 'events', 'links', 'resource']) {
      assert.ok(key in invoice, `span has ${key}`);
    }
    // Correlated logs: those of both traces, including the invoice worker's.
    const bodies = r.json.logs.map((l: { body: unknown }) => l.body);
    assert.ok(bodies.includes('invoice inv-4 created for ord-4'), JSON.stringify(bodies));
    assert.ok(bodies.includes('order ord-4 placed, ' + String(500 + ((4 * 7919) % 20000)) + ' cents'));
  });

  it('a declined order is failed with its payment step in error; a stalled one is stuck with the invoice missing', async () => {
    const declined = (await h.t.api('/api/processes/order/instances/ord-2')).json as Instance;
    assert.equal(declined.status, 'failed');
    assert.deepEqual(
      declined.steps.map((s) => s.status),
      ['ok', 'error', 'missing'],
    );
    const pay = (declined as unknown as { spans: { name: string; status: { code?: number } }[] }).spans.find((s) => s.name === 'authorize payment');
    assert.equal(pay?.status.code, 2);
    const stalled = (await h.t.api('/api/processes/order/instances/ord-3')).json as Instance;
    assert.equal(stalled.status, 'stuck');
    assert.deepEqual(
      stalled.steps.map((s) => [s.name, s.seen, s.status]),
      [
        ['placed', true, 'ok'],
        ['authorized', true, 'ok'],
        ['invoiced', false, 'missing'],
      ],
    );
  });

  it('GET /api/processes/{name}/instances filters by status, key, account and limit, newest first', async () => {
    const all = (await h.t.api('/api/processes/order/instances')).json.instances as Instance[];
    assert.deepEqual(
      all.map((i) => i.key),
      ['ord-4', 'ord-3', 'ord-2', 'ord-1'],
    );
    const keys = async (q: string): Promise<string[]> => {
      const r = await h.t.api(`/api/processes/order/instances?${q}`);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return (r.json.instances as Instance[]).map((i) => i.key);
    };
    assert.deepEqual(await keys('status=failed'), ['ord-2']);
    assert.deepEqual(await keys('status=stuck'), ['ord-3']);
    assert.deepEqual(await keys('status=completed'), ['ord-4', 'ord-1']);
    assert.deepEqual(await keys('status=inFlight'), []);
    assert.deepEqual(await keys('key=ord-3'), ['ord-3']);
    assert.deepEqual(await keys(`account=${INVOICING}`), ['ord-4', 'ord-1']);
    assert.deepEqual(await keys('limit=1'), ['ord-4']);
    const now = BigInt(Date.now()) * 1_000_000n;
    assert.deepEqual(await keys(`since=${now - 1_000_000_000n}&until=${now}`), [], 'none started in the last second');
  });

  it('GET /api/processes/{name}/timeline buckets instances by start time', async () => {
    // The default window is the last 24 h: 288 five-minute steps.
    const r = await h.t.api('/api/processes/order/timeline?stepSeconds=300');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.stepSeconds, 300);
    assert.equal(r.json.points.length, 288);
    const sum = (k: string): number => r.json.points.reduce((n: number, p: Record<string, number>) => n + (p[k] ?? 0), 0);
    assert.deepEqual({ started: sum('started'), completed: sum('completed'), failed: sum('failed'), stuck: sum('stuck') }, { started: 4, completed: 2, failed: 1, stuck: 1 });
    const busy = r.json.points.filter((p: { started: number }) => p.started > 0);
    assert.ok(busy.every((p: { p95DurationMs: number | null }) => p.p95DurationMs === null || p.p95DurationMs > 0));
  });

  it('unknown processes and instances are 404', async () => {
    assert.equal((await h.t.api('/api/processes/nope/instances')).status, 404);
    assert.equal((await h.t.api('/api/processes/nope/timeline')).status, 404);
    const r = await h.t.api('/api/processes/order/instances/ord-999');
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, 'E2E_NOT_FOUND');
  });

  it('GET /api/traces searches by service, span name, attribute, errors and duration, newest first, listing every account and service', async () => {
    const search = async (q: string) => {
      const r = await h.t.api(`/api/traces?${q}`);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return r.json.traces as { traceId: string; rootName: string; rootService: string; accounts: string[]; services: string[]; errorCount: number; spanCount: number; durationMs: number; startTimeUnixNano: string }[];
    };
    const byAttr = await search('attr.order.id=ord-2');
    assert.deepEqual(
      byAttr.map((t) => t.traceId),
      [sent['ord-2']!.traceId],
    );
    assert.equal(byAttr[0]!.rootName, 'POST /orders');
    assert.equal(byAttr[0]!.rootService, 'shop-frontend');
    assert.equal(byAttr[0]!.errorCount, 1);

    const errors = await search('status=error');
    assert.deepEqual(
      errors.map((t) => t.traceId),
      [sent['ord-2']!.traceId],
    );

    // The matching span is the invoice worker's, yet the trace lists every account and service in it.
    const invoiced = await search('service=invoice-worker');
    assert.deepEqual(
      invoiced.map((t) => t.traceId),
      [sent['ord-4']!.invoiceTraceId, sent['ord-1']!.traceId],
      'newest first',
    );
    assert.deepEqual([...invoiced[1]!.accounts].sort(), [SHOP, PAYMENTS, INVOICING]);
    assert.deepEqual([...invoiced[1]!.services].sort(), ['invoice-worker', 'payment-service', 'shop-frontend']);

    assert.deepEqual(
      (await search('name=create%20invoice&account=' + INVOICING)).map((t) => t.traceId),
      [sent['ord-4']!.invoiceTraceId, sent['ord-1']!.traceId],
    );
    // ord-1's trace runs 650 ms (order placed → invoice created); the others 180-250 ms.
    assert.deepEqual(
      (await search('minDurationMs=600')).map((t) => t.traceId),
      [sent['ord-1']!.traceId],
    );
    assert.deepEqual(await search('attr.order.id=ord-1&attr.payment.method=paypal'), [], 'all attribute filters must match');
    assert.equal((await search('limit=2')).length, 2);
    const all = await search('');
    assert.equal(all.length, 5);
    // Newest first: the late invoice trace leads. (Ties in the middle depend on whether "newest" is
    // the trace's start or its latest span; the store orders by the latest span.)
    assert.equal(all[0]!.traceId, sent['ord-4']!.invoiceTraceId);
    assert.deepEqual(new Set(all.map((t) => t.traceId)), new Set([sent['ord-1']!.traceId, sent['ord-2']!.traceId, sent['ord-3']!.traceId, sent['ord-4']!.traceId, sent['ord-4']!.invoiceTraceId]));
  });
});
