import type { RequestBySignal, Signal } from '../otlp/model.js';
import type { QueuePosition } from '../queue/types.js';

/** One accepted, validated and enriched request of one account, as stored. */
export type StoreItem = {
  [S in Signal]: { signal: S; accountId: string; request: RequestBySignal[S] };
}[Signal];

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
  since?: bigint;
  until?: bigint;
  /** Cap on points returned in all. */
  limit: number;
}

export interface EmbeddedStore {
  /**
   * Appends the items and records `cursor` as the queue position they end at, in one transaction:
   * after a crash the store resumes from `cursor()` and nothing is stored twice or lost.
   */
  append(items: StoreItem[], cursor: QueuePosition): Promise<void>;
  /** The queue position stored with the last committed append (0 when none). */
  cursor(): Promise<QueuePosition>;
  getTrace(traceId: string): Promise<SpanRow[]>;
  queryLogs(query: LogQuery): Promise<LogRow[]>;
  queryMetrics(query: MetricQuery): Promise<MetricSeries[]>;
  /** Row counts, for tests and /metrics. */
  counts(): Promise<{ spans: number; logs: number; points: number }>;
  close(): Promise<void>;
}
