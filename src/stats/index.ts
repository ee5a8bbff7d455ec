/**
 * Per-account ingest statistics: running totals (GET /api/stats), the on-disk history per time step
 * (GET /api/stats/history), and the observer interface ingest reports through.
 */
export { AccountStatsBook, emptyStats } from './account-stats-book.js';
export type { AccountStats, AccountStatsBookOptions, IngestStatsObserver, ItemCounts, StatsDelta, StatsDeltaSink } from './account-stats-book.js';
export { createStatsHistory, HISTORY_BUCKET_SECONDS } from './stats-history.js';
export type { HistoryPoint, HistoryQuery, HistorySeries, StatsHistory, StatsHistoryOptions } from './stats-history.js';
export { UNKNOWN_ACCOUNT } from './account-info.js';
export type { AccountInfo, AccountInfoProvider } from './account-info.js';
