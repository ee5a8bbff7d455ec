import { z } from 'zod';
import { loadConfigFile } from '../config/load-config.js';
import { RELAY_CONNECTION_DEFAULTS, type RelayServerOptions } from './relay-server.js';

/**
 * The relay's configuration (`e2e-o11y relay --config relay.yaml`): every key defaulted except
 * the upstreams, which must name at least one hub address; objects are strict so a typo stops start-up.
 */
const port = z.number().int().min(0).max(65535);
const upstream = z.object({ url: z.string().url(), weight: z.number().int().positive().default(1) }).strict();
const group = z.array(upstream).default([]);

export const relayConfigSchema = z
  .object({
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    /** json | pretty; unset: pretty when stderr is a terminal, else json (packaging, src/hub/logger.ts). */
    logFormat: z.enum(['json', 'pretty']).optional(),
    listen: z
      .object({
        host: z.string().default('0.0.0.0'),
        port: port.default(4318),
        /** Open connections at once (0: as many as the open-files limit allows, after the upstream pools). */
        maxConnections: z.number().int().min(0).default(RELAY_CONNECTION_DEFAULTS.maxConnections),
        /** Per client address (IPv6: per /64); 0 = no per-client limit. */
        maxConnectionsPerClient: z.number().int().min(0).default(RELAY_CONNECTION_DEFAULTS.maxConnectionsPerClient),
        headersTimeoutSeconds: z.number().positive().default(RELAY_CONNECTION_DEFAULTS.headersTimeoutMs / 1000),
        requestTimeoutSeconds: z.number().positive().default(RELAY_CONNECTION_DEFAULTS.requestTimeoutMs / 1000),
        idleTimeoutSeconds: z.number().positive().default(RELAY_CONNECTION_DEFAULTS.idleTimeoutMs / 1000),
      })
      .strict()
      .prefault({}),
    routes: z.object({ byHost: z.boolean().default(true), byPath: z.boolean().default(true) }).strict().prefault({}),
    /** Upstream hub addresses per route; `default` takes what no signal group claims. */
    upstreams: z
      .object({ default: group, metrics: group, logs: group, traces: group })
      .strict()
      .prefault({})
      .refine((u) => u.default.length + u.metrics.length + u.logs.length + u.traces.length > 0, 'at least one upstream is required'),
    healthCheck: z
      .object({
        path: z.string().startsWith('/').default('/healthz'),
        intervalSeconds: z.number().positive().default(5),
        timeoutSeconds: z.number().positive().default(2),
      })
      .strict()
      .prefault({}),
    timeoutSeconds: z.number().positive().default(30),
    maxBodyBytes: z.number().int().positive().default(10 * 1024 * 1024),
    maxSocketsPerUpstream: z.number().int().positive().default(32),
    /** Requests buffered and forwarded at once; beyond it 503 with Retry-After. */
    maxConcurrentRequests: z.number().int().positive().default(RELAY_CONNECTION_DEFAULTS.maxConcurrentRequests),
    shutdown: z.object({ drainSeconds: z.number().min(0).default(RELAY_CONNECTION_DEFAULTS.drainTimeoutMs / 1000) }).strict().prefault({}),
  })
  .strict();

export type RelayConfig = z.infer<typeof relayConfigSchema>;

export function loadRelayConfig(file: string | undefined): Promise<RelayConfig> {
  return loadConfigFile(relayConfigSchema, file, () => {});
}

/** The createRelayServer options a config stands for. */
export function relayServerOptions(config: RelayConfig): RelayServerOptions {
  const upstreams: RelayServerOptions['upstreams'] = {};
  for (const route of ['default', 'metrics', 'logs', 'traces'] as const) {
    if (config.upstreams[route].length > 0) upstreams[route] = config.upstreams[route];
  }
  return {
    host: config.listen.host,
    port: config.listen.port,
    routes: config.routes,
    upstreams,
    healthCheck: {
      path: config.healthCheck.path,
      intervalMs: config.healthCheck.intervalSeconds * 1000,
      timeoutMs: config.healthCheck.timeoutSeconds * 1000,
    },
    timeoutMs: config.timeoutSeconds * 1000,
    maxBodyBytes: config.maxBodyBytes,
    maxSocketsPerUpstream: config.maxSocketsPerUpstream,
    maxConnections: config.listen.maxConnections,
    maxConnectionsPerClient: config.listen.maxConnectionsPerClient,
    headersTimeoutMs: config.listen.headersTimeoutSeconds * 1000,
    requestTimeoutMs: config.listen.requestTimeoutSeconds * 1000,
    idleTimeoutMs: config.listen.idleTimeoutSeconds * 1000,
    maxConcurrentRequests: config.maxConcurrentRequests,
    drainTimeoutMs: config.shutdown.drainSeconds * 1000,
  };
}
