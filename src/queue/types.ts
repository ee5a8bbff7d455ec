/**
 * The durable queue between ingest and exporters: an append-only, segmented log on disk.
 * Ingest appends a record and answers 200 only once `append` resolved 'ok' (the record is fsynced;
 * appends that arrive together share one fsync: group commit). Each exporter reads with its own
 * cursor, so a slow or failing exporter never blocks ingest or the other exporters until the queue
 * reaches `maxBytes`, when `append` answers 'full' and ingest answers 503.
 */

/** Position in the log: the logical byte offset of a record since the queue was created. Monotonic. */
export type QueuePosition = number;

export type AppendOutcome = 'ok' | 'full' | 'closed';

export interface QueueRecord {
  /** Position of this record. */
  position: QueuePosition;
  /** Position just past this record: where a reader resumes after handling it. */
  next: QueuePosition;
  data: Uint8Array;
}

export interface QueueReader {
  readonly name: string;
  /** Position of the next record this reader will return. */
  readonly position: QueuePosition;
  /** Moves the read position (e.g. to a cursor the consumer stored itself, transactionally). */
  seek(position: QueuePosition): void;
  /**
   * Returns up to `maxRecords` records / about `maxBytes` bytes from the read position, waiting up to
   * `waitMs` for at least one record when none is available (then resolves with []).
   * Returns [] immediately after the queue is closed.
   */
  read(options: { maxRecords: number; maxBytes: number; waitMs: number }): Promise<QueueRecord[]>;
  /**
   * Durably records that everything before `position` is handled by this reader; segments every
   * reader has acknowledged are deleted.
   */
  ack(position: QueuePosition): Promise<void>;
  /** Acknowledged position (persisted). */
  readonly ackedPosition: QueuePosition;
}

export interface DurableQueue {
  append(data: Uint8Array): Promise<AppendOutcome>;
  /** Opens (or re-opens) a named reader; its acked position persists across restarts. */
  reader(name: string): QueueReader;
  /** Bytes held on disk that some reader has not acknowledged. */
  depthBytes(): number;
  /** Number of records appended but not yet acknowledged by the slowest reader. */
  depthRecords(): number;
  /** Position just past the last appended record. */
  endPosition(): QueuePosition;
  /** Stops accepting appends (they answer 'closed'), flushes pending ones, closes files. */
  close(): Promise<void>;
}

export interface DurableQueueOptions {
  /** Directory holding segment files and cursor files; created when missing. */
  dir: string;
  /** Bound on unacknowledged bytes on disk; appends beyond it answer 'full'. */
  maxBytes: number;
  /** Segment size at which a new segment file starts. Default 64 MiB. */
  segmentBytes?: number;
  /** Largest single record; larger appends throw (a programming error: ingest limits body size). */
  maxRecordBytes?: number;
}
