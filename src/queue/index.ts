/**
 * The durable queue between ingest and exporters: segmented append-only log with group commit,
 * named readers with persisted cursors, crash recovery, damage detection with quarantine, and a
 * degraded state after write errors that it leaves by itself. See types.ts for the contract and
 * docs/notes/queue.md for the on-disk format and operations.
 */
export {
  createDurableQueue,
  DEFAULT_MAX_QUARANTINE_BYTES,
  DEFAULT_MAX_RECORD_BYTES,
  DEFAULT_RETRY_INITIAL_MS,
  DEFAULT_RETRY_MAX_MS,
  DEFAULT_SEGMENT_BYTES,
} from './durable-queue.js';
export { queueLogHooks } from './queue-log.js';
export type {
  AppendOutcome,
  DurableQueue,
  DurableQueueOptions,
  QueueCorruption,
  QueueErrorContext,
  QueueHealth,
  QueueHealthState,
  QueuePosition,
  QueueReader,
  QueueRecord,
  QueueStats,
} from './types.js';
