import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { encodeRequest } from '../otlp/index.js';
import type { Signal } from '../otlp/model.js';
import { DEFAULT_OTLP_LIMITS } from '../otlp/scan/index.js';
import {
  closeServer,
  createHttpMetrics,
  createHttpServer,
  fitConnectionLimits,
  listenOn,
  sendErrorJson,
  softOpenFilesLimit,
  type GuardedServer,
  type HttpMetrics,
} from '../http/index.js';
import type { DurableQueue, QueueReader } from '../queue/types.js';
import { createDurableQueue, queueLogHooks } from '../queue/index.js';
import { createIngestAccept, createOtlpReceiver, type AcceptRequest, type OtlpReceiver } from '../ingest/index.js';
import { createJsonConverter } from '../pipeline/index.js';
import { startExporterRunner, type ExporterRunner, type ExporterRunnerStats } from '../export/exporter-runner.js';
import type { Exporter } from '../export/exporter.js';
import { createOtlpExporter } from '../export/otlp-exporter.js';
import type { AgentConfig } from './agent-config.js';
import { createAgentMetrics, type AgentMetrics } from './agent-metrics.js';
import { createAgentPolicies, type AgentPolicies } from './agent-policies.js';
import { batchingReader } from './batching-reader.js';
import { createHubExporter, type HubExporter } from './hub-exporter.js';
import type { HttpGet } from './hub-signer.js';
import { createScraper, type Scraper, type ScrapeReport } from './scraper.js';

export interface Agent {
  readonly otlpAddress: AddressInfo;
  readonly healthAddress: AddressInfo;
  readonly metrics: AgentMetrics;
  /** Per exporter ('local', 'hub'): what its runner sent, skipped and retried. */
  exporterStats(): Record<string, ExporterRunnerStats>;
  /** Per exporter: queued bytes it has not acknowledged yet (0 once it delivered or skipped everything). */
  backlogBytes(): Record<string, number>;
  /** Scrapes every Prometheus target once now (the loops keep their own schedule). */
  scrapeNow(): Promise<ScrapeReport[]>;
  /** Stops receiving (new requests get 503, in-flight ones finish), stops scrapes and exporters, closes the queue. */
  close(): Promise<void>;
}

export interface StartAgentOptions {
  /** Injectable GET for the hub's key and session endpoints (tests). */
  httpGet?: HttpGet;
}

/** Names of the queue readers: each exporter keeps its own cursor, so one's outage never blocks the other. */
const LOCAL_READER = 'local';
const HUB_READER = 'hub';

/**
 * Starts the agent: local OTLP/HTTP receiver and Prometheus scraper → resource enrichment → one
 * durable disk queue (a record per request, fsynced before 200) → two independent readers: the
 * local exporter (everything, plain OTLP/HTTP) and the hub exporter (opt-in filter, SigV4 +
 * x-api-key). Both use the hub's exporter runner, so retries, backoff with jitter, Retry-After and
 * skip-on-rejection behave the same everywhere.
 */
