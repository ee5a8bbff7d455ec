/**
 * Acceptance of the web console in real headless Chromium against a real hub fed through the
 * signed path (SigV4 + API key) with the demo's cross-account orders. Each test leaves a
 * screenshot of its view in test-results/screenshots/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ExportTraceServiceRequest, Span } from '../../src/otlp/model.js';
import { orderKindFor, sendOtlp, type OrderKind } from '../../src/demo/index.js';
import { chromiumMissing, launchChromium, screenshot, watchPageProblems } from '../helpers/browser.js';
import { INVOICING, PAYMENTS, SHOP, startOrderHub, type OrderHub } from '../helpers/order-hub.js';
import { span as modelSpan, stringAttr, tracesRequest } from '../helpers/otlp-requests.js';
import { eventually, type TestHub } from '../helpers/test-hub.js';

const ACCOUNT_NAMES: Record<string, string> = { [SHOP]: 'shop', [PAYMENTS]: 'payments', [INVOICING]: 'invoicing' };
/** The demo's mix over orders 1..20: 17 declined, 13 stalled, 5/10/15/20 invoiced over a context-losing queue, the rest completed. */
const ORDERS = 20;
const DECLINED = 17;
const COMPLETED = 4;
const QUEUED = 5;
const STUCK_AFTER_SECONDS = 2;
const STALLED = 13;
/** Fires while an order is stuck; its console link is the stuck instance's page. */
const STUCK_RULE = { name: 'OrdersStuck', process: 'order', when: 'stuck', threshold: 1, windowSeconds: 3600, forSeconds: 1 };
/** Spans per kind in the order's own trace (a queued order's invoice is a trace of its own, 1 span). */
const SPANS: Record<OrderKind, number> = { completed: 5, declined: 3, stalled: 4, queued: 4 };
const ERROR_RED = 'rgb(214, 39, 40)';
const TIMEOUT_MS = 60_000;

/**
 * A synthetic trace of `count` spans 1 ms apart, sent by the shop account. `parentOf(i, ids)`
 * picks span i's parent id (empty for a root); `decorate` may add events, links or a status.
 */
function syntheticTrace(
  count: number,
  parentOf: (i: number, ids: Uint8Array[]) => Uint8Array,
  decorate: (i: number, span: Span, ids: Uint8Array[]) => void = () => undefined,
): { traceId: string; request: ExportTraceServiceRequest } {
  const traceId = randomBytes(16);
  const t0 = BigInt(Date.now()) * 1_000_000n;
  const ids = Array.from({ length: count }, () => new Uint8Array(randomBytes(8)));
  const spans: Span[] = ids.map((spanId, i) => {
    const start = t0 + BigInt(i) * 1_000_000n;
    const span = modelSpan({ traceId, spanId, parentSpanId: parentOf(i, ids), flags: 1, name: `step ${i}`, startTimeUnixNano: start, endTimeUnixNano: start + 500_000n, status: { code: 0, message: '' } });
    decorate(i, span, ids);
    return span;
  });
  const resource = [stringAttr('service.name', 'batch-job'), stringAttr('source.name', 'shop-eks')];
  return { traceId: traceId.toString('hex'), request: tracesRequest(spans, resource) };
}

/** A root with every other span its child. */
const bigTrace = (count: number): ReturnType<typeof syntheticTrace> => syntheticTrace(count, (i, ids) => (i === 0 ? new Uint8Array(0) : ids[0]!));

interface Row {
  account: string;
  start: bigint;
  error: boolean;
  text: string;
}

async function waterfallRows(page: Page): Promise<Row[]> {
  await page.locator('.wf-row').first().waitFor();
  const raw = await page.locator('.wf-row').evaluateAll((els) =>
    els.map((el) => ({ account: el.getAttribute('data-account') ?? '', start: el.getAttribute('data-start-ns') ?? '0', error: el.getAttribute('data-error') === 'true', text: el.textContent ?? '' })),
  );
  return raw.map((r) => ({ ...r, start: BigInt(r.start) }));
}

/** Waits until the chart `name` has drawn points; returns how many. */
async function chartPoints(page: Page, name: string): Promise<number> {
  const figure = page.locator(`figure[data-chart="${name}"]`);
  await figure.waitFor();
  return eventually(async () => {
    const n = Number((await figure.getAttribute('data-points')) ?? '0');
    return n > 0 ? n : undefined;
  }, `points in chart ${name}`);
}

