/**
 * The demo: three workload accounts (shop, payments, invoicing) running an order-to-invoice
 * business process through the real signed ingest path.
 */
export { DEMO_ACCOUNTS, ORDER_PROCESS, buildOrder, buildInvoice, orderKindFor, orderId } from './business-process.js';
export type { DemoAccount, AccountBatch, OrderKind } from './business-process.js';
export { sendOtlp, sendBatches } from './demo-sender.js';
export type { RequestSigner, SendResult, BatchOutcome } from './demo-sender.js';
export { onboardDemoAccounts } from './demo-onboarding.js';
export type { OnboardOptions } from './demo-onboarding.js';
export { withDemoDefinitions, DEMO_ALERT_RULES } from './demo-config.js';
