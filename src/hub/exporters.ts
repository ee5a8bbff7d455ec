import type { Logger } from 'pino';
import type { HubConfig } from '../config/index.js';
import {
  createOtlpExporter,
  createLokiExporter,
  createPrometheusRemoteWriteExporter,
  startExporterRunner,
  type Exporter,
  type ExporterRunner,
} from '../export/index.js';
import type { DurableQueue } from '../queue/types.js';
import type { HubMetrics } from './hub-metrics.js';

export interface RunningExporters {
  updateMetrics(): void;
  stop(): Promise<void>;
}

/**
 * Starts one queue-fed runner per configured OTLP / remote-write exporter. Each reads the durable
 * queue with its own named cursor, so an outage of one backend neither loses acknowledged data nor
 * holds up ingest or the other exporters (until the queue bound answers 503).
 */
export function startExporters(config: HubConfig, queue: DurableQueue, metrics: HubMetrics, logger: Logger): RunningExporters {
  const running: { name: string; exporter: Exporter; runner: ExporterRunner; sent: number; failed: number; retries: number }[] = [];
  const start = (name: string, exporter: Exporter): void => {
    const runner = startExporterRunner({
      exporter,
      reader: queue.reader(`exporter-${name}`),
      batchMaxRecords: 256,
      batchMaxBytes: 8 * 1024 * 1024,
      retry: { initialMs: 200, maxMs: 30_000 },
      logger: logger.child({ exporter: name }),
    });
    running.push({ name, exporter, runner, sent: 0, failed: 0, retries: 0 });
  };
  for (const e of config.exporters.otlp) {
    start(
      `otlp-${e.name}`,
      createOtlpExporter({
        name: e.name,
        endpoint: e.endpoint,
        endpoints: e.endpoints,
        signals: e.signals,
        headers: e.headers,
        tenant: config.tenant,
        timeoutMs: e.timeoutSeconds * 1000,
      }),
    );
  }
  for (const e of config.exporters.prometheusRemoteWrite) {
    start(
      `prw-${e.name}`,
      createPrometheusRemoteWriteExporter({ name: e.name, endpoint: e.endpoint, headers: e.headers, tenant: config.tenant, timeoutMs: e.timeoutSeconds * 1000 }),
    );
  }
  for (const e of config.exporters.loki) {
    start(
      `loki-${e.name}`,
      createLokiExporter({ name: e.name, endpoint: e.endpoint, indexLabels: e.indexLabels, tenant: config.tenant, headers: e.headers, timeoutMs: e.timeoutSeconds * 1000 }),
    );
  }
  return {
    updateMetrics() {
      for (const r of running) {
        const s = r.runner.stats();
        metrics.exportItems.inc({ exporter: r.name, outcome: 'sent' }, s.sentItems - r.sent);
        metrics.exportItems.inc({ exporter: r.name, outcome: 'failed' }, s.failedItems - r.failed);
        metrics.exportRetries.inc({ exporter: r.name }, s.retries - r.retries);
        r.retries = s.retries;
        r.sent = s.sentItems;
        r.failed = s.failedItems;
        metrics.exportLagSeconds.set({ exporter: r.name }, s.lagSeconds ?? 0);
      }
    },
    async stop() {
      for (const r of running) {
        await r.runner.stop();
        await r.exporter.close();
      }
    },
  };
}
