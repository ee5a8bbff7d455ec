/**
 * Shapes of the console API (DESIGN.md "Console API" and CONSOLE-API.md). Times are unix-nanosecond
 * decimal strings, as in OTLP JSON. Fields the backend adds later are optional here, so the UI
 * degrades instead of breaking when it talks to an older hub.
 */

export type Role = 'admin' | 'viewer';

export interface WhoAmI {
  role: Role;
  name: string | null;
  /** null for the admin token: every account. */
  accounts: string[] | null;
}

export interface ItemCounts {
  spans: number;
  dataPoints: number;
  logRecords: number;
}

export interface Quota {
  limit: number;
  used: number;
  period: string;
  resetsAtUnixNano: string;
}

export interface AccountStats {
  accountId: string;
  accepted: ItemCounts;
  rejected: ItemCounts;
  throttledRequests: number;
  deniedRequests: number;
  plan?: string;
  status?: 'active' | 'revoked' | null;
  lastSeenUnixNano?: string | null;
  quota?: Quota | null;
  rejectedByRule?: Record<string, number>;
}

export interface Account {
  id: string;
  name: string;
  plan: string;
  status: string;
  createdAt: string;
}

export interface HistoryPoint {
  timeUnixNano: string;
  accepted: ItemCounts;
  rejected: ItemCounts;
  throttledRequests: number;
  deniedRequests: number;
  rejectedByRule?: Record<string, number>;
}

export interface StatsHistory {
  stepSeconds: number;
  series: { accountId: string; points: HistoryPoint[] }[];
}

export interface SpanStatus {
  code?: number;
  message?: string;
}

export interface SpanEvent {
  timeUnixNano?: string;
  name?: string;
  attributes?: Record<string, unknown>;
}

export interface SpanLink {
  traceId?: string;
  spanId?: string;
  attributes?: Record<string, unknown>;
}

export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  /** "hidden" for another account's span shown to a viewer (timing only). */
  accountId: string;
  sourceName?: string;
  serviceName?: string;
  attributes?: Record<string, unknown>;
  status?: SpanStatus;
  events?: SpanEvent[];
  links?: SpanLink[];
  resource?: Record<string, unknown>;
  scopeName?: string;
  traceState?: string;
}

export interface Trace {
  traceId: string;
  spans: Span[];
}

export interface LogRow {
  timeUnixNano: string;
  severityText: string;
  severityNumber?: number;
  body: unknown;
  accountId: string;
  sourceName: string;
  serviceName?: string;
  traceId?: string;
  spanId?: string;
  attributes?: Record<string, unknown>;
}

export interface MetricPoint {
  timeUnixNano: string;
  value: number | null;
  count?: string;
  sum?: number;
}

export interface MetricSeries {
  name: string;
  type?: string;
  unit?: string;
  accountId: string;
  sourceName: string;
  attributes: Record<string, unknown>;
  isMonotonic?: boolean;
  temporality?: number;
  points: MetricPoint[];
}

export interface StepSummary {
  name: string;
  seen: number;
  failed: number;
}

export interface ProcessSummary {
  name: string;
  instances: number;
  completed: number;
  failed: number;
  stuck: number;
  inFlight: number;
  durationMs: { p50: number | null; p95: number | null; p99: number | null };
  steps: StepSummary[];
  slo: { met: boolean };
}

export type InstanceStatus = 'completed' | 'failed' | 'stuck' | 'inFlight';

export interface InstanceStep {
  name: string;
  seen: boolean;
  status: 'ok' | 'error' | 'missing';
}

export interface ProcessInstance {
  key: string;
  status: InstanceStatus;
  startTimeUnixNano: string;
  durationMs: number | null;
  accounts: string[];
  traceIds: string[];
  steps: InstanceStep[];
}

export interface ProcessInstanceDetail extends ProcessInstance {
  spans: Span[];
  logs: LogRow[];
}

export interface TimelinePoint {
  timeUnixNano: string;
  started: number;
  completed: number;
  failed: number;
  stuck: number;
  inFlight: number;
  p95DurationMs: number | null;
}

export interface ProcessTimeline {
  stepSeconds: number;
  points: TimelinePoint[];
}

export interface TraceSummary {
  traceId: string;
  rootName: string;
  rootService: string;
  startTimeUnixNano: string;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  accounts: string[];
  services: string[];
}

export interface Alert {
  name: string;
  state: 'firing' | 'resolved';
  labels: Record<string, string>;
  summary: string;
  startsAt: string;
  endsAt: string | null;
  generatorURL: string;
}

export const HIDDEN_ACCOUNT = 'hidden';