function assertTimeOrder(rows: Row[]): void {
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i]!.start >= rows[i - 1]!.start, `row ${i} starts before row ${i - 1}: ${rows.map((r) => r.text).join(' | ')}`);
}

interface SentOrder {
  orderNumber: number;
  orderId: string;
  kind: OrderKind;
  traceId: string;
  invoiceTraceId: string | undefined;
}

async function spanCount(hub: TestHub, traceId: string): Promise<number> {
  const r = await hub.api(`/api/traces/${traceId}`);
  return r.status === 200 ? (r.json as { spans: unknown[] }).spans.length : 0;
}

describe('web console in headless Chromium', { skip: chromiumMissing, timeout: 10 * TIMEOUT_MS }, () => {
  let orderHub: OrderHub;
  let sendSpans: (request: ExportTraceServiceRequest) => Promise<void>;
  let hub: TestHub;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  const orders: SentOrder[] = [];

  const goto = async (path: string): Promise<void> => {
    await page.goto(`${hub.consoleUrl}${path}`);
  };
  const login = async (p: Page, token: string): Promise<void> => {
    await p.goto(`${hub.consoleUrl}/login`);
    await p.fill('#token', token);
    await p.click('form[aria-label="sign in"] button[type=submit]');
    await p.waitForURL((u) => !u.pathname.startsWith('/login'));
  };

  before(async () => {
    orderHub = await startOrderHub({ alerts: { evaluateIntervalSeconds: 1, rules: [STUCK_RULE] } }, { stuckAfterSeconds: STUCK_AFTER_SECONDS });
    hub = orderHub.t;
    sendSpans = async (request) => {
      const sent = await sendOtlp(hub.otlpUrl, 'traces', request, orderHub.signers.get(SHOP)!);
      assert.equal(sent.status, 200, sent.body);
    };
    for (let n = 1; n <= ORDERS; n++) {
      const kind = orderKindFor(n);
      const sent = await orderHub.order(n, kind);
      orders.push({ orderNumber: n, kind, ...sent });
    }
    for (const o of orders) {
      await eventually(async () => (await spanCount(hub, o.traceId)) === SPANS[o.kind], `the spans of ${o.orderId} in the store`, 20_000);
      if (o.invoiceTraceId !== undefined) await eventually(async () => (await spanCount(hub, o.invoiceTraceId!)) === 1, `the invoice of ${o.orderId}`, 20_000);
    }
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    problems = watchPageProblems(page);
  });

  after(async () => {
    await browser?.close();
    await orderHub?.close();
  });

  it('says clearly on screen that a wrong token is wrong, and stays on the login page', { timeout: TIMEOUT_MS }, async () => {
    await goto('/processes');
    await page.waitForURL(/\/login\?next=%2Fprocesses/);
    await page.fill('#token', 'not-the-token');
    await page.click('form[aria-label="sign in"] button[type=submit]');
    const alert = page.locator('[data-login-error]');
    await alert.waitFor();
    assert.match(await alert.innerText(), /token refused: the token is wrong or expired/i);
    assert.match(page.url(), /\/login/);
    await screenshot(page, 'login-wrong-token');
  });

  it('logs in with the admin token, says it is admin, and lands where the link pointed', { timeout: TIMEOUT_MS }, async () => {
    await goto(`/login?next=${encodeURIComponent('/accounts')}`);
    await screenshot(page, 'login');
    await page.fill('#token', hub.hub.adminToken);
    await page.click('form[aria-label="sign in"] button[type=submit]');
    await page.waitForURL(/\/accounts$/);
    assert.equal(await page.locator('.who').getAttribute('data-role'), 'admin');
    assert.match(await page.locator('.who').innerText(), /admin/);
  });

  it('lists every account with the totals the API reports; a row opens the account', { timeout: TIMEOUT_MS }, async () => {
    const stats = (await hub.api('/api/stats')).json as { accounts: { accountId: string; accepted: { spans: number; logRecords: number } }[] };
    await goto('/accounts');
    for (const id of [SHOP, PAYMENTS, INVOICING]) {
      const row = page.locator(`tr[data-account="${id}"]`);
      await row.waitFor();
      const cells = await row.locator('td').allInnerTexts();
      const s = stats.accounts.find((a) => a.accountId === id)!;
      assert.equal(cells[3], String(s.accepted.spans), `spans of ${id}`);
      assert.equal(cells[5], String(s.accepted.logRecords), `log records of ${id}`);
      assert.match(cells[0] ?? '', new RegExp(ACCOUNT_NAMES[id]!));
    }
    await screenshot(page, 'accounts');
    await page.locator(`tr[data-account="${PAYMENTS}"] td`).nth(4).click();
    await page.waitForURL(new RegExp(`/accounts/${PAYMENTS}$`));
  });

  it("renders an account's health over time as a chart with points", { timeout: TIMEOUT_MS }, async () => {
    await goto(`/accounts/${SHOP}?range=15m`);
    const chart = page.locator('figure[data-chart="account-accepted"]');
    await chart.waitFor();
    await chartPoints(page, 'account-accepted');
    assert.ok((await chart.locator('canvas').count()) > 0, 'uPlot drew on a canvas');
    assert.match(await page.locator('[data-kpi="plan"]').innerText(), /default/);
    await screenshot(page, 'account-health');
  });

  it("draws a declined order's trace across accounts in time order with the payment marked as an error", { timeout: TIMEOUT_MS }, async () => {
    const declined = orders[DECLINED - 1]!;
    await goto(`/traces/${declined.traceId}`);
    const rows = await waterfallRows(page);
    assert.equal(rows.length, SPANS.declined);
    assertTimeOrder(rows);
    assert.deepEqual([...new Set(rows.map((r) => r.account))], [SHOP, PAYMENTS]);
    const errors = rows.filter((r) => r.error);
    assert.equal(errors.length, 1, 'exactly the payment span is an error');
    assert.equal(errors[0]!.account, PAYMENTS);
    assert.match(errors[0]!.text, /authorize payment/);
    // Marked by colour and, for readers who cannot tell red, by a symbol and a word.
    const errRow = page.locator('.wf-row[data-error="true"]');
    assert.match(await errRow.innerText(), /⚠/);
    assert.match(await errRow.innerText(), /error/);
    assert.equal(await errRow.locator('.wf-bar').evaluate((el) => (globalThis as any).getComputedStyle(el).backgroundColor as string), ERROR_RED);
    const okBar = page.locator('.wf-row[data-error="false"] .wf-bar').first();
    assert.notEqual(await okBar.evaluate((el) => (globalThis as any).getComputedStyle(el).backgroundColor as string), ERROR_RED);
    assert.match(await page.locator('.wf-legend').innerText(), /error \(1\)/);
    await screenshot(page, 'trace-declined');
  });

  it('shows a span’s attributes, resource and status on click, and its logs; a log line selects its span', { timeout: TIMEOUT_MS }, async () => {
    const declined = orders[DECLINED - 1]!;
    await goto(`/traces/${declined.traceId}`);
    await page.locator('.wf-row', { hasText: 'authorize payment' }).click();
    const details = page.locator('aside.span-details');
    await details.waitFor();
    assert.equal(await details.locator('tr[data-attr="order.id"] td').innerText(), declined.orderId);
    assert.ok((await details.locator('tr[data-attr="payment.method"]').count()) === 1);
    assert.match(await details.innerText(), /ERROR: card declined/);
    assert.match(await details.locator('table[aria-label="resource attributes"]').innerText(), /payment-service/);
    assert.match(await details.innerText(), new RegExp(PAYMENTS));
    const logs = page.locator('table[aria-label="logs"] tbody tr');
    await logs.first().waitFor();
    const texts = await logs.allInnerTexts();
    assert.ok(texts.some((l) => l.includes(`payment for ${declined.orderId} declined`)), texts.join('\n'));
    assert.ok(texts.some((l) => l.includes(`order ${declined.orderId} placed`)), texts.join('\n'));
    await screenshot(page, 'trace-span-details');
    // The shop's log line belongs to the root span: clicking it selects that span.
    await logs.filter({ hasText: `order ${declined.orderId} placed` }).click();
    const selected = page.locator('.wf-row[aria-selected="true"]');
    await selected.waitFor();
    assert.match(await selected.innerText(), /POST \/orders/);
    assert.equal(await page.locator('tr[data-attr="order.id"] td').first().innerText(), declined.orderId);
  });

  it('draws a completed order across all three accounts, shop → payments → invoicing', { timeout: TIMEOUT_MS }, async () => {
    const order = orders[COMPLETED - 1]!;
    await goto(`/traces/${order.traceId}`);
    const rows = await waterfallRows(page);
    assert.equal(rows.length, SPANS.completed);
    assertTimeOrder(rows);
    assert.deepEqual([...new Set(rows.map((r) => r.account))], [SHOP, PAYMENTS, INVOICING]);
    assert.ok(rows.every((r) => !r.error));
    assert.equal(await page.locator('[data-account-path]').first().getAttribute('data-account-path'), [SHOP, PAYMENTS, INVOICING].join(','));
    // The tree collapses: the root hides its four descendants.
    await page.locator('.wf-row').first().locator('.wf-toggle').click();
    assert.equal(await page.locator('.wf-row').count(), 1);
    await page.locator('.wf-row').first().locator('.wf-toggle').click();
    assert.equal(await page.locator('.wf-row').count(), 5);
    await screenshot(page, 'trace');
  });

  it('keeps a trace of 5,000 spans responsive: only the rows in view are in the page', { timeout: TIMEOUT_MS }, async () => {
    const BIG = 5000;
    const big = bigTrace(BIG);
    await sendSpans(big.request);
    await eventually(async () => (await spanCount(hub, big.traceId)) === BIG, 'the big trace in the store', 30_000);
    await goto(`/traces/${big.traceId}`);
    await page.locator('.wf-row').first().waitFor();
    assert.equal(await page.locator('.waterfall').getAttribute('data-rows'), String(BIG));
    const drawn = await page.locator('.wf-row').count();
    assert.ok(drawn > 10 && drawn < 200, `${drawn} rows in the DOM for ${BIG} spans`);
    // Scrolled to the end, the last span is drawn (and the first is not).
    await page.locator('.wf-body').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await page.locator('.wf-row', { hasText: `step ${BIG - 1}` }).waitFor();
    assert.equal(await page.locator('.wf-row', { hasText: /step 0\b/ }).count(), 0);
    await screenshot(page, 'trace-large');
  });

  it('shows every span of a broken trace: a lost parent and a parent cycle become roots; events and links in the details', { timeout: TIMEOUT_MS }, async () => {
    const missing = new Uint8Array(randomBytes(8));
    // 0 root, 1 its child (with an event), 2 a span whose parent was never sent, 3 its child (with a
    // link to 0), 4 and 5 each other's parent.
    const parents = [-1, 0, -2, 2, 5, 4];
    const broken = syntheticTrace(
      6,
      (i, ids) => (parents[i] === -1 ? new Uint8Array(0) : parents[i] === -2 ? missing : ids[parents[i]!]!),
      (i, span, ids) => {
        if (i === 1) span.events.push({ timeUnixNano: span.startTimeUnixNano + 100_000n, name: 'retry', attributes: [{ key: 'attempt', value: { intValue: 2n } }], droppedAttributesCount: 0 });
        if (i === 3) span.links.push({ traceId: span.traceId, spanId: ids[0]!, traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 });
      },
    );
    await sendSpans(broken.request);
    await eventually(async () => (await spanCount(hub, broken.traceId)) === 6, 'the broken trace in the store');
    await goto(`/traces/${broken.traceId}`);
    const rows = await waterfallRows(page);
    assert.deepEqual(
      rows.map((r) => /step \d/.exec(r.text)?.[0]),
      ['step 0', 'step 1', 'step 2', 'step 3', 'step 4', 'step 5'],
    );
    const levels = await page.locator('.wf-row').evaluateAll((els) => els.map((el) => el.getAttribute('aria-level')));
    assert.deepEqual(levels, ['1', '2', '1', '2', '1', '1']);
    assert.equal(await page.locator('.wf-row').nth(1).locator('.wf-event').count(), 1, 'the event is marked on its bar');
    await page.locator('.wf-row').nth(1).click();
    assert.match(await page.locator('aside.span-details').innerText(), /Events \(1\)[\s\S]*retry[\s\S]*attempt/i);
    await page.locator('.wf-row').nth(3).click();
    assert.match(await page.locator('aside.span-details').innerText(), new RegExp(`Links \\(1\\)[\\s\\S]*${broken.traceId}`, 'i'));
  });

  it('finds log lines by text and severity and opens their trace', { timeout: TIMEOUT_MS }, async () => {
    await goto('/logs?contains=declined&minSeverity=17&range=1h');
    const rows = page.locator('table[aria-label="logs"] tbody tr');
    await rows.first().waitFor();
    const texts = await rows.allInnerTexts();
    assert.ok(texts.length >= 1 && texts.every((l) => /declined/.test(l) && /ERROR/.test(l)), texts.join('\n'));
    await screenshot(page, 'logs');
    await rows.first().locator('a').click();
    await page.waitForURL(new RegExp(`/traces/${orders[DECLINED - 1]!.traceId}$`));
  });

  it('charts a metric by account and source', { timeout: TIMEOUT_MS }, async () => {
    await goto('/metrics?name=orders_total&range=15m');
    await chartPoints(page, 'metric-orders_total');
    assert.match(await page.locator('.u-legend').innerText(), /shop\/shop-eks/);
    await screenshot(page, 'metrics');
  });

  it('shows the order process with the completed, failed and stuck counts of the API', { timeout: TIMEOUT_MS }, async () => {
    type Summary = { name: string; completed: number; failed: number; stuck: number; inFlight: number; instances: number };
    // The stalled order turns stuck STUCK_AFTER_SECONDS after it started; then the counts hold still.
    const order = await eventually(async () => {
      const api = (await hub.api('/api/processes')).json as { processes: Summary[] };
      const o = api.processes.find((p) => p.name === 'order');
      return o !== undefined && o.stuck === 1 ? o : undefined;
    }, 'the stalled order to be stuck');
    const kinds = orders.map((o) => o.kind);
    const count = (...k: OrderKind[]): number => kinds.filter((x) => k.includes(x)).length;
    assert.deepEqual(
      { instances: order.instances, completed: order.completed, failed: order.failed, stuck: order.stuck, inFlight: order.inFlight },
      { instances: ORDERS, completed: count('completed', 'queued'), failed: count('declined'), stuck: count('stalled'), inFlight: 0 },
    );
    await goto('/processes');
    const card = page.locator('[data-process-card="order"]');
    await card.waitFor();
    for (const k of ['instances', 'completed', 'failed', 'stuck', 'inFlight'] as const) {
      assert.equal(await card.locator(`[data-kpi="${k}"] .kpi-value`).innerText(), order[k].toLocaleString('en'), k);
    }
    await chartPoints(page, 'order-instances');
    await screenshot(page, 'processes');
  });

  it('opens an order from the search box by its business key, joined across its two traces', { timeout: TIMEOUT_MS }, async () => {
    // Invoiced by a worker that lost the trace context: the invoice is a trace of its own.
    const order = orders[QUEUED - 1]!;
    assert.equal(order.kind, 'queued');
    await goto('/processes');
    await page.fill('.global-search input', order.orderId);
    await page.press('.global-search input', 'Enter');
    await page.waitForURL(new RegExp(`/processes/order/instances/${order.orderId}$`));
    const rows = await waterfallRows(page);
    assertTimeOrder(rows);
    assert.deepEqual([...new Set(rows.map((r) => r.account))], [SHOP, PAYMENTS, INVOICING]);
    assert.equal(await page.locator('[data-account-path]').first().getAttribute('data-account-path'), [SHOP, PAYMENTS, INVOICING].join(','));
    assert.deepEqual((await page.locator('a.trace-link').allInnerTexts()).sort(), [order.traceId, order.invoiceTraceId!].sort());
    assert.equal(await page.locator('[data-kpi="status"] [data-status]').getAttribute('data-status'), 'completed');
    await screenshot(page, 'instance');
    // A deep link works on reload.
    await page.reload();
    await page.locator('.wf-row').first().waitFor();
    assert.match(await page.locator('[data-instance-key]').innerText(), new RegExp(order.orderId));
  });

  it('shows the declined order as failed with its payment step in error', { timeout: TIMEOUT_MS }, async () => {
    const declined = orders[DECLINED - 1]!;
    await goto(`/processes/order/instances/${declined.orderId}`);
    await page.locator('[data-kpi="status"] [data-status]').waitFor();
    assert.equal(await page.locator('[data-kpi="status"] [data-status]').getAttribute('data-status'), 'failed');
    assert.equal(await page.locator('[data-step="authorized"]').first().getAttribute('data-step-status'), 'error');
    const rows = await waterfallRows(page);
    assert.equal(rows.filter((r) => r.error).map((r) => r.account).join(), PAYMENTS);
    await screenshot(page, 'instance-failed');
  });

  it('searches the instances of a process by status', { timeout: TIMEOUT_MS }, async () => {
    const stalled = orders[STALLED - 1]!;
    assert.equal(stalled.kind, 'stalled');
    await goto('/processes/order?status=stuck');
    const rows = page.locator('table[aria-label="instances"] tbody tr');
    await eventually(async () => (await rows.count()) === 1, 'one stuck instance listed');
    assert.equal(await rows.first().getAttribute('data-instance'), stalled.orderId);
    assert.equal(await rows.first().locator('[data-status]').getAttribute('data-status'), 'stuck');
    assert.equal(await rows.first().locator('[data-step="invoiced"]').getAttribute('data-step-status'), 'missing');
    await goto('/processes/order');
    await eventually(async () => (await rows.count()) === ORDERS, 'every instance listed');
    await chartPoints(page, 'order-instances');
    await chartPoints(page, 'order-p95');
    await screenshot(page, 'process');
  });

  it('lists the firing alert with a link to the stuck order’s page', { timeout: TIMEOUT_MS }, async () => {
    const stalled = orders[STALLED - 1]!;
    await eventually(async () => ((await hub.api('/api/alerts?state=firing')).json as { alerts: unknown[] }).alerts.length === 1, 'OrdersStuck firing', 20_000);
    await goto('/alerts');
    const row = page.locator('tr[data-alert="OrdersStuck"]');
    await row.waitFor();
    assert.equal(await row.getAttribute('data-state'), 'firing');
    assert.match(await row.innerText(), /firing/);
    await screenshot(page, 'alerts');
    await row.locator('a', { hasText: 'open' }).click();
    await page.waitForURL(new RegExp(`/processes/order/instances/${stalled.orderId}$`));
    await page.locator('[data-kpi="status"] [data-status="stuck"]').waitFor();
  });

  it("shows a viewer of one account the other accounts' spans only as hidden timing", { timeout: TIMEOUT_MS }, async () => {
    const minted = await hub.api('/api/tokens', { method: 'POST', body: { name: 'payments team', accounts: [PAYMENTS] } });
    assert.equal(minted.status, 201, JSON.stringify(minted.json));
    const viewerContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      const vp = await viewerContext.newPage();
      const viewerProblems = watchPageProblems(vp);
      await login(vp, (minted.json as { token: string }).token);
      assert.equal(await vp.locator('.who').getAttribute('data-role'), 'viewer');
      const order = orders[COMPLETED - 1]!;
      await vp.goto(`${hub.consoleUrl}/traces/${order.traceId}`);
      const rows = await waterfallRows(vp);
      assert.equal(rows.length, 5, 'every span keeps its place and timing');
      assertTimeOrder(rows);
      assert.deepEqual(
        rows.map((r) => r.account),
        ['hidden', 'hidden', PAYMENTS, PAYMENTS, 'hidden'],
      );
      for (const r of rows.filter((x) => x.account === 'hidden')) {
        assert.match(r.text, /hidden span/);
        assert.doesNotMatch(r.text, /POST \/orders|create invoice|shop-frontend|invoice-worker/);
      }
      assert.match(rows[2]!.text, /authorize payment/);
      await vp.locator('.wf-row[data-account="hidden"]').first().click();
      assert.match(await vp.locator('aside.span-details').innerText(), /only its ids and timing/);
      assert.equal(await vp.locator('aside.span-details table[aria-label="span attributes"]').count(), 0);
      assert.match(await vp.locator('.wf-legend').innerText(), /hidden/);
      await screenshot(vp, 'viewer-hidden-spans');
      // A deleted token is refused at once: the next request lands on the login page, which says why.
      const { id } = minted.json as { id: string };
      assert.equal((await hub.api(`/api/tokens/${id}`, { method: 'DELETE' })).status, 200);
      await vp.reload();
      await vp.waitForURL(/\/login\?next=/);
      assert.match(await vp.locator('[data-login-error]').innerText(), /wrong or expired/);
      await screenshot(vp, 'login-expired-token');
      assert.deepEqual(viewerProblems, []);
    } finally {
      await viewerContext.close();
    }
  });

  it('raised no script error and no Content-Security-Policy violation on any view', () => {
    assert.deepEqual(problems, []);
  });
});
