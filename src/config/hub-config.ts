import { z } from 'zod';
import { isHostEntry } from '../http/host-allowlist.js';
import { MAX_ANY_VALUE_DEPTH } from '../otlp/decode-error.js';
import { DEFAULT_OTLP_LIMITS } from '../otlp/scan/limits.js';
import { processesSchema } from '../processes/process-config.js';
import { alertsConfigSchema } from '../alerts/alert-config.js';

/**
 * The hub's configuration schema. Every key has a default; `.strict()` everywhere so that an unknown
 * key stops start-up (a typo in a limit must not silently fall back to a default).
 * Sizes are bytes, durations seconds, as in DESIGN.md.
 */
const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();

const tlsSchema = z
  .object({
    cert: z.string().nullable().default(null),
    key: z.string().nullable().default(null),
    clientCa: z.string().nullable().default(null),
    requireClientCert: z.boolean().default(false),
  })
  .strict();

export const usagePlanSchema = z
  .object({
    requestsPerSecond: z.number().positive().default(100),
    burst: positiveInt.default(200),
    bytesPerSecond: positiveInt.default(10 * 1024 * 1024),
    quota: z
      .object({
        limit: z.number().int().min(0).default(0),
        period: z.enum(['day', 'week', 'month']).default('day'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const validationRuleSchema = z
  .object({
    signal: z.enum(['traces', 'metrics', 'logs']),
    attribute: z.string().min(1),
    on: z.enum(['resource', 'datapoint', 'record', 'span']),
  })
  .strict();

const otlpExporterSchema = z
  .object({
    name: z.string().min(1),
    endpoint: z.string().url(),
    endpoints: z
      .object({ traces: z.string().url().optional(), metrics: z.string().url().optional(), logs: z.string().url().optional() })
      .strict()
      .prefault({}),
    signals: z.array(z.enum(['traces', 'metrics', 'logs'])).default(['traces', 'metrics', 'logs']),
    headers: z.record(z.string(), z.string()).default({}),
    timeoutSeconds: z.number().positive().default(10),
  })
  .strict();

const lokiSchema = z
  .object({
    name: z.string().min(1),
    /** Loki push URL, e.g. http://loki:3100/loki/api/v1/push */
    endpoint: z.string().url(),
    /** Resource attributes promoted to stream labels; Loki indexes at most 15 labels. */
    indexLabels: z.array(z.string().min(1)).max(15).default(['e2e.account.id', 'source.name', 'service.name']),
    headers: z.record(z.string(), z.string()).default({}),
    timeoutSeconds: z.number().positive().default(10),
  })
  .strict();

const remoteWriteSchema = z
  .object({
    name: z.string().min(1),
    endpoint: z.string().url(),
    headers: z.record(z.string(), z.string()).default({}),
    timeoutSeconds: z.number().positive().default(10),
  })
  .strict();

export const hubConfigSchema = z
  .object({
    dataDir: z.string().min(1).default('./data'),
    tenant: z.string().min(1).default('e2e'),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    /** json | pretty; unset: pretty when stderr is a terminal, else json (packaging, src/hub/logger.ts). */
    logFormat: z.enum(['json', 'pretty']).optional(),
    otlp: z
      .object({
        host: z.string().default('0.0.0.0'),
        port: port.default(4318),
        maxBodyBytes: positiveInt.default(10 * 1024 * 1024),
        maxDecompressedBytes: positiveInt.default(64 * 1024 * 1024),
        /** Requests being processed at once; beyond it new requests get 503 (protects memory). */
        maxConcurrentRequests: positiveInt.default(256),
        requestTimeoutSeconds: z.number().positive().default(30),
        // --- connection limits (http) ---
        /** Open connections at once (0: as many as the open-files limit allows); lowered to fit RLIMIT_NOFILE. */
        maxConnections: z.number().int().min(0).default(8192),
        /** Open connections per client address (IPv6: per /64); 0 = no per-client limit (e.g. behind a proxy that hides addresses). */
        maxConnectionsPerClient: z.number().int().min(0).default(256),
        /** Time to receive a request's headers (slowloris). */
        headersTimeoutSeconds: z.number().positive().default(10),
        /** Keep-alive connection idle time; longer than a load balancer's 60 s idle timeout. */
        idleTimeoutSeconds: z.number().positive().default(65),
        /** The hub's public names (host or host:port); other Host headers get 403. Empty: any. */
        allowedHosts: z.array(z.string().refine(isHostEntry, 'not a host name or host:port')).default([]),
        // --- end connection limits ---
        /** Counts in one request (see src/otlp/scan/limits.ts): over items or depth 400, the rest reject the item. */
        limits: z
          .object({
            maxItemsPerRequest: positiveInt.default(DEFAULT_OTLP_LIMITS.maxItemsPerRequest),
            maxAttributesPerItem: positiveInt.default(DEFAULT_OTLP_LIMITS.maxAttributesPerItem),
            maxAttributeKeyBytes: positiveInt.default(DEFAULT_OTLP_LIMITS.maxAttributeKeyBytes),
            maxAttributeValueBytes: positiveInt.default(DEFAULT_OTLP_LIMITS.maxAttributeValueBytes),
            maxAnyValueDepth: z.number().int().min(1).max(MAX_ANY_VALUE_DEPTH).default(MAX_ANY_VALUE_DEPTH),
            maxEventsPerSpan: positiveInt.default(DEFAULT_OTLP_LIMITS.maxEventsPerSpan),
            maxLinksPerSpan: positiveInt.default(DEFAULT_OTLP_LIMITS.maxLinksPerSpan),
            /** Objects plus arrays in a JSON body, checked before parsing (JSON decodes into many objects). */
            maxJsonContainers: positiveInt.default(1_000_000),
          })
          .strict()
          .prefault({}),
        /** Decompressed bytes of all requests being processed at once; beyond it 503 + Retry-After. */
        maxDecompressedBytesInFlight: positiveInt.default(256 * 1024 * 1024),
        tls: tlsSchema.prefault({}),
      })
      .strict()
      .prefault({}),
    console: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: port.default(3000),
        /** Base URL of the console as users reach it (alert links); null: the console's own address. */
        publicUrl: z.string().url().nullable().default(null),
        // --- connection limits (http) ---
        maxConnections: z.number().int().min(0).default(256),
        maxConnectionsPerClient: z.number().int().min(0).default(64),
        headersTimeoutSeconds: z.number().positive().default(10),
        requestTimeoutSeconds: z.number().positive().default(60),
        idleTimeoutSeconds: z.number().positive().default(5),
        // --- end connection limits ---
      })
      .strict()
      .prefault({}),
    auth: z
      .object({
        mode: z.enum(['sigv4', 'basic', 'none']).default('sigv4'),
        sigv4: z
          .object({
            region: z.string().min(1).default('eu-central-1'),
            service: z.string().min(1).default('execute-api'),
            maxSkewSeconds: z.number().int().min(1).default(300),
            sessionTtlSeconds: z.number().int().min(60).max(43200).default(3600),
          })
          .strict()
          .prefault({}),
        apiKey: z.object({ required: z.boolean().default(true) }).strict().prefault({}),
        // security: /v1/self/* (key distribution, sessions) is not covered by usage plans; its own
        // per-account bucket, and a per-client-address cap on failed signatures there.
        self: z
          .object({
            requestsPerMinute: z.number().positive().default(60),
            burstRequests: z.number().int().min(1).default(60),
            maxFailedSignaturesPerMinute: z.number().int().min(1).default(30),
          })
          .strict()
          .prefault({}),
        basic: z
          .object({
            htpasswdFile: z.string().nullable().default(null),
            users: z.record(z.string(), z.string()).default({}),
          })
          .strict()
          .prefault({}),
        none: z.object({ accountId: z.string().min(1).default('000000000000') }).strict().prefault({}),
      })
      .strict()
      .prefault({}),
    usagePlans: z.record(z.string(), usagePlanSchema).default({}),
    validation: z
      .object({
        rules: z.array(validationRuleSchema).default([
          { signal: 'metrics', attribute: 'source.name', on: 'datapoint' },
          { signal: 'logs', attribute: 'source.name', on: 'resource' },
          { signal: 'traces', attribute: 'source.name', on: 'resource' },
        ]),
      })
      .strict()
      .prefault({}),
    queue: z
      .object({
        maxBytes: positiveInt.default(1024 * 1024 * 1024),
        segmentBytes: positiveInt.default(64 * 1024 * 1024),
      })
      .strict()
      .prefault({}),
    limits: z.object({ store: z.string().default('memory') }).strict().prefault({}),
    exporters: z
      .object({
        embedded: z
          .object({
            enabled: z.boolean().default(true),
            /** DuckDB's memory limit (the store worker's heap is bounded separately). */
            maxMemoryBytes: positiveInt.default(256 * 1024 * 1024),
            /** Data older than this (by receive time) leaves in whole time slices. */
            retentionHours: z.number().positive().default(168),
            /** While the store uses more than this, its oldest slices leave too (0: no cap). */
            maxDiskBytes: z.number().int().min(0).default(0),
            /** Length of one time slice: the unit in which data leaves. */
            sliceHours: z.number().positive().max(168).default(6),
            /** DuckDB threads: 1 keeps appends cheapest (measured 20 % less CPU than 2); more speed up big queries. */
            threads: z.number().int().min(1).max(64).default(1),
            /** The store worker as a thread of the hub (less memory) or a child process (native crashes stay in it). */
            isolation: z.enum(['thread', 'process']).default('thread'),
          })
          .strict()
          .prefault({}),
        otlp: z.array(otlpExporterSchema).default([]),
        prometheusRemoteWrite: z.array(remoteWriteSchema).default([]),
        loki: z.array(lokiSchema).default([]),
      })
      .strict()
      .prefault({}),
    shutdown: z.object({ drainSeconds: z.number().min(0).default(10) }).strict().prefault({}),
    // --- issue 10: business processes, alerts, stats history (src/processes, src/alerts, src/stats) ---
    processes: processesSchema,
    alerts: alertsConfigSchema.prefault({}),
    stats: z.object({ historyRetentionDays: z.number().positive().max(3650).default(30) }).strict().prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = new Set(config.processes.map((p) => p.name));
    config.alerts.rules.forEach((rule, i) => {
      if ('process' in rule && !names.has(rule.process)) {
        ctx.addIssue({ code: 'custom', path: ['alerts', 'rules', i, 'process'], message: `no process named '${rule.process}' under processes:` });
      }
    });
  });

export type HubConfig = z.infer<typeof hubConfigSchema>;
export type UsagePlanConfig = z.infer<typeof usagePlanSchema>;
export type ValidationRule = z.infer<typeof validationRuleSchema>;

/** The plan every account falls back to; always present, overridable in config. */
export const DEFAULT_PLAN: UsagePlanConfig = usagePlanSchema.parse({});
