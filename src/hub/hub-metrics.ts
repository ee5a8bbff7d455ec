import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The hub's own health metrics, served on the console port at /metrics. */
export interface HubMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'signal' | 'code'>;
  readonly requestBytes: Counter<'signal'>;
  readonly items: Counter<'signal' | 'outcome'>;
  readonly rejectedByRule: Counter<'signal' | 'rule'>;
  readonly throttled: Counter<'reason'>;
  readonly denied: Counter<'code'>;
  readonly requestSeconds: Histogram<'signal'>;
  readonly queueDepthBytes: Gauge;
  readonly queueDepthRecords: Gauge;
  readonly exportLagSeconds: Gauge<'exporter'>;
  readonly exportItems: Counter<'exporter' | 'outcome'>;
  readonly limitsDegraded: Gauge;
  readonly queueEvents: Counter<'event'>;
  readonly queueDegraded: Gauge;
  readonly registryTamperedRows: Gauge;
  readonly registryRowSetAltered: Gauge;
  readonly registryWriteErrors: Gauge;
  readonly storeUp: Gauge;
  readonly storeRestarts: Gauge;
  readonly storeDiskBytes: Gauge<'kind'>;
  readonly storeOldestRetainedSeconds: Gauge;
  readonly storeDamagedRecords: Gauge;
  readonly storeMemoryBytes: Gauge<'kind'>;
  readonly exportRetries: Counter<'exporter'>;
}

export function createHubMetrics(): HubMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'e2e_process_' });
  return {
    registry,
    requests: new Counter({
      name: 'e2e_ingest_requests_total',
      help: 'OTLP ingest requests by signal and HTTP status code',
      labelNames: ['signal', 'code'],
      registers: [registry],
    }),
    requestBytes: new Counter({
      name: 'e2e_ingest_request_bytes_total',
      help: 'OTLP request body bytes received on the wire',
      labelNames: ['signal'],
      registers: [registry],
    }),
    items: new Counter({
      name: 'e2e_ingest_items_total',
      help: 'Spans, data points and log records by outcome (accepted|rejected)',
      labelNames: ['signal', 'outcome'],
      registers: [registry],
    }),
    rejectedByRule: new Counter({
      name: 'e2e_ingest_rejected_items_total',
      help: 'Items dropped by validation, by rule',
      labelNames: ['signal', 'rule'],
      registers: [registry],
    }),
    throttled: new Counter({
      name: 'e2e_ingest_throttled_requests_total',
      help: 'Requests answered 429 by reason (rate|bytes|quota)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    denied: new Counter({
      name: 'e2e_ingest_denied_requests_total',
      help: 'Requests refused by authentication (401/403)',
      labelNames: ['code'],
      registers: [registry],
    }),
    requestSeconds: new Histogram({
      name: 'e2e_ingest_request_duration_seconds',
      help: 'Time from request start to response, including the durable queue commit',
      labelNames: ['signal'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    queueDepthBytes: new Gauge({
      name: 'e2e_queue_depth_bytes',
      help: 'Bytes in the durable queue not yet acknowledged by every exporter',
      registers: [registry],
    }),
    queueDepthRecords: new Gauge({
      name: 'e2e_queue_depth_records',
      help: 'Records in the durable queue not yet acknowledged by every exporter',
      registers: [registry],
    }),
    exportLagSeconds: new Gauge({
      name: 'e2e_export_lag_seconds',
      help: 'Age of the oldest record an exporter has not yet delivered (0 when caught up)',
      labelNames: ['exporter'],
      registers: [registry],
    }),
    exportItems: new Counter({
      name: 'e2e_export_items_total',
      help: 'Items handed to each exporter by outcome (sent|failed)',
      labelNames: ['exporter', 'outcome'],
      registers: [registry],
    }),
    exportRetries: new Counter({
      name: 'e2e_export_retries_total',
      help: 'Export attempts retried after a retryable failure (backend down, 429/503), per exporter',
      labelNames: ['exporter'],
      registers: [registry],
    }),
    limitsDegraded: new Gauge({
      name: 'e2e_limits_degraded',
      help: '1 while the shared (Redis) usage-plan store is unreachable and this replica limits on its own',
      registers: [registry],
    }),
    queueEvents: new Counter({
      name: 'e2e_queue_events_total',
      help: 'Durable queue events since start: appends, fsyncs, rejected_full, rejected_unavailable, corruptions, corrupted_bytes, quarantined_bytes, truncated_bytes, clamped_positions, io_errors, recoveries',
      labelNames: ['event'],
      registers: [registry],
    }),
    queueDegraded: new Gauge({
      name: 'e2e_queue_degraded',
      help: '1 while the queue cannot write (disk full, I/O or descriptor errors) and retries by itself; ingest answers 503 meanwhile',
      registers: [registry],
    }),
    registryTamperedRows: new Gauge({
      name: 'e2e_registry_tampered_rows',
      help: 'Account registry rows whose MAC did not verify at start: refused (accounts held revoked, keys unusable)',
      registers: [registry],
    }),
    registryRowSetAltered: new Gauge({
      name: 'e2e_registry_row_set_altered',
      help: '1 when registry rows were added, removed or replayed behind the hub (the signed row-set digest differs)',
      registers: [registry],
    }),
    registryWriteErrors: new Gauge({
      name: 'e2e_registry_write_errors',
      help: 'Registry changes that could not be written (the admin API answered an error; nothing changed)',
      registers: [registry],
    }),
    storeUp: new Gauge({
      name: 'e2e_store_up',
      help: '1 while the embedded store worker is running (0 while it restarts; ingest keeps queueing)',
      registers: [registry],
    }),
    storeRestarts: new Gauge({
      name: 'e2e_store_worker_restarts',
      help: 'Times the embedded store worker was restarted after dying, since start',
      registers: [registry],
    }),
    storeDiskBytes: new Gauge({
      name: 'e2e_store_disk_bytes',
      help: 'Embedded store size: kind="file" bytes on disk (database, WAL and payload files), kind="used" bytes of live data',
      labelNames: ['kind'],
      registers: [registry],
    }),
    storeOldestRetainedSeconds: new Gauge({
      name: 'e2e_store_oldest_retained_timestamp_seconds',
      help: 'Receive time (unix seconds) where the oldest retained time slice of the embedded store starts',
      registers: [registry],
    }),
    storeMemoryBytes: new Gauge({
      name: 'e2e_store_memory_bytes',
      help: 'Memory of the embedded store worker by kind: heap (V8 heap used), external (buffers), duckdb (DuckDB buffer manager), rss (of the process it runs in: the hub, or its own with isolation process)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    storeDamagedRecords: new Gauge({
      name: 'e2e_store_damaged_records',
      help: 'Queue records the embedded store could not read and skipped, since start',
      registers: [registry],
    }),
  };
}
