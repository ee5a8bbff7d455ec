/**
 * Exporters: what the hub does with queued data. A runner per exporter reads its own queue cursor,
 * batches, exports and acknowledges; exporters return outcomes ('success' | 'retryable' |
 * 'failure') and the runner turns them into retries or skips.
 */
export { isRetryableStatus, parseRetryAfterMs, backoffMs, MAX_RETRY_AFTER_MS } from './retry-policy.js';
export type { RetryProtocol, BackoffOptions } from './retry-policy.js';
export { createHttpSender } from './http-sender.js';
export type { HttpSender, HttpSenderOptions, SendOutcome, SendRequest } from './http-sender.js';
export type { Exporter, ExportItem, ExportOutcome } from './exporter.js';
export { startExporterRunner } from './exporter-runner.js';
export type {
  ExporterRunner,
  ExporterRunnerOptions,
  ExporterRunnerStats,
  RunnerLogger,
} from './exporter-runner.js';
export { createOtlpExporter } from './otlp-exporter.js';
export type { AuthorizeOutcome, FilteredPayload, OtlpExporterOptions } from './otlp-exporter.js';
export { decodeItems } from './decode-items.js';
export {
  createPrometheusRemoteWriteExporter,
  otlpToPrometheus,
  normalizeMetricName,
  normalizeLabelName,
  encodeWriteRequest,
  snappyCompress,
} from './prometheus/index.js';
export type {
  PrometheusRemoteWriteExporter,
  PrometheusRemoteWriteExporterOptions,
  PrometheusRemoteWriteStats,
  AccountMetrics,
  TranslationDrops,
  TranslationOptions,
  TranslationResult,
  PromWriteRequest,
  PromTimeSeries,
  PromSample,
  PromLabel,
} from './prometheus/index.js';
export { createLokiExporter, lokiLabelName, MAX_LOKI_INDEX_LABELS } from './loki-exporter.js';
export type { LokiExporterOptions } from './loki-exporter.js';
