import { Counter, Gauge, Registry } from 'prom-client';

/** The agent's own Prometheus metrics, in a registry of its own (several agents may share a test process). */
export interface AgentMetrics {
  registry: Registry;
  receiverRequests: Counter<'signal' | 'code'>;
  receivedItems: Counter<'signal' | 'receiver'>;
  scrapes: Counter<'up'>;
  exportedItems: Counter<'exporter' | 'signal'>;
  filteredItems: Counter<'signal'>;
  exportBatches: Counter<'exporter' | 'outcome'>;
  hubRejectedItems: Counter<'signal'>;
  rejections: Counter<'exporter' | 'status'>;
  queueDepthBytes: Gauge;
  queueDepthRecords: Gauge;
  exportLagSeconds: Gauge<'exporter'>;
}

export function createAgentMetrics(): AgentMetrics {
  const registry = new Registry();
  return {
    registry,
    receiverRequests: new Counter({
      name: 'e2e_agent_receiver_requests_total',
      help: 'OTLP/HTTP requests answered by the local receiver, by signal and HTTP status.',
      labelNames: ['signal', 'code'],
      registers: [registry],
    }),
    receivedItems: new Counter({
      name: 'e2e_agent_received_items_total',
      help: 'Spans, data points and log records made durable, by signal and receiver (otlp, prometheus).',
      labelNames: ['signal', 'receiver'],
      registers: [registry],
    }),
    scrapes: new Counter({
      name: 'e2e_agent_scrapes_total',
      help: 'Prometheus scrapes by result (up 1 or 0).',
      labelNames: ['up'],
      registers: [registry],
    }),
    exportedItems: new Counter({
      name: 'e2e_agent_exported_items_total',
      help: 'Items an exporter delivered, by exporter and signal.',
      labelNames: ['exporter', 'signal'],
      registers: [registry],
    }),
    filteredItems: new Counter({
      name: 'e2e_agent_hub_filtered_items_total',
      help: 'Items not opted in for the hub (they still go to the local exporter), by signal.',
      labelNames: ['signal'],
      registers: [registry],
    }),
    exportBatches: new Counter({
      name: 'e2e_agent_export_batches_total',
      help: 'Export attempts by exporter and outcome (success, retryable, failure).',
      labelNames: ['exporter', 'outcome'],
      registers: [registry],
    }),
    hubRejectedItems: new Counter({
      name: 'e2e_agent_hub_rejected_items_total',
      help: 'Items the hub accepted in a request but dropped (partial_success), by signal',
      labelNames: ['signal'],
      registers: [registry],
    }),
    rejections: new Counter({
      name: 'e2e_agent_export_rejections_total',
      help: 'Non-retryable answers (batch skipped), by exporter and HTTP status.',
      labelNames: ['exporter', 'status'],
      registers: [registry],
    }),
    queueDepthBytes: new Gauge({
      name: 'e2e_agent_queue_depth_bytes',
      help: 'Bytes on disk that some exporter has not delivered yet.',
      registers: [registry],
    }),
    queueDepthRecords: new Gauge({
      name: 'e2e_agent_queue_depth_records',
      help: 'Queued requests not yet delivered by the slowest exporter.',
      registers: [registry],
    }),
    exportLagSeconds: new Gauge({
      name: 'e2e_agent_export_lag_seconds',
      help: 'Age of the oldest request an exporter is still trying to deliver (0 when caught up).',
      labelNames: ['exporter'],
      registers: [registry],
    }),
  };
}