export async function startAgent(config: AgentConfig, logger: Logger, options: StartAgentOptions = {}): Promise<Agent> {
  const metrics = createAgentMetrics();
  await mkdir(config.dataDir, { recursive: true });
  const queue: DurableQueue = await createDurableQueue({
    dir: join(config.dataDir, 'queue'),
    maxBytes: config.queue.maxBytes,
    ...queueLogHooks(logger, 'agent'),
  });
  const policies = createAgentPolicies({
    limits: DEFAULT_OTLP_LIMITS,
    resourceAttributes: config.resource.attributes,
    sourceName: config.resource.sourceName,
    include: config.exporters.hub.include,
  });
  const json = createJsonConverter();
  /** The hub's accept step with the agent's policies: one pass over the bytes into a queue record, then the durable append. */
  const acceptFrom = (receiver: 'otlp' | 'prometheus'): AcceptRequest =>
    createIngestAccept({
      ownerName: 'agent',
      policyFor: (signal) => policies.receive(signal),
      json,
      maxJsonContainers: MAX_JSON_CONTAINERS,
      queue,
      onAccepted: (_account, signal, prepared) => metrics.receivedItems.inc({ signal, receiver }, prepared.accepted),
    });

  const exporters = await startAgentExporters(config, queue, policies, metrics, logger, options);
  const httpMetrics = createHttpMetrics(metrics.registry);
  const budget = fitConnectionLimits({ agent_otlp: config.receivers.otlp.maxConnections, agent_health: config.health.maxConnections }, softOpenFilesLimit());
  if (budget.warning !== undefined) logger.warn({ limits: budget.limits }, budget.warning);
  const receiver = createAgentReceiver(config.receivers.otlp, budget.limits['agent_otlp'], acceptFrom('otlp'), metrics, httpMetrics, logger);
  const scraper = createAgentScraper(config.receivers.prometheus, acceptFrom('prometheus'), metrics, logger);
  const health = createHealthServer(metrics, queue, exporters.runners, { maxConnections: budget.limits['agent_health'] ?? config.health.maxConnections, httpMetrics, logger });

  let otlpAddress: AddressInfo;
  let healthAddress: AddressInfo;
  try {
    otlpAddress = await receiver.listen();
    healthAddress = await listenOn(health.server, config.health.host, config.health.port);
    await scraper?.start();
  } catch (err) {
    await Promise.allSettled([receiver.close(), closeServer(health.server, health.guard), exporters.stop()]);
    await queue.close();
    throw err;
  }
  logger.info(
    { otlp: `${otlpAddress.address}:${otlpAddress.port}`, health: `${healthAddress.address}:${healthAddress.port}`, exporters: [...exporters.runners.keys()] },
    'agent started',
  );

  let closing: Promise<void> | undefined;
  return {
    otlpAddress,
    healthAddress,
    metrics,
    exporterStats() {
      const out: Record<string, ExporterRunnerStats> = {};
      for (const [name, r] of exporters.runners) out[name] = r.stats();
      return out;
    },
    backlogBytes() {
      const out: Record<string, number> = {};
      for (const [name, r] of exporters.readers) out[name] = Math.max(0, queue.endPosition() - r.ackedPosition);
      return out;
    },
    scrapeNow: () => scraper?.scrapeAll() ?? Promise.resolve([]),
    close() {
      closing ??= (async () => {
        await receiver.drain(config.shutdown.drainSeconds * 1000);
        await receiver.close();
        await scraper?.stop();
        // Whatever the exporters did not deliver stays in the queue for the next start.
        await exporters.stop();
        await queue.close();
        await json.close();
        await closeServer(health.server, health.guard);
      })();
      return closing;
    },
  };
}

/** JSON bodies from local applications: objects plus arrays, checked before parsing. */
const MAX_JSON_CONTAINERS = 1_000_000;

interface AgentExporters {
  readonly runners: ReadonlyMap<string, ExporterRunner>;
  readonly readers: ReadonlyMap<string, QueueReader>;
  /** Stops the runners (what they did not deliver stays queued), then the exporters. */
  stop(): Promise<void>;
}

