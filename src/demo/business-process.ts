import { randomBytes } from 'node:crypto';
import type {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  KeyValue,
  LogRecord,
  Span,
} from '../otlp/model.js';

/** One simulated workload account of the demo. */
export interface DemoAccount {
  id: string;
  name: string;
  service: string;
  sourceName: string;
}

export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { id: '111111111111', name: 'shop', service: 'shop-frontend', sourceName: 'shop-eks' },
  { id: '222222222222', name: 'payments', service: 'payment-service', sourceName: 'payments-ecs' },
  { id: '333333333333', name: 'invoicing', service: 'invoice-worker', sourceName: 'invoicing-onprem' },
];

const str = (key: string, value: string): KeyValue => ({ key, value: { stringValue: value } });
const int = (key: string, value: number): KeyValue => ({ key, value: { intValue: BigInt(value) } });

/** What one account sends for one order: its spans, logs and metrics. */
export interface AccountBatch {
  account: DemoAccount;
  traces: ExportTraceServiceRequest;
  logs: ExportLogsServiceRequest;
  metrics: ExportMetricsServiceRequest;
  /** Items in this batch built without source.name (the hub should drop exactly these). */
  invalid: { spans: number; logRecords: number; dataPoints: number };
}

function resource(account: DemoAccount, withSource: boolean): { attributes: KeyValue[]; droppedAttributesCount: number } {
  const attributes = [str('service.name', account.service), str('cloud.account.id', account.id), str('deployment.environment', 'demo')];
  if (withSource) attributes.push(str('source.name', account.sourceName));
  return { attributes, droppedAttributesCount: 0 };
}

function span(traceId: Uint8Array, parent: Uint8Array, name: string, kind: number, startNs: bigint, durNs: bigint, attrs: KeyValue[], error = false): Span {
  return {
    traceId,
    spanId: randomBytes(8),
    traceState: '',
    parentSpanId: parent,
    flags: 1,
    name,
    kind,
    startTimeUnixNano: startNs,
    endTimeUnixNano: startNs + durNs,
    attributes: attrs,
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: error ? 2 : 1, message: error ? 'card declined' : '' },
  };
}

const SCOPE = { name: 'e2e-o11y-demo', version: '1', attributes: [], droppedAttributesCount: 0 };

/**
 * How one demo order goes: `completed` (placed, authorized, invoiced in one trace), `declined`
 * (the payment span is ERROR, no invoice), `stalled` (never invoiced: it becomes stuck),
 * `queued` (invoiced by a worker that lost the trace context on the queue: the invoice is a
 * separate trace whose span carries only `order.id`, and joins its order by that key).
 */
export type OrderKind = 'completed' | 'declined' | 'stalled' | 'queued';

/** The demo's mix: about 6% declined, 8% stalled, 20% invoiced via a context-losing queue. */
export function orderKindFor(orderNumber: number): OrderKind {
  if (orderNumber % 17 === 0) return 'declined';
  if (orderNumber % 13 === 0) return 'stalled';
  if (orderNumber % 5 === 0) return 'queued';
  return 'completed';
}

/** The business key of a demo order. */
export const orderId = (orderNumber: number): string => `ord-${orderNumber}`;

/** The `processes:` entry the demo defines (DESIGN's example). */
export const ORDER_PROCESS = {
  name: 'order',
  match: { attribute: 'business.process', equals: 'order' },
  key: 'order.id',
  steps: [
    { name: 'placed', span: 'POST /orders' },
    { name: 'authorized', span: 'authorize payment' },
    { name: 'invoiced', span: 'create invoice' },
  ],
  stuckAfterSeconds: 60,
  slo: { maxDurationSeconds: 5, maxErrorRatio: 0.1 },
};

function logRecord(nowNs: bigint, text: string, severity: number, traceId: Uint8Array, s: Span, id: string): LogRecord {
  return {
    timeUnixNano: nowNs,
    observedTimeUnixNano: nowNs,
    severityNumber: severity,
    severityText: severity >= 17 ? 'ERROR' : 'INFO',
    body: { stringValue: text },
    attributes: [str('order.id', id)],
    droppedAttributesCount: 0,
    flags: 1,
    traceId,
    spanId: s.spanId,
    eventName: '',
  };
}

