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
  /** Counters since open (fsyncs versus appends shows group commit at work). */
  stats(): QueueStats;
  /**
   * Forgets a reader that is no longer configured: deletes its cursor file so it stops holding back
   * segment deletion. Throws when the reader was opened in this process.
   */
  removeReader(name: string): Promise<void>;
}

export interface QueueStats {
  /** Appends that resolved 'ok'. */
  appends: number;
  /** fsync/fdatasync calls of the writer (data files and directory on segment roll). */
  fsyncs: number;
  /** Segment files currently retained. */
  segments: number;
  /** Appends that resolved 'full'. */
  fullRejections: number;
  /** Damaged frames skipped (in older segments at open, or found while reading). */
  corruptions: number;
  /** Bytes of a torn tail cut off the last segment at open (never acknowledged). */
  truncatedBytes: number;
  /** Positions before the oldest retained segment moved up to it (seek, cursor files, reads). */
  clampedPositions: number;
}

export interface QueueCorruption {
  /**
   * 'truncated': a torn or damaged tail of the last segment cut off at open (a crash mid-write);
   * 'skipped': damaged bytes in an older segment, or found while reading, skipped over;
   * 'cursor': an unreadable cursor file, ignored (the reader restarts at the oldest record).
   */
  kind: 'truncated' | 'skipped' | 'cursor';
  file: string;
  /** Logical position where the damage starts (for 'cursor': 0). */
  position: number;
  lostBytes: number;
  reason: string;
}

export interface DurableQueueOptions {
  /** Directory holding segment files and cursor files; created when missing. */
  dir: string;
  /** Bound on unacknowledged bytes on disk; appends beyond it answer 'full'. */
  maxBytes: number;
  /** Segment size at which a new segment file starts. Default 64 MiB. */
  segmentBytes?: number;
  /** Largest single record; larger appends throw (a programming error: ingest limits body size). Default 65 MiB. */
  maxRecordBytes?: number;
  /** Told about damaged data found at open or while reading; the queue carries on either way. */
  onCorruption?: (event: QueueCorruption) => void;
  /**
   * Told about an I/O failure of the writer (e.g. ENOSPC, EIO on fsync). After one the queue stops
   * accepting: the failed and all later appends answer 'closed', since after a failed fsync the
   * file contents are unknown.
   */
  onError?: (err: Error) => void;
}
