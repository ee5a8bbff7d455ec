/**
 * Shapes of the console API (DESIGN.md "Console API" and CONSOLE-API.md), taken from the server
 * modules that produce them. `import type` only: types are erased at build, so no server code
 * reaches the browser (the dependency-cruiser rule `web-imports-only-types-from-src` holds that).
 * Times are unix-nanosecond decimal strings, as in OTLP JSON.
 */
import type { InstanceDetailReply, InstanceView } from '../../../src/console/routes/processes-routes.js';
import type { AccountStatsView } from '../../../src/console/routes/stats-routes.js';
import type { TraceReply } from '../../../src/console/routes/traces-routes.js';
import type { SpanRow } from '../../../src/store/types.js';

export type { Account } from '../../../src/accounts/account-registry.js';
export type { AlertListing as Alert } from '../../../src/alerts/alert-engine.js';
export type { InstanceView as ProcessInstance, TimelineReply as ProcessTimeline } from '../../../src/console/routes/processes-routes.js';
export type { AccountStatsView as AccountStats, StatsHistoryReply as StatsHistory } from '../../../src/console/routes/stats-routes.js';
export type { WhoAmI } from '../../../src/console/routes/whoami-route.js';
export type { ProcessSummary } from '../../../src/processes/process-summary.js';
export type { ItemCounts } from '../../../src/stats/account-stats-book.js';
export type { HistoryPoint } from '../../../src/stats/stats-history.js';
export type { LogRow, MetricSeries, TraceSummary } from '../../../src/store/types.js';

export type Quota = NonNullable<AccountStatsView['quota']>;
export type InstanceStatus = InstanceView['status'];
export type InstanceStep = InstanceView['steps'][number];

/**
 * The store types a span's events and links as `unknown[]`; these are the members the console
 * shows (src/store/read-queries.ts writes them so), each optional as the UI reads it defensively.
 */
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

/** A stored span as the console reads it; `accountId` is "hidden" for another account's span shown to a viewer (timing only). */
export type Span = Omit<SpanRow, 'events' | 'links'> & { events: SpanEvent[]; links: SpanLink[] };

/** A server reply with its spans read as `Span`. */
type WithSpans<T extends { spans: SpanRow[] }> = Omit<T, 'spans'> & { spans: Span[] };

export type Trace = WithSpans<TraceReply>;
export type ProcessInstanceDetail = WithSpans<InstanceDetailReply>;

/**
 * What a viewer sees in place of another account's id (src/access/redact.ts). A value, not a type,
 * so it is repeated here: the browser bundle may not import server code.
 */
export const HIDDEN_ACCOUNT = 'hidden';
