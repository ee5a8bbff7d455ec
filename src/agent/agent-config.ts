import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { loadConfigFile, setPath } from '../config/load-config.js';
import { resolveEnvRefs } from './env-refs.js';
import { severityNumberOf } from '../otlp/scan/index.js';

/**
 * The agent's configuration schema (DESIGN.md "Agent"). Every key has a default and every object is
 * strict, so a typo stops start-up with the key's name instead of silently using a default.
 * Sizes are bytes, durations seconds (milliseconds where a key says Ms).
 */
const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();
const labels = z.record(z.string(), z.string());

const targetSchema = z
  .object({
    url: z.string().url(),
    job: z.string().min(1),
    sourceName: z.string().min(1),
    labels: labels.optional(),
  })
  .strict();

const staticCredentialsSchema = z
  .object({
    accessKeyId: z.string().min(1),
    secretAccessKey: z.string().min(1),
    sessionToken: z.string().min(1).optional(),
    /**
     * Use these long-lived keys only to ask the hub for temporary session credentials
     * (`GET /v1/self/session`, refreshed before expiry) and sign data with those.
     */
    session: z.boolean().default(false),
  })
  .strict();

const includeSchema = z
  .object({
    metrics: z.object({ names: z.array(z.string().min(1)).default([]) }).strict().prefault({}),
    logs: z
      .object({
        attributes: labels.default({}),
        minSeverity: z
          .union([z.string(), z.number().int()])
          .nullable()
          .default(null)
          .refine((v) => v === null || severityNumberOf(v) !== undefined, 'not a severity (TRACE…FATAL or 1–24)'),
      })
      .strict()
      .prefault({}),
    traces: z.object({ attributes: labels.default({}) }).strict().prefault({}),
  })
  .strict()
  .prefault({});

const retrySchema = z
  .object({
    initialBackoffSeconds: z.number().positive().default(1),
    maxBackoffSeconds: z.number().positive().default(60),
  })
  .strict()
  .prefault({})
  .refine((r) => r.maxBackoffSeconds >= r.initialBackoffSeconds, 'maxBackoffSeconds must be >= initialBackoffSeconds');

const batchSchema = z
  .object({
    /** Queued requests merged into one export request. */
    maxItems: positiveInt.default(64),
    /** How long a batch may wait for more requests once it has one. */
    maxDelayMs: z.number().int().min(0).default(200),
    /** Rough cap on one batch's queued bytes (before compression). */
    maxBytes: positiveInt.default(4 * 1024 * 1024),
  })
  .strict()
  .prefault({});

export const agentConfigSchema = z
  .object({
    dataDir: z.string().min(1).default('./agent-data'),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    /** json | pretty; unset: pretty when stderr is a terminal, else json (packaging, src/hub/logger.ts). */
    logFormat: z.enum(['json', 'pretty']).optional(),
    receivers: z
      .object({
        otlp: z
          .object({
            host: z.string().default('127.0.0.1'),
            port: port.default(4318),
            maxBodyBytes: positiveInt.default(10 * 1024 * 1024),
            maxDecompressedBytes: positiveInt.default(64 * 1024 * 1024),
            requestTimeoutSeconds: z.number().positive().default(30),
            // --- connection limits (http) ---
            /** Requests worked on at once; beyond it 503 with Retry-After. */
            maxConcurrentRequests: positiveInt.default(256),
            /** Open connections at once (0: as many as the open-files limit allows). */
            maxConnections: z.number().int().min(0).default(1024),
            /** Per client address; 0 = none (the workload's applications share one loopback address). */
            maxConnectionsPerClient: z.number().int().min(0).default(0),
            headersTimeoutSeconds: z.number().positive().default(10),
            idleTimeoutSeconds: z.number().positive().default(65),
            // --- end connection limits ---
          })
          .strict()
          .prefault({}),
        prometheus: z
          .object({
            scrapeIntervalSeconds: z.number().positive().default(15),
            scrapeTimeoutSeconds: z.number().positive().default(10),
            maxBodyBytes: positiveInt.default(32 * 1024 * 1024),
            targets: z.array(targetSchema).default([]),
            fileSd: z.array(z.string().min(1)).default([]),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    resource: z
      .object({
        attributes: labels.default({}),
        /** Set as `source.name` on every resource and metric data point that lacks one (the hub requires it). */
        sourceName: z.string().min(1).nullable().default(null),
      })
      .strict()
      .prefault({}),
    queue: z.object({ maxBytes: positiveInt.default(1024 * 1024 * 1024) }).strict().prefault({}),
    exporters: z
      .object({
        local: z
          .object({
            endpoint: z.string().url().nullable().default(null),
            headers: labels.default({}),
            timeoutSeconds: z.number().positive().default(10),
            retry: retrySchema,
            batch: batchSchema,
          })
          .strict()
          .prefault({}),
        hub: z
          .object({
            /** Base OTLP/HTTP URL of the hub (or a relay); null: no hub exporter. */
            endpoint: z.string().url().nullable().default(null),
            region: z.string().min(1).default('eu-central-1'),
            service: z.string().min(1).default('execute-api'),
            credentials: z.union([z.literal('default'), staticCredentialsSchema]).default('default'),
            /** `fetch`: from the hub's GET /v1/self/api-key at start; else the key itself. Env E2E_AGENT_API_KEY wins. */
            apiKey: z.string().min(1).default('fetch'),
            headers: labels.default({}),
            timeoutSeconds: z.number().positive().default(10),
            retry: retrySchema,
            batch: batchSchema,
            include: includeSchema,
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    health: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: port.default(13133),
        /** Probes and scrapes only: a few short connections. */
        maxConnections: z.number().int().min(0).default(64),
      })
      .strict()
      .prefault({}),
    shutdown: z.object({ drainSeconds: z.number().min(0).default(10) }).strict().prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    const p = c.receivers.prometheus;
    if (p.scrapeTimeoutSeconds > p.scrapeIntervalSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['receivers', 'prometheus', 'scrapeTimeoutSeconds'],
        message: `must not exceed scrapeIntervalSeconds (${p.scrapeIntervalSeconds})`,
      });
    }
  });

export type AgentConfig = z.infer<typeof agentConfigSchema>;

/**
 * Loads the agent config. `E2E_AGENT_API_KEY` overrides `exporters.hub.apiKey` (so the key need not
 * be written into a file); `${ENV}` references in `resource.attributes` are resolved once, here.
 */
export async function loadAgentConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<AgentConfig> {
  const config = await loadConfigFile(agentConfigSchema, file, (raw) => {
    const key = env['E2E_AGENT_API_KEY'];
    if (key !== undefined && key !== '') setPath(raw, ['exporters', 'hub', 'apiKey'], key);
  });
  return resolveAgentEnv(config, file ?? '(defaults)', env);
}

/** Resolves `${ENV}` references in resource attributes, naming the file in errors. */
export function resolveAgentEnv(config: AgentConfig, where: string, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  try {
    return { ...config, resource: { ...config.resource, attributes: resolveEnvRefs(config.resource.attributes, env) } };
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`config error in ${where}: ${err.message}`);
    throw err;
  }
}