/** The local and hub exporters, each on its own queue reader; a reader no longer configured is removed. */
async function startAgentExporters(
  config: AgentConfig,
  queue: DurableQueue,
  policies: AgentPolicies,
  metrics: AgentMetrics,
  logger: Logger,
  options: StartAgentOptions,
): Promise<AgentExporters> {
  const runners = new Map<string, ExporterRunner>();
  const readers = new Map<string, QueueReader>();
  const exporters: Exporter[] = [];
  const start = (readerName: string, exporter: Exporter, settings: AgentConfig['exporters']['local']): void => {
    exporters.push(exporter);
    const reader = queue.reader(readerName);
    readers.set(readerName, reader);
    runners.set(
      readerName,
      startExporterRunner({
        exporter,
        reader: batchingReader(reader, settings.batch.maxDelayMs),
        legacyRecords: 'agent',
        batchMaxRecords: settings.batch.maxItems,
        batchMaxBytes: settings.batch.maxBytes,
        retry: { initialMs: settings.retry.initialBackoffSeconds * 1000, maxMs: settings.retry.maxBackoffSeconds * 1000 },
        logger,
        onOutcome: (outcome) => metrics.exportBatches.inc({ exporter: exporter.name, outcome: outcome.kind }),
      }),
    );
  };
  const { local, hub } = config.exporters;
  // A reader left from an earlier configuration would hold back segment deletion forever.
  if (local.endpoint !== null) start(LOCAL_READER, createLocalExporter(local, local.endpoint, metrics, logger), local);
  else await queue.removeReader(LOCAL_READER);
  if (hub.endpoint !== null) {
    const hubExporter = createAgentHubExporter(hub, hub.endpoint, policies, metrics, logger, options);
    // Ask for the key now so a misconfiguration shows in the log at start; export retries it anyway.
    void hubExporter.ensureApiKey();
    start(HUB_READER, hubExporter, hub);
  } else await queue.removeReader(HUB_READER);
  if (runners.size === 0) logger.warn('agent: neither exporters.local.endpoint nor exporters.hub.endpoint is set; data is only queued');
  return {
    runners,
    readers,
    async stop() {
      await Promise.all([...runners.values()].map((r) => r.stop()));
      await Promise.all(exporters.map((e) => e.close()));
    },
  };
}

function createLocalExporter(local: AgentConfig['exporters']['local'], endpoint: string, metrics: AgentMetrics, logger: Logger): Exporter {
  return createOtlpExporter({
    name: 'local',
    endpoint,
    headers: local.headers,
    timeoutMs: local.timeoutSeconds * 1000,
    onRejected: (status, message) => {
      metrics.rejections.inc({ exporter: 'local', status: String(status) });
      logger.error({ exporter: 'local', status, reason: message }, 'local stack rejected data; skipped');
    },
    onItems: (signal, c) => metrics.exportedItems.inc({ exporter: 'local', signal }, c.sent),
  });
}

function createAgentHubExporter(
  hub: AgentConfig['exporters']['hub'],
  endpoint: string,
  policies: AgentPolicies,
  metrics: AgentMetrics,
  logger: Logger,
  options: StartAgentOptions,
): HubExporter {
  const partialLog = partialSuccessLog(logger);
  return createHubExporter({
    endpoint,
    region: hub.region,
    service: hub.service,
    credentials: hub.credentials,
    apiKey: hub.apiKey,
    filter: (signal, payload) => policies.optIn(signal, payload),
    headers: hub.headers,
    timeoutMs: hub.timeoutSeconds * 1000,
    logger,
    ...(options.httpGet === undefined ? {} : { httpGet: options.httpGet }),
    onRejected: (status, message) => {
      metrics.rejections.inc({ exporter: 'hub', status: String(status) });
      logger.error({ exporter: 'hub', status, reason: message }, 'the hub rejected data; skipped');
    },
    onItems: (signal, c) => {
      metrics.exportedItems.inc({ exporter: 'hub', signal }, c.sent);
      metrics.filteredItems.inc({ signal }, c.filtered);
    },
    onPartialSuccess: (signal, rejected, message) => {
      metrics.hubRejectedItems.inc({ signal }, rejected);
      partialLog(signal, rejected, message);
    },
  });
}

/**
 * Items the hub dropped from accepted requests (partial_success, e.g. no `source.name`): counted
 * in /metrics on every answer, logged at most once per signal every 30 s so a misconfigured
 * source does not flood the log but never goes unnoticed.
 */
function partialSuccessLog(logger: Logger): (signal: Signal, rejected: number, message: string) => void {
  const logged = new Map<Signal, { at: number; suppressed: number }>();
  return (signal, rejected, message) => {
    const now = Date.now();
    const last = logged.get(signal);
    if (last !== undefined && now - last.at < 30_000) {
      last.suppressed += rejected;
      return;
    }
    logger.warn(
      { exporter: 'hub', signal, rejected, suppressedSinceLastLog: last?.suppressed ?? 0, reason: message },
      'the hub accepted the request but dropped items; fix the sender or set resource.sourceName',
    );
    logged.set(signal, { at: now, suppressed: 0 });
  };
}

