import { buildInvoice, buildOrder, onboardDemoAccounts, ORDER_PROCESS, sendBatches, type OrderKind, type RequestSigner } from '../../src/demo/index.js';
import { deepMerge, startTestHub, type TestHub } from './test-hub.js';

export const SHOP = '111111111111';
export const PAYMENTS = '222222222222';
export const INVOICING = '333333333333';

/** A SigV4 hub with the demo's three accounts onboarded and the order process defined. */
export interface OrderHub {
  t: TestHub;
  signers: Map<string, RequestSigner>;
  /** Sends one order of `kind` through the signed path; resolves when every account's requests were answered 200. */
  order(orderNumber: number, kind: OrderKind, startNs?: bigint): Promise<{ traceId: string; orderId: string; invoiceTraceId: string | undefined }>;
  /** Sends a stalled order's invoice later, as a separate trace carrying only order.id. */
  invoice(orderNumber: number, startNs?: bigint): Promise<string>;
  /** GET with another bearer token. */
  as(token: string, path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

export async function startOrderHub(overrides: Record<string, unknown> = {}, options: { dataDir?: string; stuckAfterSeconds?: number } = {}): Promise<OrderHub> {
  const process = { ...ORDER_PROCESS, stuckAfterSeconds: options.stuckAfterSeconds ?? 600 };
  const t = await startTestHub(deepMerge({ auth: { mode: 'sigv4' }, processes: [process] }, overrides), options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  try {
    const signers = await onboardDemoAccounts({
      mode: 'sigv4',
      consoleUrl: t.consoleUrl,
      adminToken: t.hub.adminToken,
      dataDir: t.dataDir,
      endpoint: t.otlpUrl,
      sigv4: { region: t.config.auth.sigv4.region, service: t.config.auth.sigv4.service },
    });
    const cumulative = new Map<string, number>();
    const check = (outcomes: { failed: number; accountId: string }[]): void => {
      const failed = outcomes.filter((o) => o.failed > 0);
      if (failed.length > 0) throw new Error(`sends failed for ${failed.map((o) => o.accountId).join(', ')}`);
    };
    return {
      t,
      signers,
      async order(orderNumber, kind, startNs = BigInt(Date.now()) * 1_000_000n) {
        const built = buildOrder(orderNumber, startNs, cumulative, { kind, invalidShare: 0 });
        check(await sendBatches(t.otlpUrl, built.batches, signers));
        return { traceId: built.traceId, orderId: built.orderId, invoiceTraceId: built.invoiceTraceId };
      },
      async invoice(orderNumber, startNs = BigInt(Date.now()) * 1_000_000n) {
        const built = buildInvoice(orderNumber, startNs);
        check(await sendBatches(t.otlpUrl, [built.batch], signers));
        return built.traceId;
      },
      async as(token, path, init) {
        const res = await fetch(`${t.consoleUrl}${path}`, {
          method: init?.method ?? 'GET',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: init?.body === undefined ? undefined : JSON.stringify(init.body),
        });
        const text = await res.text();
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = text;
        }
        return { status: res.status, json };
      },
      close: () => t.close(),
    };
  } catch (err) {
    await t.close();
    throw err;
  }
}
