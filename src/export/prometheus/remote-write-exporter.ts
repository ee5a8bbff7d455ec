import { decodeItems } from '../decode-items.js';
import { retryableOutcome, type Exporter, type ExportItem, type ExportOutcome } from '../exporter.js';
import { createHttpSender, lowerCaseKeys } from '../http-sender.js';
import { otlpToPrometheus, type AccountMetrics, type TranslationDrops } from './otlp-to-prometheus.js';
import { encodeWriteRequest, snappyCompress } from './remote-write-encode.js';

export interface PrometheusRemoteWriteExporterOptions {
  name: string;
  /** Full remote-write URL, e.g. http://prometheus:9090/api/v1/write or Mimir's /api/v1/push. */
  endpoint: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Sent as X-Scope-OrgID when set (Mimir, Cortex). */
  tenant?: string;
  maxConnections?: number;
  /** Emit target_info series (default true); see TranslationOptions. */
  targetInfo?: boolean;
}

export interface PrometheusRemoteWriteStats extends TranslationDrops {
  /** Series and samples sent in successful requests. */
  sentSeries: number;
  sentSamples: number;
}

export interface PrometheusRemoteWriteExporter extends Exporter {
  stats(): PrometheusRemoteWriteStats;
}

/**
 * Prometheus remote write 1.0 exporter. Metrics items are translated (see otlp-to-prometheus.ts),
 * encoded as one WriteRequest per batch and snappy-compressed; traces and logs are ignored.
 * Retry rules are remote write's (5xx and 429 retried, other 4xx final).
 */
export function createPrometheusRemoteWriteExporter(
  options: PrometheusRemoteWriteExporterOptions,
): PrometheusRemoteWriteExporter {
  if (options.name === '') throw new TypeError('prometheus remote write exporter: name is required');
  try {
    new URL(options.endpoint);
  } catch {
    throw new TypeError(`prometheus remote write exporter ${options.name}: invalid endpoint ${options.endpoint}`);
  }
  const sender = createHttpSender({
    timeoutMs: options.timeoutMs,
    retryProtocol: 'remote-write',
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
  });
  const headers: Record<string, string> = {
    ...lowerCaseKeys(options.headers ?? {}),
    'content-type': 'application/x-protobuf',
    'content-encoding': 'snappy',
    'x-prometheus-remote-write-version': '0.1.0',
    'user-agent': 'e2e-o11y',
  };
  if (options.tenant !== undefined) headers['x-scope-orgid'] = options.tenant;

  const stats: PrometheusRemoteWriteStats = {
    deltaPoints: 0,
    exponentialHistogramPoints: 0,
    invalidPoints: 0,
    sentSeries: 0,
    sentSamples: 0,
  };

  return {
    name: options.name,
    async export(items: ExportItem[]): Promise<ExportOutcome> {
      const { decoded, undecodable } = decodeItems(items, 'metrics');
      stats.invalidPoints += undecodable;
      const metrics: AccountMetrics[] = decoded;
      if (metrics.length === 0) return { kind: 'success' };
      const { request, dropped } = otlpToPrometheus(metrics, { targetInfo: options.targetInfo ?? true });
      if (request.timeseries.length === 0) {
        addDrops(stats, dropped);
        return { kind: 'success' };
      }
      const body = snappyCompress(encodeWriteRequest(request));
      const outcome = await sender.send({ url: options.endpoint, headers, body, gzip: false });
      switch (outcome.kind) {
        case 'success': {
          // Drops are counted once per batch that went through, not once per retry.
          addDrops(stats, dropped);
          stats.sentSeries += request.timeseries.length;
          for (const ts of request.timeseries) stats.sentSamples += ts.samples.length;
          return { kind: 'success' };
        }
        case 'retryable':
          return retryableOutcome(outcome.message, outcome.retryAfterMs);
        case 'failure':
          addDrops(stats, dropped);
          return { kind: 'failure', message: outcome.message };
      }
    },
    stats: () => ({ ...stats }),
    close(): Promise<void> {
      sender.close();
      return Promise.resolve();
    },
  };
}

function addDrops(into: TranslationDrops, dropped: TranslationDrops): void {
  into.deltaPoints += dropped.deltaPoints;
  into.exponentialHistogramPoints += dropped.exponentialHistogramPoints;
  into.invalidPoints += dropped.invalidPoints;
}
