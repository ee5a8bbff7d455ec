/**
 * The relay: forwards OTLP/HTTP from a region without the hub to the hub's region, routed by
 * Host prefix or path, signatures untouched (the original Host header is kept).
 */
export { createRelayServer, RELAY_CONNECTION_DEFAULTS } from './relay-server.js';
export type { RelayServer, RelayServerOptions } from './relay-server.js';
export { routeFor } from './route.js';
export type { RouteName, RoutingOptions } from './route.js';
export type { UpstreamConfig, HealthCheckOptions } from './upstream-pool.js';
export { forwardableRawHeaders } from './hop-by-hop.js';
export type { RelayMetrics } from './relay-metrics.js';
export { relayConfigSchema, loadRelayConfig, relayServerOptions } from './relay-config.js';
export type { RelayConfig } from './relay-config.js';
