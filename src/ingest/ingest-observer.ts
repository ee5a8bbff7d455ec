import type { Logger } from 'pino';
import type { Signal } from '../otlp/model.js';
import type { IngestStatsObserver } from '../stats/index.js';
import type { PreparedRecord } from './ingest-accept.js';
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

/** The hub's count of accepted and rejected items: per signal and rule (metrics) and per account (stats). */
export function createItemCounter(options: {
  metrics: Pick<IngestMetrics, 'items' | 'rejectedByRule'>;
  stats: IngestStatsObserver;
}): (accountId: string, signal: Signal, prepared: PreparedRecord) => void {
  const { metrics, stats } = options;
  return (accountId, signal, prepared) => {
    metrics.items.inc({ signal, outcome: 'accepted' }, prepared.accepted);
    if (prepared.rejected > 0) {
      metrics.items.inc({ signal, outcome: 'rejected' }, prepared.rejected);
      for (const r of prepared.rejections) {
        metrics.rejectedByRule.inc({ signal, rule: r.name }, r.count);
        stats.recordRejectedByRule(accountId, signal, r.name, r.count);
      }
    }
    stats.recordItems(accountId, signal, prepared.accepted, prepared.rejected);
  };
}
