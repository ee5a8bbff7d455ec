import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { AccountRegistry } from '../accounts/index.js';
import type { HubConfig } from '../config/index.js';
import { createConsoleServer, type ApiRoute, type ConsoleServer } from '../console/index.js';
import { createIngestAccept, createIngestObserver, createItemCounter, createOtlpReceiver, type Authenticator, type LimitCheck, type OtlpReceiver } from '../ingest/index.js';
import { createHttpMetrics, fitConnectionLimits, READY, softOpenFilesLimit } from '../http/index.js';
import { createDurableQueue, queueLogHooks } from '../queue/index.js';
import { createHubPolicies, createJsonConverter } from '../pipeline/index.js';
import type { DurableQueue, QueueStats } from '../queue/types.js';
import { startEmbeddedStore, type EmbeddedStore } from '../store/index.js';
import { AccountStatsBook, createStatsHistory, type StatsHistory } from '../stats/index.js';
import { createProcessCatalog, toStoreDefinition } from '../processes/index.js';
import { startAlertEngine, type AlertEngine } from '../alerts/index.js';
import { createFileViewerTokenStore } from '../access/index.js';
import { accountInfoProvider } from './account-info.js';
import { createHubMetrics, type HubMetrics } from './hub-metrics.js';
import { createSecurity, type HubSecurity } from './security.js';
import { startExporters, type RunningExporters } from './exporters.js';
import { watchConfig } from './config-watch.js';

export interface Hub {
  readonly otlpAddress: AddressInfo;
  readonly consoleAddress: AddressInfo;
  readonly adminToken: string;
  readonly config: HubConfig;
  readonly metrics: HubMetrics;
  readonly security: HubSecurity;
  /** Stops ingest (503 to new requests), drains in-flight requests and the store, closes everything. */
  close(): Promise<void>;
}

/**
 * Assembles a hub from its config: durable queue → embedded store consumer and exporters; security
 * (accounts, SigV4/basic/none, usage plans); ingest and console servers.
 */
export interface StartHubOptions {
  /** The YAML file the config came from: watched, and plans and validation rules reloaded on change. */
  configFile?: string;
  /** Applied to every reloaded config before it takes effect (the demo adds its process definitions). */
  transformConfig?: (config: HubConfig) => HubConfig;
}

