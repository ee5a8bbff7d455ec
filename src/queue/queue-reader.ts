import type { QueuePosition, QueueReader, QueueRecord } from './types.js';

/** What a reader needs from its queue. */
export interface ReaderHost {
  readonly closed: boolean;
  /** Position just past the last fsynced record: readers never see anything beyond it. */
  readonly durableEnd: QueuePosition;
  readonly end: QueuePosition;
  /** Resolves when a record at or after `position` is durable, the queue closes, or `waitMs` passed. */
  waitForDurable(position: QueuePosition, waitMs: number): Promise<void>;
  /** Reads from `position`; `failed` when an I/O error stopped the read (already reported). */
  readFrom(
    position: QueuePosition,
    maxRecords: number,
    maxBytes: number,
  ): Promise<{ records: QueueRecord[]; next: QueuePosition; failed: boolean }>;
  /** Turns a seek target into a valid position (clamping and reporting what is not). */
  normalizeSeek(position: QueuePosition, reader: string): QueuePosition;
  writeCursor(name: string, position: QueuePosition): Promise<void>;
  /** Reports a failed cursor write (counted; the reader retries with its next ack). */
  cursorWriteFailed(name: string, err: unknown): void;
  /** Deletes segments every reader has acknowledged. */
  retain(): Promise<void>;
}

export interface ReadOptions {
  maxRecords: number;
  maxBytes: number;
  waitMs: number;
}

/** Largest waitMs: setTimeout's limit (about 24.8 days). */
const MAX_WAIT_MS = 2 ** 31 - 1;
/** Pause after a read that failed with nothing to return, so a caller looping on read() does not spin. */
const READ_ERROR_PAUSE_MS = 500;

export class DurableQueueReader implements QueueReader {
  readonly name: string;
  readonly #host: ReaderHost;
  #position: QueuePosition;
  /** Bumped by seek so a read in flight does not overwrite the new position when it completes. */
  #seekGeneration = 0;
  #readChain: Promise<unknown> = Promise.resolve();
  /** Highest position ack() was asked for. */
  #ackRequested: QueuePosition;
  /** Highest position durably in the cursor file (or the start, for a reader that has none yet). */
  #ackPersisted: QueuePosition;
  #cursorWrite: Promise<boolean> | undefined;

  constructor(name: string, host: ReaderHost, ackedPosition: QueuePosition) {
    this.name = name;
    this.#host = host;
    this.#position = ackedPosition;
    this.#ackRequested = ackedPosition;
    this.#ackPersisted = ackedPosition;
  }

  get position(): QueuePosition {
    return this.#position;
  }

  get ackedPosition(): QueuePosition {
    return this.#ackPersisted;
  }

  seek(position: QueuePosition): void {
    this.#position = this.#host.normalizeSeek(position, this.name);
    this.#seekGeneration++;
  }

  read(options: ReadOptions): Promise<QueueRecord[]> {
    const { maxRecords, maxBytes, waitMs } = options;
    if (!Number.isSafeInteger(maxRecords) || maxRecords < 1) throw new RangeError(`maxRecords must be a positive integer, got ${maxRecords}`);
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
    if (!Number.isFinite(waitMs) || waitMs < 0) throw new RangeError(`waitMs must be >= 0, got ${waitMs}`);
    // Concurrent reads of one reader run one after the other, each from where the previous ended.
    const run = this.#readChain.then(() => this.#readOnce(maxRecords, maxBytes, Math.min(waitMs, MAX_WAIT_MS)));
    this.#readChain = run.catch(() => undefined);
    return run;
  }

  /** Settles once no read or cursor write of this reader is running (used by close). */
  async idle(): Promise<void> {
    await Promise.all([this.#readChain, this.#cursorWrite]);
  }

  /** At close: one more try for an ack whose cursor write failed. */
  async flushAck(): Promise<void> {
    if (this.#ackRequested > this.#ackPersisted) await this.#persist(this.#ackRequested);
  }

  /** Persists the start position of a reader that has no cursor file yet, so a restart knows it. */
  persistStart(): Promise<boolean> {
    return this.#startWrite(this.#ackPersisted);
  }

  async #readOnce(maxRecords: number, maxBytes: number, waitMs: number): Promise<QueueRecord[]> {
    const host = this.#host;
    if (host.closed) return [];
    if (this.#position >= host.durableEnd && waitMs > 0) await host.waitForDurable(this.#position, waitMs);
    if (host.closed || this.#position >= host.durableEnd) return [];
    const generation = this.#seekGeneration;
    const { records, next, failed } = await host.readFrom(this.#position, maxRecords, maxBytes);
    if (generation === this.#seekGeneration) this.#position = next;
    if (failed && records.length === 0 && waitMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, READ_ERROR_PAUSE_MS)));
    }
    return records;
  }

  async ack(position: QueuePosition): Promise<void> {
    if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`ack position must be a non-negative integer, got ${position}`);
    if (position > this.#host.durableEnd) {
      throw new RangeError(`ack position ${position} is past the durable end ${this.#host.durableEnd}`);
    }
    // Acks never move backwards: segments before the old position may already be gone.
    if (position > this.#ackRequested) this.#ackRequested = position;
    if (await this.#persist(position)) await this.#host.retain();
  }

  /**
   * Writes the cursor until the file holds at least `position`, coalescing concurrent acks.
   * Returns false when a write failed (reported by the host; the next ack tries again).
   */
  async #persist(position: QueuePosition): Promise<boolean> {
    while (this.#ackPersisted < position) {
      const ok = await (this.#cursorWrite ?? this.#startWrite(this.#ackRequested));
      if (!ok) return false;
    }
    return true;
  }

  #startWrite(target: QueuePosition): Promise<boolean> {
    const write = this.#host.writeCursor(this.name, target).then(
      () => {
        if (target > this.#ackPersisted) this.#ackPersisted = target;
        return true;
      },
      (err: unknown) => {
        this.#host.cursorWriteFailed(this.name, err);
        return false;
      },
    );
    const tracked: Promise<boolean> = write.finally(() => {
      if (this.#cursorWrite === tracked) this.#cursorWrite = undefined;
    });
    this.#cursorWrite = tracked;
    return tracked;
  }
}
