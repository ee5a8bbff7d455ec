/**
 * The demo's business process (orders across shop, payments and invoicing) sent to a test hub
 * through the real signed path: accounts onboarded over the admin API, every request SigV4-signed
 * with the account's key pair and carrying its API key, as the demo and the agent send.
 */
import assert from 'node:assert/strict';
import { createHubSigner } from '../../src/agent/index.js';
import { buildOrder, DEMO_ACCOUNTS } from '../../src/demo/business-process.js';
import { sendOtlp, type RequestSigner } from '../../src/demo/demo-sender.js';
import type { RequestBySignal, Signal } from '../../src/otlp/model.js';
import { REGION, SERVICE } from './signed-client.js';
import { eventually, type TestHub } from './test-hub.js';

export { DEMO_ACCOUNTS };

export interface SentOrder {
  orderNumber: number;
  orderId: string;
  traceId: string;
  /** Accounts that sent spans for it, in the order of the process. */
  accounts: string[];
}

export interface DemoFeed {
  send(orderNumber: number): Promise<SentOrder>;
  /** Sends any OTLP request as one of the demo accounts (signed the same way); asserts 200. */
  sendAs<S extends Signal>(accountId: string, signal: S, request: RequestBySignal[S]): Promise<void>;
}

/** Onboards the three demo accounts (named shop, payments, invoicing) and returns a sender of orders. */
export async function startDemoFeed(t: TestHub): Promise<DemoFeed> {
  const signers = new Map<string, RequestSigner>();
  for (const a of DEMO_ACCOUNTS) {
    const r = await t.api('/api/accounts', { method: 'POST', body: { id: a.id, name: a.name, plan: 'default' } });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const created = r.json as { apiKey: string; accessKeyId: string; secretAccessKey: string };
    const signer = createHubSigner({ region: REGION, service: SERVICE, credentials: { accessKeyId: created.accessKeyId, secretAccessKey: created.secretAccessKey } });
    signers.set(a.id, async ({ url, method, headers, body }) => {
      const signed = await signer.sign({ url: url.toString(), method, headers: { ...headers, 'x-api-key': created.apiKey }, body });
      return { ...signed, 'x-api-key': created.apiKey };
    });
  }
  const cumulative = new Map<string, number>();
  return {
    async send(orderNumber) {
      const { traceId, batches } = buildOrder(orderNumber, BigInt(Date.now()) * 1_000_000n, cumulative, 0);
      const accounts: string[] = [];
      for (const b of batches) {
        const sign = signers.get(b.account.id)!;
        const hasSpans = b.traces.resourceSpans.some((rs) => rs.scopeSpans.some((ss) => ss.spans.length > 0));
        if (hasSpans) accounts.push(b.account.id);
        const results = await Promise.all([
          hasSpans ? sendOtlp(t.otlpUrl, 'traces', b.traces, sign) : undefined,
          sendOtlp(t.otlpUrl, 'logs', b.logs, sign),
          sendOtlp(t.otlpUrl, 'metrics', b.metrics, sign),
        ]);
        for (const r of results) if (r !== undefined) assert.equal(r.status, 200, `order ${orderNumber} from ${b.account.name}: ${r.status} ${r.body}`);
      }
      return { orderNumber, orderId: `ord-${orderNumber}`, traceId, accounts };
    },
    async sendAs(accountId, signal, request) {
      const r = await sendOtlp(t.otlpUrl, signal, request, signers.get(accountId)!);
      assert.equal(r.status, 200, `${signal} from ${accountId}: ${r.status} ${r.body}`);
    },
  };
}

/** Waits until the store holds every span of `order`. */
export async function waitForStored(t: TestHub, order: SentOrder, spans: number): Promise<void> {
  await eventually(
    async () => {
      const r = await t.api(`/api/traces/${order.traceId}`);
      return r.status === 200 && (r.json as { spans: unknown[] }).spans.length === spans;
    },
    `the ${spans} spans of ${order.orderId} in the store`,
    20_000,
  );
}
