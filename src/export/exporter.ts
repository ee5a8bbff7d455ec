import type { RecordView } from '../pipeline/queue-record.js';

/**
 * One queued request as exporters receive it: signal, account, receive time, item count and the
 * stamped OTLP protobuf payload, straight from the queue record (nothing decoded).
 */
export type ExportItem = RecordView;

/**
 * What an export attempt came to. 'retryable': the backend could not take the data now (network,
 * 429, 503…) and the same batch should be sent again; 'failure': the backend rejected the data
 * itself, so sending it again cannot help.
 */
export type ExportOutcome =
  | { kind: 'success' }
  | { kind: 'retryable'; retryAfterMs?: number; message: string }
  | { kind: 'failure'; message: string };

/** A retryable outcome, carrying the backend's Retry-After when it gave one. */
export function retryableOutcome(message: string, retryAfterMs: number | undefined): ExportOutcome {
  return retryAfterMs === undefined ? { kind: 'retryable', message } : { kind: 'retryable', retryAfterMs, message };
}

/** Implemented by every exporter (OTLP/HTTP, Prometheus remote write, Loki). */
export interface Exporter {
  readonly name: string;
  /** Sends one batch. Returns an outcome; it throws only on programming errors. */
  export(items: ExportItem[]): Promise<ExportOutcome>;
  close(): Promise<void>;
}