export async function startHub(config: HubConfig, logger: Logger, options: StartHubOptions = {}): Promise<Hub> {
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const metrics = createHubMetrics();

  const cleanups: (() => Promise<void>)[] = [];
  try {
    // Issue 10: per-account history on disk (its own DuckDB file), fed by the stats book.
    const history: StatsHistory = await createStatsHistory({ path: join(dataDir, 'history.duckdb'), retentionDays: config.stats.historyRetentionDays, logger });
    cleanups.push(() => history.close());
    const stats = new AccountStatsBook({ dataDir, history });
    await stats.load();
    const queue: DurableQueue = await createDurableQueue({
      dir: join(dataDir, 'queue'),
      maxBytes: config.queue.maxBytes,
      segmentBytes: config.queue.segmentBytes,
      // queue: damage, write errors and health changes in the log (readiness/metrics: queue.health(), queue.stats()).
      ...queueLogHooks(logger, 'hub'),
    });
    cleanups.push(() => queue.close());

    const { enabled: storeEnabled, ...storeOptions } = config.exporters.embedded;
    const store: EmbeddedStore | undefined = storeEnabled
      ? await startEmbeddedStore({
          ...storeOptions,
          path: join(dataDir, 'store.duckdb'),
          reader: queue.reader('embedded'),
          logger: logger.child({ part: 'store' }),
          onStored: (n) => metrics.exportItems.inc({ exporter: 'embedded', outcome: 'sent' }, n),
          // Known before the first record is stored, so spans replayed from the queue are linked too.
          processes: config.processes.map(toStoreDefinition),
        })
      : undefined;
    if (store !== undefined) cleanups.push(() => store.close());
    // Issue 10: business processes (the store links spans to keys as it stores them), live config.
    const processes = createProcessCatalog(config.processes, (defs) => store?.setProcesses(defs));
    let liveConfig = config;
    const exporters: RunningExporters = startExporters(config, queue, metrics, logger);
    cleanups.push(() => exporters.stop());

    const security = await createSecurity(config, dataDir, logger, (degraded) => metrics.limitsDegraded.set(degraded ? 1 : 0));
    cleanups.push(() => security.close());
    const { maxJsonContainers, ...scanLimits } = config.otlp.limits;
    const policies = createHubPolicies(scanLimits, config.validation.rules);
    const json = createJsonConverter();
    cleanups.push(() => json.close());
    if (options.configFile !== undefined) {
      const watcher = watchConfig(options.configFile, config, logger, (loaded) => {
        const next = options.transformConfig?.(loaded) ?? loaded;
        policies.setRules(next.validation.rules);
        security.setPlans(next.usagePlans);
        liveConfig = next;
        processes.set(next.processes);
        logger.info(
          { file: options.configFile, plans: Object.keys(next.usagePlans), rules: next.validation.rules.length, processes: next.processes.length, alertRules: next.alerts.rules.length },
          'config reloaded: usage plans, validation rules, processes and alert rules applied',
        );
      });
      cleanups.push(() => watcher.close());
    }
    const authenticator: Authenticator = security.authenticator;
    const limit: LimitCheck = (accountId, bytes, opts) => security.limit(accountId, bytes, opts);

    // --- http: connection limits fitted to the open-files limit, connection metrics ---
    const httpMetrics = createHttpMetrics(metrics.registry);
    const budget = fitConnectionLimits({ otlp: config.otlp.maxConnections, console: config.console.maxConnections }, softOpenFilesLimit());
    if (budget.warning !== undefined) logger.warn({ limits: budget.limits }, budget.warning);
    // --- end http ---
    // --- ingest: the OTLP receiver (shared with the agent) with the hub's authentication, usage plan and accept step ---
    const ingest: OtlpReceiver = createOtlpReceiver({
      name: 'otlp',
      ownerName: 'hub',
      configKey: 'otlp',
      host: config.otlp.host,
      port: config.otlp.port,
      maxBodyBytes: config.otlp.maxBodyBytes,
      maxDecompressedBytes: config.otlp.maxDecompressedBytes,
      maxDecompressedBytesInFlight: config.otlp.maxDecompressedBytesInFlight,
      maxConcurrentRequests: config.otlp.maxConcurrentRequests,
      requestTimeoutMs: config.otlp.requestTimeoutSeconds * 1000,
      maxConnections: budget.limits['otlp'] ?? config.otlp.maxConnections,
      maxConnectionsPerClient: config.otlp.maxConnectionsPerClient,
      headersTimeoutMs: config.otlp.headersTimeoutSeconds * 1000,
      idleTimeoutMs: config.otlp.idleTimeoutSeconds * 1000,
      allowedHosts: config.otlp.allowedHosts,
      httpMetrics,
      tls: security.tlsOptions,
      logger,
      authenticator,
      limit,
      accept: createIngestAccept({
        ownerName: 'hub',
        policyFor: (signal) => policies.forSignal(signal),
        json,
        maxJsonContainers,
        queue,
        onAccepted: createItemCounter({ metrics, stats }),
      }),
      metrics,
      observer: createIngestObserver({ metrics, stats, logger }),
    });
    // --- end ingest ---
    security.onTlsChange((tls) => ingest.setSecureContext(tls));
    const otlpAddress = await ingest.listen();
    let ingestClosed = false;
    cleanups.push(async () => {
      if (!ingestClosed) await ingest.close();
    });

    const apiRoutes: ApiRoute[] = [...security.apiRoutes];
    const accountInfo = accountInfoProvider(security.registry, (id) => security.planOf(id), (id) => security.quotaUsed(id));
    // Started once the console listens (its address is the default base of alert links).
    const alerts: { engine?: AlertEngine } = {};
    const consoleServer: ConsoleServer = createConsoleServer({
      host: config.console.host,
      port: config.console.port,
      adminToken: security.adminToken,
      store,
      stats,
      metrics,
      logger,
      // /readyz: every part that can stop the hub taking or serving data says why it is not ready.
      readiness: {
        hub: () => (closing ? { ready: false, reasons: ['shutting down'] } : READY),
        ingest: () => ingest.readiness(),
        // The queue cannot write (ingest answers 503 meanwhile); it retries by itself.
        queue: () => {
          const h = queue.health();
          return h.state === 'ok' ? READY : { ready: false, reasons: [h.state === 'closed' ? 'closed' : `cannot write: ${h.lastError ?? 'unknown error'}; retrying`] };
        },
        // Not ready while the store worker restarts: its queries fail (ingest keeps queueing meanwhile).
        store: () => (store === undefined || store.status().up ? READY : { ready: false, reasons: ['embedded store worker restarting'] }),
      },
      maxConnections: budget.limits['console'] ?? config.console.maxConnections,
      maxConnectionsPerClient: config.console.maxConnectionsPerClient,
      headersTimeoutMs: config.console.headersTimeoutSeconds * 1000,
      requestTimeoutMs: config.console.requestTimeoutSeconds * 1000,
      idleTimeoutMs: config.console.idleTimeoutSeconds * 1000,
      httpMetrics,
      apiRoutes,
      tokens: createFileViewerTokenStore({ dataDir }),
      processes,
      accountInfo,
      history,
      alerts: { list: () => alerts.engine?.list() ?? [] },
      beforeMetrics: scrapeTimeMetrics(metrics, { queue, registry: security.registry, store, exporters }),
    });
    const consoleAddress = await consoleServer.listen();
    cleanups.push(() => consoleServer.close());
    const consoleHost = consoleAddress.address === '0.0.0.0' || consoleAddress.address === '::' ? '127.0.0.1' : consoleAddress.address;
    const ownUrl = `http://${consoleHost.includes(':') ? `[${consoleHost}]` : consoleHost}:${consoleAddress.port}`;
    const runningAlerts = startAlertEngine({
      config: () => liveConfig.alerts,
      processes,
      store,
      accounts: () => [...new Set([...accountInfo.accountIds(), ...stats.list().map((s) => s.accountId)])],
      lastSeenNs: (id) => {
        const seen = stats.get(id)?.lastSeenUnixNano;
        return seen === undefined || seen === null ? null : BigInt(seen);
      },
      history,
      publicUrl: (config.console.publicUrl ?? ownUrl).replace(/\/+$/, ''),
      logger,
    });
    alerts.engine = runningAlerts;
    cleanups.push(() => runningAlerts.stop());

    const statsTimer = setInterval(() => {
      stats.save().catch((err: unknown) => logger.warn({ err }, 'saving stats failed'));
    }, 5000);
    statsTimer.unref();

    let closing = false;
    let closed: Promise<void> | undefined;
    logger.info(
      { otlp: `${otlpAddress.address}:${otlpAddress.port}`, console: `${consoleAddress.address}:${consoleAddress.port}`, dataDir, auth: config.auth.mode },
      'hub started',
    );
    if (config.auth.mode === 'none') {
      logger.warn({ accountId: config.auth.none.accountId }, 'auth.mode is none: every request is accepted as one account; for local development only');
    }

    return {
      otlpAddress,
      consoleAddress,
      adminToken: security.adminToken,
      config,
      metrics,
      security,
      close() {
        closed ??= (async () => {
          closing = true;
          // One deadline for the whole drain: in-flight requests first, then exporters catch up; past it
          // the remaining connections are destroyed and what is not exported stays queued on disk.
          const deadline = Date.now() + config.shutdown.drainSeconds * 1000;
          const drained = await ingest.drain(config.shutdown.drainSeconds * 1000);
          if (drained === 'deadline') logger.warn({ drainSeconds: config.shutdown.drainSeconds }, 'drain deadline reached: remaining ingest connections closed');
          ingestClosed = true;
          if (store !== undefined) await store.waitFor(queue.endPosition(), Math.max(0, deadline - Date.now()));
          clearInterval(statsTimer);
          await stats.save().catch(() => undefined);
          for (const c of cleanups.reverse()) await c().catch((err: unknown) => logger.warn({ err }, 'close step failed'));
          logger.info('hub stopped');
        })();
        return closed;
      },
    };
  } catch (err) {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    throw err;
  }
}

