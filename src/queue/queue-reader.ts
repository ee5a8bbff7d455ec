import type { QueuePosition, QueueReader, QueueRecord } from './types.js';

/** What a reader needs from its queue. */
export interface ReaderHost {
  readonly closed: boolean;
  /** Position just past the last fsynced record: readers never see anything beyond it. */
  readonly durableEnd: QueuePosition;
  readonly end: QueuePosition;
  /** Resolves when a record at or after `position` is durable, the queue closes, or `waitMs` passed. */
  waitForDurable(position: QueuePosition, waitMs: number): Promise<void>;
  readFrom(
    position: QueuePosition,
    maxRecords: number,
    maxBytes: number,
  ): Promise<{ records: QueueRecord[]; next: QueuePosition }>;
  /** Validates a seek target (a record boundary within the log) and clamps it to the oldest record. */
  normalizeSeek(position: QueuePosition): QueuePosition;
  writeCursor(name: string, position: QueuePosition): Promise<void>;
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
  #cursorWrite: Promise<void> | undefined;

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
    this.#position = this.#host.normalizeSeek(position);
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

  /** Settles once no read of this reader is running (used by close). */
  idle(): Promise<void> {
    return Promise.all([this.#readChain, this.#cursorWrite?.catch(() => undefined)]).then(() => undefined);
  }

  /** Persists the start position of a reader that has no cursor file yet, so a restart knows it. */
  persistStart(): Promise<void> {
    const write = this.#host.writeCursor(this.name, this.#ackPersisted).finally(() => {
      if (this.#cursorWrite === write) this.#cursorWrite = undefined;
    });
    this.#cursorWrite = write;
    return write;
  }

  async #readOnce(maxRecords: number, maxBytes: number, waitMs: number): Promise<QueueRecord[]> {
    const host = this.#host;
    if (host.closed) return [];
    if (this.#position >= host.durableEnd && waitMs > 0) await host.waitForDurable(this.#position, waitMs);
    if (host.closed || this.#position >= host.durableEnd) return [];
    const generation = this.#seekGeneration;
    const { records, next } = await host.readFrom(this.#position, maxRecords, maxBytes);
    if (generation === this.#seekGeneration) this.#position = next;
    return records;
  }

  async ack(position: QueuePosition): Promise<void> {
    if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`ack position must be a non-negative integer, got ${position}`);
    if (position > this.#host.durableEnd) {
      throw new RangeError(`ack position ${position} is past the durable end ${this.#host.durableEnd}`);
    }
    // Acks never move backwards: segments before the old position may already be gone.
    if (position > this.#ackRequested) this.#ackRequested = position;
    await this.#persist(position);
    await this.#host.retain();
  }

  /** Writes the cursor until the file holds at least `position`, coalescing concurrent acks. */
  async #persist(position: QueuePosition): Promise<void> {
    while (this.#ackPersisted < position) {
      if (this.#cursorWrite !== undefined) {
        await this.#cursorWrite;
        continue;
      }
      const target = this.#ackRequested;
      this.#cursorWrite = this.#host
        .writeCursor(this.name, target)
        .then(() => {
          if (target > this.#ackPersisted) this.#ackPersisted = target;
        })
        .finally(() => {
          this.#cursorWrite = undefined;
        });
      await this.#cursorWrite;
    }
  }
}
