/**
 * The durable queue between ingest and exporters: segmented append-only log with group commit,
 * named readers with persisted cursors, and crash recovery. See types.ts for the contract.
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
