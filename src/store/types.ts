
export interface SpanRow {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  accountId: string;
  sourceName: string;
  serviceName: string;
  attributes: Record<string, unknown>;
  status: { code?: number; message?: string };
  events: unknown[];
  links: unknown[];
  resource: Record<string, unknown>;
  /** Instrumentation scope name ('' when absent). */
  scopeName?: string;
  /** W3C tracestate of the span ('' when absent). */
  traceState?: string;
}

export interface LogRow {
  timeUnixNano: string;
  severityNumber: number;
  severityText: string;
  body: unknown;
  accountId: string;
  sourceName: string;
  serviceName: string;
  traceId: string;
  spanId: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  observedTimeUnixNano?: string;
  eventName?: string;
  scopeName?: string;
}

export interface MetricPoint {
  timeUnixNano: string;
  value: number | null;
  /** Histogram / summary details, present for those types only. */
  count?: string;
  sum?: number;
  bucketCounts?: string[];
  explicitBounds?: number[];
  startTimeUnixNano?: string;
  min?: number;
  max?: number;
  /** Summary quantiles. */
  quantiles?: { quantile: number; value: number }[];
  /** Exponential histogram buckets (bucket counts as decimal strings). */
  exponential?: {
    scale: number;
    zeroCount: string;
    zeroThreshold: number;
    positive: { offset: number; bucketCounts: string[] };
    negative: { offset: number; bucketCounts: string[] };
  };
}

export interface MetricSeries {
  name: string;
  type: string;
  unit: string;
  accountId: string;
  sourceName: string;
  attributes: Record<string, unknown>;
  /** Sum only. */
  isMonotonic?: boolean;
  /** AggregationTemporality of sum / histogram / exponential histogram (1 delta, 2 cumulative). */
  temporality?: number;
  points: MetricPoint[];
}

export interface LogQuery {
  account?: string;
  /** Viewer scope: only these accounts. */
  accounts?: readonly string[];
  service?: string;
  /** Lowest SeverityNumber returned (1–24). */
  minSeverity?: number;
  /** Only records of this trace (32 hex). */
  traceId?: string;
  source?: string;
  contains?: string;
  /** unix nanoseconds, inclusive */
  since?: bigint;
  /** unix nanoseconds, exclusive */
  until?: bigint;
  limit: number;
}

export interface MetricQuery {
  name?: string;
  account?: string;
  /** Viewer scope: only these accounts. */
  accounts?: readonly string[];
  since?: bigint;
  until?: bigint;
  /** Cap on points returned in all. */
  limit: number;
}

/**
 * A business process as the store needs it: how to recognise its spans and join them by key.
 * The processes part owns the config; the store links spans to keys as they are stored.
 */
export interface ProcessDefinitionForStore {
  name: string;
  /** A span (or its resource) with this attribute value belongs to the process. */
  match: { attribute: string; equals: string };
  /** The business key attribute (span, resource or log attribute), e.g. `order.id`. */
  key: string;
  /** Ordered steps; each is recognised by its span name. The last one completes an instance. */
  steps: readonly { name: string; span: string }[];
}

export interface InstanceQuery {
  /** Instances whose first span starts in [since, until) (unix ns). */
  since: bigint;
  until: bigint;
  /** Exact business key. */
  key?: string;
  /** Only instances with at least one span of one of these accounts (viewer scope or a filter). */
  accounts?: readonly string[];
  /** Newest (by start) first; at most this many. */
  limit: number;
}

/** One instance of a process as stored: the facts from which its status is computed. */
export interface InstanceRow {
  key: string;
  /** Earliest span start and latest span end over all its traces (unix ns). */
  startNs: bigint;
  endNs: bigint;
  /** Every trace joined to the key (lower-case hex). */
  traceIds: string[];
  /** Every account with a span in it, in order of first span start. */
  accounts: string[];
  /** One entry per defined step, in definition order. */
  steps: { name: string; seen: boolean; error: boolean; startNs: bigint | null; endNs: bigint | null }[];
  /** Spans with status ERROR anywhere in the instance. */
  errorSpans: number;
  spanCount: number;
}

export interface TraceSearchQuery {
  account?: string;
  /** Viewer scope: only traces with a span of one of these accounts. */
  accounts?: readonly string[];
  service?: string;
  /** Span name (exact). */
  name?: string;
  /** Span or resource attributes that must all match (string form of the value). */
  attributes?: Readonly<Record<string, string>>;
  /** Only traces with at least one span of status ERROR. */
  errorsOnly?: boolean;
  minDurationMs?: number;
  since?: bigint;
  until?: bigint;
  limit: number;
}

export interface TraceSummary {
  traceId: string;
  rootName: string;
  rootService: string;
  startTimeUnixNano: string;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  /** Every account / service in the trace, not only those that matched. */
  accounts: string[];
  services: string[];
}

/** What /readyz and /metrics say about the store. */
export interface StoreStatus {
  /** The worker is running and has opened the database. */
  up: boolean;
  /** Why not, when not. */
  reason?: string;
  /** Times the worker was restarted after dying. */
  restarts: number;
  /** Age of the oldest queued record the store has not committed yet (0 when caught up). */
  lagSeconds: number;
  /** Bytes of the database file(s) and bytes in use by live data. */
  fileBytes: number;
  usedBytes: number;
  /** Receive time (unix ms) where the oldest retained slice starts. */
  oldestRetainedMs: number | undefined;
  /** Items stored since start, and records skipped as unreadable. */
  storedItems: number;
  damagedRecords: number;
  /** The store worker's memory (refreshed every 10 s); `rssBytes` is the process it runs in. */
  memory: { heapUsedBytes: number; externalBytes: number; duckdbBytes: number; rssBytes: number };
}

/**
 * The embedded store as the rest of the hub sees it: it consumes its own queue reader (in a worker
 * thread or a child process, off the ingest event loop) and answers the console's queries. Queries reject with
 * StoreUnavailableError while the worker restarts.
 */
export interface EmbeddedStore {
  getTrace(traceId: string): Promise<SpanRow[]>;
  queryLogs(query: LogQuery): Promise<LogRow[]>;
  queryMetrics(query: MetricQuery): Promise<MetricSeries[]>;
  metricNames(query: { accounts?: readonly string[] }): Promise<string[]>;
  searchTraces(query: TraceSearchQuery): Promise<TraceSummary[]>;
  /** The processes whose spans are linked to their business keys as they are stored. */
  setProcesses(defs: readonly ProcessDefinitionForStore[]): void;
  processInstances(def: ProcessDefinitionForStore, query: InstanceQuery): Promise<InstanceRow[]>;
  processInstance(def: ProcessDefinitionForStore, key: string): Promise<{ row: InstanceRow; spans: SpanRow[]; logs: LogRow[] } | undefined>;
  /** Row counts, for tests and /metrics. */
  counts(): Promise<{ spans: number; logs: number; points: number }>;
  status(): StoreStatus;
  /** Resolves true once everything appended to the queue up to `position` is stored, false on timeout. */
  waitFor(position: number, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}