/**
 * The invoicing account's part of an order: its "create invoice" span and log. With `parent`, the
 * span continues the order's trace (context carried on the message); without, it is the root of a
 * trace of its own and carries only `order.id`, as a worker that lost the context would send it.
 */
export function buildInvoice(orderNumber: number, startNs: bigint, parent?: { traceId: Uint8Array; spanId: Uint8Array }): { traceId: string; batch: AccountBatch } {
  const invoicing = DEMO_ACCOUNTS[2]!;
  const id = orderId(orderNumber);
  const traceId = parent?.traceId ?? randomBytes(16);
  const attrs = parent === undefined ? [str('order.id', id)] : [str('order.id', id), str('invoice.id', `inv-${orderNumber}`), str('messaging.system', 'sqs')];
  const invoice = span(traceId, parent?.spanId ?? new Uint8Array(0), 'create invoice', parent === undefined ? 2 : 5, startNs, 250n * 1_000_000n, attrs);
  const record = logRecord(startNs, `invoice inv-${orderNumber} created for ${id}`, 9, traceId, invoice, id);
  return {
    traceId: traceId.toString('hex'),
    batch: {
      account: invoicing,
      traces: { resourceSpans: [{ resource: resource(invoicing, true), schemaUrl: '', scopeSpans: [{ scope: SCOPE, schemaUrl: '', spans: [invoice] }] }] },
      logs: { resourceLogs: [{ resource: resource(invoicing, true), schemaUrl: '', scopeLogs: [{ scope: SCOPE, schemaUrl: '', logRecords: [record] }] }] },
      metrics: { resourceMetrics: [] },
      invalid: { spans: 0, logRecords: 0, dataPoints: 0 },
    },
  };
}

/**
 * Builds one order's business process across the three accounts: shop receives the order and calls
 * payments (W3C trace context carried, so payments' span is a child of shop's client span), payments
 * hands the invoice to invoicing over a queue. `kind` says how it ends (see OrderKind). An order's
 * shop and payment spans carry `business.process=order`; every span carries `order.id`.
 * `invalidShare` of the orders add items without `source.name`, which the hub's validation drops.
 */