/** The OTLP receiver shared with the hub, without authentication or usage plan: it serves the workload's own applications. */
function createAgentReceiver(
  otlp: AgentConfig['receivers']['otlp'],
  maxConnections: number | undefined,
  accept: AcceptRequest,
  metrics: AgentMetrics,
  httpMetrics: HttpMetrics,
  logger: Logger,
): OtlpReceiver {
  return createOtlpReceiver({
    name: 'agent_otlp',
    ownerName: 'agent',
    configKey: 'receivers.otlp',
    host: otlp.host,
    port: otlp.port,
    maxBodyBytes: otlp.maxBodyBytes,
    maxDecompressedBytes: otlp.maxDecompressedBytes,
    requestTimeoutMs: otlp.requestTimeoutSeconds * 1000,
    maxConcurrentRequests: otlp.maxConcurrentRequests,
    maxConnections: maxConnections ?? otlp.maxConnections,
    maxConnectionsPerClient: otlp.maxConnectionsPerClient,
    headersTimeoutMs: otlp.headersTimeoutSeconds * 1000,
    idleTimeoutMs: otlp.idleTimeoutSeconds * 1000,
    httpMetrics,
    logger,
    accept,
    metrics: { requests: metrics.receiverRequests },
    observer: { failed: (err) => logger.error({ err }, 'agent receiver: request failed') },
  });
}

/** The Prometheus scraper, when targets are configured: scraped text becomes OTLP once, then bytes like everything received. */
function createAgentScraper(prom: AgentConfig['receivers']['prometheus'], accept: AcceptRequest, metrics: AgentMetrics, logger: Logger): Scraper | undefined {
  if (prom.targets.length === 0 && prom.fileSd.length === 0) return undefined;
  return createScraper({
    targets: prom.targets,
    fileSd: prom.fileSd,
    intervalMs: prom.scrapeIntervalSeconds * 1000,
    timeoutMs: prom.scrapeTimeoutSeconds * 1000,
    maxBodyBytes: prom.maxBodyBytes,
    async onMetrics(request) {
      const outcome = await accept('metrics', encodeRequest('metrics', request, 'protobuf'), 'protobuf', '', () => undefined);
      // A scrape cannot be pushed back on: the next one carries the counters' new totals anyway.
      if (outcome.kind !== 'ok') logger.warn({ outcome: outcome.kind, reason: outcome.message }, 'agent queue did not take a scrape; its samples are dropped');
    },
    onScrape: (r) => {
      metrics.scrapes.inc({ up: r.up ? '1' : '0' });
      if (!r.up) logger.warn({ target: r.target.url, error: r.error }, 'scrape failed');
    },
    onError: (message) => logger.warn({ reason: message }, 'prometheus receiver problem'),
  });
}

function createHealthServer(
  metrics: AgentMetrics,
  queue: DurableQueue,
  runners: ReadonlyMap<string, ExporterRunner>,
  options: { maxConnections: number; httpMetrics: HttpMetrics; logger: Logger },
): GuardedServer {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      sendErrorJson(res, 'E2E_METHOD_NOT_ALLOWED', `${req.method ?? ''} is not supported; the health server answers GET`);
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path === '/metrics') {
      metrics.queueDepthBytes.set(queue.depthBytes());
      metrics.queueDepthRecords.set(queue.depthRecords());
      for (const [name, r] of runners) {
        const lag = r.stats().lagSeconds;
        if (lag !== undefined) metrics.exportLagSeconds.set({ exporter: name }, lag);
      }
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        () => sendErrorJson(res, 'E2E_INTERNAL', 'rendering metrics failed'),
      );
      return;
    }
    sendErrorJson(res, 'E2E_NOT_FOUND', 'not found; try /healthz or /metrics');
  };
  return createHttpServer(
    {
      name: 'agent_health',
      // Probes and scrapes: short requests, nothing to wait for.
      limits: { maxConnections: options.maxConnections, maxConnectionsPerClient: 0, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, idleTimeoutMs: 5_000 },
      metrics: options.httpMetrics,
      logger: options.logger,
    },
    handler,
  );
}

