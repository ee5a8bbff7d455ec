/**
 * The durable queue between ingest and exporters: segmented append-only log with group commit,
 * named readers with persisted cursors, and crash recovery. See types.ts for the contract.
 */
export { createDurableQueue, DEFAULT_MAX_RECORD_BYTES, DEFAULT_SEGMENT_BYTES } from './durable-queue.js';
export type {
  AppendOutcome,
  DurableQueue,
  DurableQueueOptions,
  QueueCorruption,
  QueuePosition,
  QueueReader,
  QueueRecord,
  QueueStats,
} from './types.js';
