/**
 * HTTP server building blocks shared by the hub's ingest and console, the agent's receiver and
 * health server, and the relay: connection limits, request slots, lingering close, readiness,
 * safe request-target parsing, Host binding, and server lifecycle.
 */
export { clientKey } from './client-key.js';
export { guardConnections, PRESSURE_IDLE_TIMEOUT_MS } from './connection-guard.js';
export type { ConnectionGuard, ConnectionGuardOptions, ConnectionLimits } from './connection-guard.js';
export { fitConnectionLimits, softOpenFilesLimit, RESERVED_FILE_DESCRIPTORS } from './fd-budget.js';
export type { ConnectionBudget } from './fd-budget.js';
export { createHostAllowlist, isHostEntry } from './host-allowlist.js';
export type { HostAllowlist } from './host-allowlist.js';
export { createHttpMetrics } from './http-metrics.js';
export type { HttpMetrics, HttpServerGauges, RefusalReason } from './http-metrics.js';
export { createHttpServer } from './http-server.js';
export type { GuardedServer, HttpServerLimits, HttpServerOptions } from './http-server.js';
export { sendErrorJson, sendJson } from './json-reply.js';
export { DEFAULT_LINGER, respondAndLinger } from './lingering-close.js';
export type { LingerLimits } from './lingering-close.js';
export { notReady, READY, readinessReport } from './readiness.js';
export type { ReadinessCheck, ReadinessContributor, ReadinessReport } from './readiness.js';
export { createRequestSlots } from './request-slots.js';
export type { RequestSlots } from './request-slots.js';
export { parseRequestTarget } from './request-target.js';
export type { ParsedTarget } from './request-target.js';
export { closeServer, drainServer, listenOn } from './server-lifecycle.js';
export type { DrainOutcome } from './server-lifecycle.js';
