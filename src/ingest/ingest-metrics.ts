import type { Counter, Histogram } from 'prom-client';

/**
 * The metrics ingest reports into (owned here, created by whoever assembles the server: the hub's
 * registry has them under these names). Labels as in the README's /metrics list.
 */
export interface IngestMetrics {
  readonly requests: Counter<'signal' | 'code'>;
  readonly requestSeconds: Histogram<'signal'>;
  readonly requestBytes: Counter<'signal'>;
  readonly items: Counter<'signal' | 'outcome'>;
  readonly rejectedByRule: Counter<'signal' | 'rule'>;
  readonly throttled: Counter<'reason'>;
  readonly denied: Counter<'code'>;
}
