import type { Logger } from 'pino';
import type { IngestStatsObserver } from '../stats/index.js';
import type { IngestMetrics } from './ingest-metrics.js';
import type { ReceiverObserver } from './otlp-receiver.js';

/**
 * The hub's view of its receiver's refusals: denials and throttling counted per status/reason
 * (metrics) and per account (stats); 5xx refusals and failures in the log.
 */
export function createIngestObserver(options: {
  metrics: Pick<IngestMetrics, 'denied' | 'throttled'>;
  stats: IngestStatsObserver;
  logger: Logger;
}): ReceiverObserver {
  const { metrics, stats, logger } = options;
  return {
    denied(status, accountId) {
      metrics.denied.inc({ code: String(status) });
      if (accountId !== undefined) stats.recordDenied(accountId);
    },
    throttled(reason, accountId) {
      metrics.throttled.inc({ reason });
      stats.recordThrottled(accountId);
    },
    unavailable(signal, reply) {
      logger.warn({ signal, status: reply.status, message: reply.message }, 'ingest refused');
    },
    failed(err) {
      logger.error({ err }, 'ingest request failed');
    },
  };
}
