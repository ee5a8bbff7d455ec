/** Prometheus remote write 1.0: OTLP → Prometheus translation, WriteRequest encoding, the exporter. */
export { createPrometheusRemoteWriteExporter } from './remote-write-exporter.js';
export type {
  PrometheusRemoteWriteExporter,
  PrometheusRemoteWriteExporterOptions,
  PrometheusRemoteWriteStats,
} from './remote-write-exporter.js';
export { otlpToPrometheus, normalizeMetricName, normalizeLabelName, formatFloat, ACCOUNT_LABEL } from './otlp-to-prometheus.js';
export type { AccountMetrics, PromMetricKind, TranslationDrops, TranslationOptions, TranslationResult } from './otlp-to-prometheus.js';
export { encodeWriteRequest, snappyCompress } from './remote-write-encode.js';
export { PromMetricType } from './types.js';
export type { PromLabel, PromMetadata, PromSample, PromTimeSeries, PromWriteRequest } from './types.js';
