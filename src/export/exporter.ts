import type { StoreItem } from '../store/types.js';

/** One queued request of one account: what every exporter receives. */
export type ExportItem = StoreItem;

/**
 * What an export attempt came to. 'retryable': the backend could not take the data now (network,
 * 429, 503…) and the same batch should be sent again; 'failure': the backend rejected the data
 * itself, so sending it again cannot help.
 */
export type ExportOutcome =
  | { kind: 'success' }
  | { kind: 'retryable'; retryAfterMs?: number; message: string }
  | { kind: 'failure'; message: string };

/** Implemented by every hub exporter (embedded store, OTLP/HTTP, Prometheus remote write). */
export interface Exporter {
  readonly name: string;
  /** Sends one batch. Returns an outcome; it throws only on programming errors. */
  export(items: ExportItem[]): Promise<ExportOutcome>;
  close(): Promise<void>;
}