const QUEUE_EVENTS: readonly [keyof QueueStats, string][] = [
  ['appends', 'appends'],
  ['fsyncs', 'fsyncs'],
  ['fullRejections', 'rejected_full'],
  ['unavailableRejections', 'rejected_unavailable'],
  ['corruptions', 'corruptions'],
  ['corruptedBytes', 'corrupted_bytes'],
  ['quarantinedBytes', 'quarantined_bytes'],
  ['truncatedBytes', 'truncated_bytes'],
  ['clampedPositions', 'clamped_positions'],
  ['ioErrors', 'io_errors'],
  ['recoveries', 'recoveries'],
];

/**
 * What `/metrics` reads from the parts just before each scrape: queue depth and its own counters
 * (moved in by their increase since the last scrape), registry integrity, store status, exporters.
 */
function scrapeTimeMetrics(
  metrics: HubMetrics,
  parts: { queue: DurableQueue; registry: AccountRegistry | undefined; store: EmbeddedStore | undefined; exporters: RunningExporters },
): () => void {
  const { queue, registry, store, exporters } = parts;
  const reported = new Map<string, number>();
  return () => {
    metrics.queueDepthBytes.set(queue.depthBytes());
    metrics.queueDepthRecords.set(queue.depthRecords());
    const stats = queue.stats();
    for (const [field, event] of QUEUE_EVENTS) {
      const total = stats[field];
      const delta = total - (reported.get(event) ?? 0);
      if (delta > 0) metrics.queueEvents.inc({ event }, delta);
      reported.set(event, total);
    }
    metrics.queueDegraded.set(queue.health().state === 'degraded' ? 1 : 0);
    const integrity = registry?.integrity();
    if (integrity !== undefined) {
      metrics.registryTamperedRows.set(integrity.tamperedRows);
      metrics.registryRowSetAltered.set(integrity.rowSetAltered ? 1 : 0);
      metrics.registryWriteErrors.set(integrity.writeErrors);
    }
    if (store !== undefined) {
      const st = store.status();
      metrics.exportLagSeconds.set({ exporter: 'embedded' }, st.lagSeconds);
      metrics.storeUp.set(st.up ? 1 : 0);
      metrics.storeRestarts.set(st.restarts);
      metrics.storeDiskBytes.set({ kind: 'file' }, st.fileBytes);
      metrics.storeDiskBytes.set({ kind: 'used' }, st.usedBytes);
      if (st.oldestRetainedMs !== undefined) metrics.storeOldestRetainedSeconds.set(st.oldestRetainedMs / 1000);
      metrics.storeDamagedRecords.set(st.damagedRecords);
      metrics.storeMemoryBytes.set({ kind: 'rss' }, st.memory.rssBytes);
      metrics.storeMemoryBytes.set({ kind: 'heap' }, st.memory.heapUsedBytes);
      metrics.storeMemoryBytes.set({ kind: 'external' }, st.memory.externalBytes);
      metrics.storeMemoryBytes.set({ kind: 'duckdb' }, st.memory.duckdbBytes);
    }
    exporters.updateMetrics();
  };
}