export function buildOrder(
  orderNumber: number,
  nowNs: bigint,
  cumulative: Map<string, number>,
  options: { kind?: OrderKind; invalidShare?: number } = {},
): { traceId: string; orderId: string; kind: OrderKind; invoiceTraceId: string | undefined; batches: AccountBatch[] } {
  const [shop, payments, invoicing] = DEMO_ACCOUNTS as [DemoAccount, DemoAccount, DemoAccount];
  const kind = options.kind ?? orderKindFor(orderNumber);
  const invalidShare = options.invalidShare ?? 0.05;
  const traceId = randomBytes(16);
  const id = orderId(orderNumber);
  const amountCents = 500 + ((orderNumber * 7919) % 20000);
  const declined = kind === 'declined';
  const ms = 1_000_000n;
  const process = str('business.process', 'order');

  const root = span(traceId, new Uint8Array(0), 'POST /orders', 2, nowNs, 180n * ms, [str('order.id', id), process, str('http.request.method', 'POST'), int('order.amount_cents', amountCents)]);
  const call = span(traceId, root.spanId, 'POST payments/authorize', 3, nowNs + 10n * ms, 120n * ms, [str('order.id', id), str('peer.service', payments.service)]);
  const pay = span(traceId, call.spanId, 'authorize payment', 2, nowNs + 15n * ms, 100n * ms, [str('order.id', id), process, str('payment.method', orderNumber % 3 === 0 ? 'paypal' : 'card')], declined);
  const publish = span(traceId, pay.spanId, 'publish invoice.requested', 4, nowNs + 110n * ms, 3n * ms, [str('order.id', id), str('messaging.system', 'sqs')]);
  const invoice =
    kind === 'completed' ? buildInvoice(orderNumber, nowNs + 400n * ms, { traceId, spanId: publish.spanId }) : kind === 'queued' ? buildInvoice(orderNumber, nowNs + 1500n * ms) : undefined;
  const invoiceSpans = invoice?.batch.traces.resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
  const invoiceLogs = invoice?.batch.logs.resourceLogs[0]?.scopeLogs[0]?.logRecords ?? [];

  const invalid = Math.random() < invalidShare;
  const spans: Record<string, Span[]> = { [shop.id]: [root, call], [payments.id]: declined ? [pay] : [pay, publish], [invoicing.id]: invoiceSpans };
  const logLines: Record<string, [string, number, Span][]> = {
    [shop.id]: [[`order ${id} placed, ${amountCents} cents`, 9, root]],
    [payments.id]: [[declined ? `payment for ${id} declined` : `payment for ${id} authorized`, declined ? 17 : 9, pay]],
    [invoicing.id]: [],
  };

  const batches: AccountBatch[] = [];
  for (const account of DEMO_ACCOUNTS) {
    const key = (m: string): string => `${account.id}:${m}`;
    const bump = (m: string, by: number): number => {
      const v = (cumulative.get(key(m)) ?? 0) + by;
      cumulative.set(key(m), v);
      return v;
    };
    const pointAttrs = (extra: KeyValue[] = []): KeyValue[] => [str('source.name', account.sourceName), ...extra];
    const metricName = account === shop ? 'orders_total' : account === payments ? 'payments_total' : 'invoices_total';
    const total = bump(metricName, account === invoicing && invoice === undefined ? 0 : 1);
    const latencyMs = 20 + ((orderNumber * 31) % 200);
    const startNs = BigInt(Date.now() - 3_600_000) * ms;
    const metrics: ExportMetricsServiceRequest = {
      resourceMetrics: [
        {
          resource: resource(account, true),
          schemaUrl: '',
          scopeMetrics: [
            {
              scope: SCOPE,
              schemaUrl: '',
              metrics: [
                {
                  name: metricName,
                  description: 'business events processed',
                  unit: '1',
                  metadata: [],
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: [{ attributes: pointAttrs(), startTimeUnixNano: startNs, timeUnixNano: nowNs, asInt: BigInt(total), exemplars: [], flags: 0 }],
                  },
                },
                {
                  name: 'process_step_duration',
                  description: 'time spent in this account per order',
                  unit: 'ms',
                  metadata: [],
                  histogram: {
                    aggregationTemporality: 1,
                    dataPoints: [
                      {
                        attributes: pointAttrs([str('step', account.name)]),
                        startTimeUnixNano: nowNs - 1000n * ms,
                        timeUnixNano: nowNs,
                        count: 1n,
                        sum: latencyMs,
                        bucketCounts: [latencyMs <= 50 ? 1n : 0n, latencyMs > 50 && latencyMs <= 100 ? 1n : 0n, latencyMs > 100 ? 1n : 0n],
                        explicitBounds: [50, 100],
                        exemplars: [],
                        flags: 0,
                        min: latencyMs,
                        max: latencyMs,
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const records = (logLines[account.id] ?? []).map(([text, sev, s]) => logRecord(nowNs, text, sev, traceId, s, id));
    if (account === invoicing) records.push(...invoiceLogs);
    const logs: ExportLogsServiceRequest = { resourceLogs: [{ resource: resource(account, true), schemaUrl: '', scopeLogs: [{ scope: SCOPE, schemaUrl: '', logRecords: records }] }] };
    const traces: ExportTraceServiceRequest = {
      resourceSpans: [{ resource: resource(account, true), schemaUrl: '', scopeSpans: [{ scope: SCOPE, schemaUrl: '', spans: spans[account.id] ?? [] }] }],
    };
    const bad = { spans: 0, logRecords: 0, dataPoints: 0 };
    if (invalid && account === shop) {
      // A misconfigured sidecar: no source.name anywhere. Validation drops these and says so.
      logs.resourceLogs.push({
        resource: resource(account, false),
        schemaUrl: '',
        scopeLogs: [{ scope: SCOPE, schemaUrl: '', logRecords: [{ ...records[0]!, body: { stringValue: `debug dump for ${id}` }, spanId: new Uint8Array(0) }] }],
      });
      metrics.resourceMetrics[0]!.scopeMetrics[0]!.metrics.push({
        name: 'cart_items',
        description: '',
        unit: '1',
        metadata: [],
        gauge: { dataPoints: [{ attributes: [], startTimeUnixNano: 0n, timeUnixNano: nowNs, asDouble: 3, exemplars: [], flags: 0 }] },
      });
      bad.logRecords = 1;
      bad.dataPoints = 1;
    }
    batches.push({ account, traces, logs, metrics, invalid: bad });
  }
  return { traceId: traceId.toString('hex'), orderId: id, kind, invoiceTraceId: kind === 'queued' ? invoice?.traceId : undefined, batches };
}
