/**
 * The durable queue between ingest and exporters: an append-only, segmented log on disk.
 * Ingest appends a record and answers 200 only once `append` resolved 'ok' (the record is fsynced;
 * appends that arrive together share one fsync: group commit). Each exporter reads with its own
 * cursor, so a slow or failing exporter never blocks ingest or the other exporters until the queue
 * reaches `maxBytes`, when `append` answers 'full' and ingest answers 503.
 *
 * Damage on disk is detected per record (checksummed frames with a sync marker), skipped, copied to
 * `<dir>/quarantine/` and reported; a write error puts the queue in a degraded state it leaves by
 * itself once the cause is gone. See docs/notes/queue.md.
 */

/** Position in the log: the logical byte offset of a record since the queue was created. Monotonic. */
export type QueuePosition = number;

/**
 * - 'ok': durable (fsynced); the record will reach every reader.
 * - 'full': the queue holds `maxBytes` unacknowledged bytes; nothing was written. Retry later.
 * - 'unavailable': the queue cannot write right now (disk full, I/O error, out of file descriptors);
 *   nothing of this record will ever be read. Retry later: the queue recovers by itself
 *   (see `health()`).
 * - 'closed': the queue is closing or closed.
 */
export type AppendOutcome = 'ok' | 'full' | 'unavailable' | 'closed';

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
  /**
   * Moves the read position (e.g. to a cursor the consumer stored itself, transactionally). Never
   * throws for a position the log does not hold (it is clamped, counted in `clampedPositions` and
   * reported): before the oldest record → the oldest; inside a record or damaged bytes → the next
   * record; past the end → stays there and the log continues from there (the next append starts a
   * new segment at that position), so positions stay monotonic for a consumer that keeps its own
   * cursor. Throws only for a negative or non-integer position (a programming error).
   */
  seek(position: QueuePosition): void;
  /**
   * Returns up to `maxRecords` records / about `maxBytes` bytes from the read position, waiting up to
   * `waitMs` for at least one record when none is available (then resolves with []).
   * Damaged records are skipped (and quarantined); an I/O error while reading is reported through
   * `onError`, and the read resolves with what it got (or [] after a short pause), never rejects.
   * Returns [] immediately after the queue is closed.
   */
  read(options: { maxRecords: number; maxBytes: number; waitMs: number }): Promise<QueueRecord[]>;
  /**
   * Records that everything before `position` is handled by this reader (persisted in its cursor
   * file); segments every reader has acknowledged are deleted. A failed cursor write is reported
   * through `onError` and retried by the next ack or at close, not thrown: the reader then re-reads
   * from its last persisted position after a restart (at-least-once).
   */
  ack(position: QueuePosition): Promise<void>;
  /** Acknowledged position (persisted). */
  readonly ackedPosition: QueuePosition;
}

export type QueueHealthState = 'ok' | 'degraded' | 'closed';

export interface QueueHealth {
  /**
   * 'ok': appends are written. 'degraded': a write, fsync or open failed; appends answer
   * 'unavailable' immediately while the queue retries in the background (readers go on reading what
   * is durable). 'closed': close() was called.
   */
  state: QueueHealthState;
  /** When the queue entered this state (ms since the epoch). */
  since: number;
  /** While degraded: the error that caused it or the latest failed recovery attempt, e.g. "ENOSPC: no space left on device, write". */
  lastError?: string;
  /** While degraded: failed recovery attempts so far. */
  attempts?: number;
  /** While degraded: ms until the next recovery attempt (a hint for Retry-After). */
  retryInMs?: number;
}

export interface DurableQueue {
  /**
   * Appends one record. The queue keeps a reference to `data` (no copy) until the promise settles:
   * do not modify it meanwhile.
   */
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
  /** Whether appends are being written; for readiness. */
  health(): QueueHealth;
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
  /** Appends that resolved 'unavailable' (their batch failed, or the queue was degraded). */
  unavailableRejections: number;
  /** Damaged regions found (at open or while reading); each is skipped and quarantined. */
  corruptions: number;
  /** Bytes of those damaged regions. */
  corruptedBytes: number;
  /** Bytes copied to the quarantine directory. */
  quarantinedBytes: number;
  /** Bytes of a torn tail cut off the last segment at open (an incomplete write, never acknowledged). */
  truncatedBytes: number;
  /** Positions (seek targets, cursor files) that were not valid and were moved to a valid one. */
  clampedPositions: number;
  /** Failed I/O operations: writes, fsyncs, opens (also failed recovery attempts, cursor writes, reads). */
  ioErrors: number;
  /** Times the queue left the degraded state by itself. */
  recoveries: number;
}

export interface QueueCorruption {
  /**
   * 'damaged': bytes that are not a valid record (a flipped byte, garbage, a damaged header), skipped
   * and copied to the quarantine directory; every record around them is kept.
   * 'truncated': a torn tail of the last segment cut off at open (a crash mid-write, never acknowledged).
   * 'cursor': an unreadable cursor file, ignored (the reader restarts at the oldest record).
   * 'clamped': a position that is not valid (past the end, inside a record, before the oldest
   * segment) moved to a valid one.
   */
  kind: 'damaged' | 'truncated' | 'cursor' | 'clamped';
  /** Segment file (or cursor file). */
  file: string;
  /** Logical position where the damage starts; for 'clamped' the position asked for; for 'cursor': 0. */
  position: number;
  /** Byte offset in `file` where the damage starts. */
  fileOffset?: number;
  lostBytes: number;
  reason: string;
  /** 'open' (found by the scan at open) or 'read' (found by a reader). */
  phase?: 'open' | 'read';
  /** Where the damaged bytes were copied (absent when the copy failed or the quarantine is full). */
  quarantineFile?: string;
  /** Why the copy failed or was skipped. */
  quarantineError?: string;
  /** For 'clamped': the reader and the position it was moved to. */
  reader?: string;
  clampedTo?: number;
}

/** What an I/O error hit: the writer, a recovery attempt, a cursor write, a read or a segment deletion. */
export interface QueueErrorContext {
  op: 'write' | 'recover' | 'cursor' | 'read' | 'retain' | 'quarantine';
  /** For 'recover': the attempt number since the queue became degraded. */
  attempt?: number;
}

export interface DurableQueueOptions {
  /** Directory holding segment files, cursor files and the quarantine; created (mode 0700) when missing. */
  dir: string;
  /** Bound on unacknowledged bytes on disk; appends beyond it answer 'full'. */
  maxBytes: number;
  /** Segment size at which a new segment file starts. Default 64 MiB. */
  segmentBytes?: number;
  /** Largest single record; larger appends throw (a programming error: ingest limits body size). Default 65 MiB. */
  maxRecordBytes?: number;
  /** Bound on the bytes kept in `<dir>/quarantine/`; damaged bytes beyond it are reported, not copied. Default 256 MiB. */
  maxQuarantineBytes?: number;
  /** First delay before a recovery attempt after a write error; doubles up to `retryMaxMs`. Default 100. */
  retryInitialMs?: number;
  /** Longest delay between recovery attempts. Default 5000. */
  retryMaxMs?: number;
  /** Told about damaged data found at open or while reading, and about clamped positions; the queue carries on either way. */
  onCorruption?: (event: QueueCorruption) => void;
  /** Told about every failed I/O operation (the queue carries on: degraded for writes, retried for the rest). */
  onError?: (err: Error, context: QueueErrorContext) => void;
  /** Told when health().state changes (ok → degraded, degraded → ok, → closed). */
  onHealthChange?: (health: QueueHealth) => void;
}
