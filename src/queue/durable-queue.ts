import { mkdir, open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ChunkReader } from './chunk-reader.js';
import { isValidReaderName, loadCursors, syncDir, writeCursor } from './cursor-file.js';
import { DurableQueueReader, type ReaderHost } from './queue-reader.js';
import { FRAME_HEADER_BYTES, checkFrame, encodeFrame } from './record-frame.js';
import { SegmentFile, parseSegmentFileName, scanSegment } from './segment-file.js';
import type {
  AppendOutcome,
  DurableQueue,
  DurableQueueOptions,
  QueueCorruption,
  QueuePosition,
  QueueReader,
  QueueRecord,
  QueueStats,
} from './types.js';

const MIB = 1024 * 1024;
export const DEFAULT_SEGMENT_BYTES = 64 * MIB;
/** The largest decompressed OTLP body ingest accepts (64 MiB) plus room for the envelope. */
export const DEFAULT_MAX_RECORD_BYTES = 64 * MIB + MIB;
/** Window for scanning segments at open. */
const SCAN_CHUNK_BYTES = 4 * MIB;
/** Read windows follow the caller's maxBytes within these bounds. */
const MIN_READ_CHUNK_BYTES = 64 * 1024;
const MAX_READ_CHUNK_BYTES = 4 * MIB;

interface PendingAppend {
  frame: Buffer;
  position: QueuePosition;
  segment: SegmentFile;
  resolve: (outcome: AppendOutcome) => void;
}

interface Waiter {
  position: QueuePosition;
  wake: () => void;
}

type State = 'open' | 'closing' | 'closed' | 'failed';

/**
 * Opens (creating when missing) the queue in `options.dir`, recovering from a crash: a torn tail of
 * the last segment is cut off (it was never acknowledged), damage in older segments is skipped.
 */
export async function createDurableQueue(options: DurableQueueOptions): Promise<DurableQueue> {
  const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  if (typeof options.dir !== 'string' || options.dir === '') throw new TypeError('queue dir must be a non-empty path');
  if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 1) {
    throw new RangeError(`queue maxBytes must be a positive integer, got ${options.maxBytes}`);
  }
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 1) {
    throw new RangeError(`queue segmentBytes must be a positive integer, got ${segmentBytes}`);
  }
  // The frame length field is a u32.
  if (!Number.isSafeInteger(maxRecordBytes) || maxRecordBytes < 0 || maxRecordBytes > 0xffffffff) {
    throw new RangeError(`queue maxRecordBytes must be an integer in [0, 2^32), got ${maxRecordBytes}`);
  }
  const queue = new SegmentedQueue(options, segmentBytes, maxRecordBytes);
  await queue.open();
  return queue;
}

class SegmentedQueue implements DurableQueue, ReaderHost {
  readonly #dir: string;
  readonly #cursorDir: string;
  readonly #maxBytes: number;
  readonly #segmentBytes: number;
  readonly #maxRecordBytes: number;
  readonly #onCorruption: ((event: QueueCorruption) => void) | undefined;
  readonly #onError: ((err: Error) => void) | undefined;

  /** Retained segments in log order; the last may not have a file yet (its appends are pending). */
  #segments: SegmentFile[] = [];
  /** The segment the write handle belongs to: the newest one with a file. */
  #writeSegment: SegmentFile | undefined;
  #writeHandle: FileHandle | undefined;
  #end = 0;
  #durableEnd = 0;
  #state: State = 'open';
  #closing: Promise<void> | undefined;

  #pending: PendingAppend[] = [];
  #flushRunning = false;
  #flushDone: Promise<void> = Promise.resolve();
  readonly #waiters = new Set<Waiter>();

  readonly #readers = new Map<string, DurableQueueReader>();
  /** Acked positions from cursor files of readers not opened in this process yet. */
  readonly #knownCursors = new Map<string, QueuePosition>();
  readonly #background = new Set<Promise<unknown>>();

  readonly #stats: QueueStats = {
    appends: 0,
    fsyncs: 0,
    segments: 0,
    fullRejections: 0,
    corruptions: 0,
    truncatedBytes: 0,
    clampedPositions: 0,
  };

  constructor(options: DurableQueueOptions, segmentBytes: number, maxRecordBytes: number) {
    this.#dir = options.dir;
    this.#cursorDir = join(options.dir, 'cursors');
    this.#maxBytes = options.maxBytes;
    this.#segmentBytes = segmentBytes;
    this.#maxRecordBytes = maxRecordBytes;
    this.#onCorruption = options.onCorruption;
    this.#onError = options.onError;
  }

  // ---- open / recovery ----

  async open(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const starts = (await readdir(this.#dir))
      .map(parseSegmentFileName)
      .filter((s): s is number => s !== undefined)
      .sort((a, b) => a - b);
    for (let i = 0; i < starts.length; i++) {
      const start = starts[i] as number;
      const isLast = i === starts.length - 1;
      const previous = this.#segments[this.#segments.length - 1];
      const segment = new SegmentFile(this.#dir, start, 0);
      // The last segment stays open read-write: it is where appends continue.
      const fh = await open(segment.path, isLast ? 'r+' : 'r');
      try {
        const sizeBytes = (await fh.stat()).size;
        const scan = await scanSegment(fh, sizeBytes, segment.index, this.#maxRecordBytes, SCAN_CHUNK_BYTES);
        segment.bytes = scan.validBytes;
        if (scan.kind !== 'clean') {
          const event: QueueCorruption = {
            kind: isLast ? 'truncated' : 'skipped',
            file: segment.path,
            position: start + scan.validBytes,
            lostBytes: sizeBytes - scan.validBytes,
            reason: scan.reason,
          };
          if (isLast) {
            // Only the tail after the last valid frame goes: those bytes were never acknowledged.
            await fh.truncate(scan.validBytes);
            await fh.datasync();
            this.#stats.truncatedBytes += event.lostBytes;
          } else {
            this.#stats.corruptions++;
          }
          this.#onCorruption?.(event);
        }
      } catch (err) {
        await fh.close();
        throw err;
      }
      if (isLast) {
        this.#writeHandle = fh;
        this.#writeSegment = segment;
      } else {
        await fh.close();
      }
      if (previous !== undefined && previous.end > start) {
        // Cannot happen with files this queue wrote; refuse rather than hand out overlapping positions.
        throw new Error(`queue segments overlap: ${previous.path} runs past ${segment.path}`);
      }
      this.#segments.push(segment);
    }
    if (this.#segments.length === 0) {
      const first = new SegmentFile(this.#dir, 0, 0);
      this.#writeHandle = await open(first.path, 'wx');
      await syncDir(this.#dir);
      this.#writeSegment = first;
      this.#segments.push(first);
    }
    const tail = this.#tail;
    tail.setKeepOpen(true);
    this.#end = tail.end;
    this.#durableEnd = tail.end;
    this.#stats.segments = this.#segments.length;

    for (const cursor of await loadCursors(this.#cursorDir)) {
      if ('invalid' in cursor) {
        this.#onCorruption?.({ kind: 'cursor', file: join(this.#cursorDir, cursor.name), position: 0, lostBytes: 0, reason: cursor.invalid });
        continue;
      }
      this.#knownCursors.set(cursor.name, this.#clampToLog(cursor.position));
    }
    await this.retain();
  }

  /** Positions before the oldest segment move up to it; past the end (lost segments) down to the end. */
  #clampToLog(position: QueuePosition): QueuePosition {
    const oldest = this.#oldest;
    if (position < oldest) {
      this.#stats.clampedPositions++;
      return oldest;
    }
    return Math.min(position, this.#end);
  }

  get #oldest(): QueuePosition {
    return (this.#segments[0] as SegmentFile).start;
  }

  get #tail(): SegmentFile {
    return this.#segments[this.#segments.length - 1] as SegmentFile;
  }

  // ---- appends and group commit ----

  append(data: Uint8Array): Promise<AppendOutcome> {
    if (!(data instanceof Uint8Array)) throw new TypeError('append expects a Uint8Array');
    if (data.byteLength > this.#maxRecordBytes) {
      throw new RangeError(`record of ${data.byteLength} bytes over maxRecordBytes ${this.#maxRecordBytes}`);
    }
    if (this.#state !== 'open') return Promise.resolve('closed');
    const frameBytes = FRAME_HEADER_BYTES + data.byteLength;
    if (this.depthBytes() + frameBytes > this.#maxBytes) {
      this.#stats.fullRejections++;
      return Promise.resolve('full');
    }
    // Positions are assigned now, in call order, so the log order is the order of append calls.
    let segment = this.#tail;
    if (segment.bytes > 0 && segment.bytes + frameBytes > this.#segmentBytes) {
      segment = new SegmentFile(this.#dir, this.#end, 0);
      this.#segments.push(segment);
      this.#stats.segments = this.#segments.length;
    }
    const position = this.#end;
    segment.index.push(position - segment.start);
    segment.bytes += frameBytes;
    this.#end += frameBytes;
    const frame = encodeFrame(data);
    return new Promise<AppendOutcome>((resolve) => {
      this.#pending.push({ frame, position, segment, resolve });
      if (!this.#flushRunning) {
        this.#flushRunning = true;
        this.#flushDone = this.#flushLoop();
      }
    });
  }

  /**
   * The single writer: takes everything pending, writes it, fdatasyncs once, resolves the whole
   * batch. Appends arriving meanwhile wait for the next round, which is what batches them.
   */
  async #flushLoop(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      try {
        let i = 0;
        while (i < batch.length) {
          const first = batch[i] as PendingAppend;
          if (first.segment !== this.#writeSegment) await this.#roll(first.segment);
          const buffers: Buffer[] = [];
          let j = i;
          for (; j < batch.length && (batch[j] as PendingAppend).segment === first.segment; j++) {
            buffers.push((batch[j] as PendingAppend).frame);
          }
          await writeFully(this.#requireWriteHandle(), buffers, first.position - first.segment.start);
          i = j;
        }
        await this.#requireWriteHandle().datasync();
        this.#stats.fsyncs++;
        const last = batch[batch.length - 1] as PendingAppend;
        this.#durableEnd = last.position + last.frame.length;
        this.#stats.appends += batch.length;
        for (const p of batch) p.resolve('ok');
        this.#notifyWaiters();
      } catch (err) {
        this.#fail(err, batch);
      }
    }
    // Cleared in the same synchronous step as the emptiness check, so no append can slip between.
    this.#flushRunning = false;
  }

  /** Starts the file of `next`: the current one is fsynced first, the directory after creating. */
  async #roll(next: SegmentFile): Promise<void> {
    const previous = this.#writeSegment;
    const handle = this.#requireWriteHandle();
    await handle.datasync();
    this.#stats.fsyncs++;
    this.#writeHandle = undefined;
    await handle.close();
    this.#writeHandle = await open(next.path, 'wx');
    await syncDir(this.#dir);
    this.#stats.fsyncs++;
    this.#writeSegment = next;
    previous?.setKeepOpen(false);
    next.setKeepOpen(true);
  }

  #requireWriteHandle(): FileHandle {
    if (this.#writeHandle === undefined) throw new Error('queue write handle is not open');
    return this.#writeHandle;
  }

  /** After a failed write or fsync the file contents are unknown (fsync errors are not retryable). */
  #fail(err: unknown, batch: PendingAppend[]): void {
    if (this.#state === 'open' || this.#state === 'closing') this.#state = 'failed';
    const pending = this.#pending;
    this.#pending = [];
    for (const p of batch) p.resolve('closed');
    for (const p of pending) p.resolve('closed');
    this.#onError?.(err instanceof Error ? err : new Error(String(err)));
  }

  // ---- readers ----

  reader(name: string): QueueReader {
    const existing = this.#readers.get(name);
    if (existing !== undefined) return existing;
    if (!isValidReaderName(name)) throw new TypeError(`invalid queue reader name ${JSON.stringify(name)}`);
    const known = this.#knownCursors.get(name);
    const start = known === undefined ? this.#oldest : Math.max(known, this.#oldest);
    const reader = new DurableQueueReader(name, this, start);
    this.#readers.set(name, reader);
    this.#knownCursors.delete(name);
    if (known === undefined && this.#state !== 'closed') {
      // So that after a restart this reader holds back segment deletion even before it is reopened.
      this.#track(reader.persistStart());
    }
    return reader;
  }

  async removeReader(name: string): Promise<void> {
    if (this.#readers.has(name)) throw new Error(`queue reader ${name} is open in this process`);
    if (!isValidReaderName(name)) throw new TypeError(`invalid queue reader name ${JSON.stringify(name)}`);
    this.#knownCursors.delete(name);
    try {
      await unlink(join(this.#cursorDir, name));
      await syncDir(this.#cursorDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await this.retain();
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  get durableEnd(): QueuePosition {
    return this.#durableEnd;
  }

  get end(): QueuePosition {
    return this.#end;
  }

  waitForDurable(position: QueuePosition, waitMs: number): Promise<void> {
    if (this.#durableEnd > position || this.#state === 'closed') return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter: Waiter = {
        position,
        wake: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, waitMs);
      this.#waiters.add(waiter);
    });
  }

  #notifyWaiters(): void {
    for (const waiter of [...this.#waiters]) {
      if (this.#state === 'closed' || this.#durableEnd > waiter.position) waiter.wake();
    }
  }

  normalizeSeek(position: QueuePosition): QueuePosition {
    if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`seek position must be a non-negative integer, got ${position}`);
    if (position > this.#end) throw new RangeError(`seek position ${position} is past the end ${this.#end}`);
    if (position < this.#oldest) {
      this.#stats.clampedPositions++;
      return this.#oldest;
    }
    if (position === this.#end) return position;
    const segment = this.#segments[this.#segmentIndexFor(position)] as SegmentFile;
    const offset = position - segment.start;
    // A segment's end counts as a boundary: it is where a reader stands after its last record.
    if (offset === segment.bytes || segment.index.has(offset)) return position;
    throw new RangeError(`seek position ${position} is not a record boundary`);
  }

  /** Index of the segment holding `position` (the last one starting at or before it), -1 when none. */
  #segmentIndexFor(position: QueuePosition): number {
    let lo = 0;
    let hi = this.#segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#segments[mid] as SegmentFile).start <= position) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  async readFrom(
    position: QueuePosition,
    maxRecords: number,
    maxBytes: number,
  ): Promise<{ records: QueueRecord[]; next: QueuePosition }> {
    const records: QueueRecord[] = [];
    const budget = { bytes: maxBytes };
    const chunkBytes = Math.min(Math.max(maxBytes, MIN_READ_CHUNK_BYTES), MAX_READ_CHUNK_BYTES);
    let pos = position;
    while (records.length < maxRecords && pos < this.#durableEnd && budget.bytes > 0) {
      const i = this.#segmentIndexFor(pos);
      if (i < 0 || pos < this.#oldest) {
        // The segment was deleted (every reader had acknowledged it) after this reader stood there.
        this.#stats.clampedPositions++;
        pos = this.#oldest;
        continue;
      }
      const segment = this.#segments[i] as SegmentFile;
      const limit = Math.min(segment.end, this.#durableEnd);
      if (pos >= limit) {
        const next = this.#segments[i + 1];
        if (next === undefined) break;
        pos = next.start;
        continue;
      }
      const result = await this.#readSegment(segment, pos, limit, maxRecords, budget, records, chunkBytes);
      pos = result.position;
      if (result.budgetSpent) break;
    }
    // A read that stopped at a segment's end moves on, so position reports where the next record is.
    return { records, next: pos };
  }

  /**
   * Reads frames of `segment` from `start` (below `limit`) into `records`. Returns the position
   * reached and whether the byte budget stopped the read.
   */
  async #readSegment(
    segment: SegmentFile,
    start: QueuePosition,
    limit: QueuePosition,
    maxRecords: number,
    budget: { bytes: number },
    records: QueueRecord[],
    chunkBytes: number,
  ): Promise<{ position: QueuePosition; budgetSpent: boolean }> {
    let fh: FileHandle;
    try {
      fh = await segment.acquire();
    } catch (err) {
      // Deleted between lookup and open: the caller's next lookup clamps to the oldest segment.
      if (segment.start < this.#oldest) return { position: start, budgetSpent: false };
      throw err;
    }
    let pos = start;
    try {
      const window = new ChunkReader(fh, chunkBytes);
      const fileLimit = limit - segment.start;
      let want = FRAME_HEADER_BYTES;
      while (pos < limit && records.length < maxRecords) {
        const offset = pos - segment.start;
        const { buf, at, available } = await window.load(offset, want, fileLimit);
        let check = checkFrame(buf, at, available, this.#maxRecordBytes);
        if (check.kind === 'incomplete') {
          const frameBytes = check.frameBytes;
          if (frameBytes !== undefined && pos + frameBytes <= limit && want < frameBytes) {
            // The frame runs past the window: load it whole, unless it breaks the byte budget.
            if (records.length > 0 && frameBytes - FRAME_HEADER_BYTES > budget.bytes) return { position: pos, budgetSpent: true };
            want = frameBytes;
            continue;
          }
          check = { kind: 'corrupt', reason: 'frame runs past the durable end of its segment' };
        }
        if (check.kind === 'corrupt') {
          // Data that was fsynced and indexed went bad on disk: skip to the next known record.
          const nextOffset = segment.index.nextAfter(offset);
          const skipTo = nextOffset === undefined ? segment.end : segment.start + nextOffset;
          this.#stats.corruptions++;
          this.#onCorruption?.({ kind: 'skipped', file: segment.path, position: pos, lostBytes: skipTo - pos, reason: check.reason });
          return { position: skipTo, budgetSpent: false };
        }
        const payloadBytes = check.frameBytes - FRAME_HEADER_BYTES;
        if (records.length > 0 && payloadBytes > budget.bytes) return { position: pos, budgetSpent: true };
        records.push({
          position: pos,
          next: pos + check.frameBytes,
          // A copy: the window buffer is reused by the next load.
          data: new Uint8Array(buf.subarray(at + FRAME_HEADER_BYTES, at + check.frameBytes)),
        });
        budget.bytes -= payloadBytes;
        pos += check.frameBytes;
        want = FRAME_HEADER_BYTES;
        if (budget.bytes <= 0) return { position: pos, budgetSpent: true };
      }
    } finally {
      segment.release();
    }
    return { position: pos, budgetSpent: false };
  }

  writeCursor(name: string, position: QueuePosition): Promise<void> {
    return writeCursor(this.#cursorDir, name, position);
  }

  /** The slowest acknowledged position over known readers (opened here or with a cursor file). */
  #slowestAcked(): QueuePosition | undefined {
    let slowest: QueuePosition | undefined;
    for (const reader of this.#readers.values()) {
      if (slowest === undefined || reader.ackedPosition < slowest) slowest = reader.ackedPosition;
    }
    for (const position of this.#knownCursors.values()) {
      if (slowest === undefined || position < slowest) slowest = position;
    }
    return slowest;
  }

  async retain(): Promise<void> {
    if (this.#state === 'closed') return;
    const slowest = this.#slowestAcked();
    if (slowest === undefined) return;
    const deleted: SegmentFile[] = [];
    // Never the segment being written, and never one a reader still needs.
    while (this.#segments.length > 1) {
      const first = this.#segments[0] as SegmentFile;
      const second = this.#segments[1] as SegmentFile;
      if (first === this.#writeSegment || second.start > slowest || second.start > this.#durableEnd) break;
      this.#segments.shift();
      void first.retire();
      deleted.push(first);
    }
    if (deleted.length === 0) return;
    this.#stats.segments = this.#segments.length;
    await Promise.all(
      deleted.map((segment) =>
        unlink(segment.path).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') this.#onError?.(err);
        }),
      ),
    );
  }

  #track(work: Promise<unknown>): void {
    const tracked = work.catch((err: unknown) => this.#onError?.(err instanceof Error ? err : new Error(String(err))));
    this.#background.add(tracked);
    void tracked.finally(() => this.#background.delete(tracked));
  }

  // ---- depth, stats, close ----

  /** Where unacknowledged data starts: the slowest reader, or the oldest segment when none is known. */
  #depthBase(): QueuePosition {
    const slowest = this.#slowestAcked();
    return slowest === undefined ? this.#oldest : Math.max(slowest, this.#oldest);
  }

  depthBytes(): number {
    return Math.max(0, this.#end - this.#depthBase());
  }

  depthRecords(): number {
    const base = this.#depthBase();
    let count = 0;
    for (const segment of this.#segments) {
      if (segment.end <= base) continue;
      count += segment.index.countFrom(base - segment.start);
    }
    return count;
  }

  endPosition(): QueuePosition {
    return this.#end;
  }

  stats(): QueueStats {
    return { ...this.#stats };
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#state === 'open') this.#state = 'closing';
    // Appends already accepted are written and resolved; later ones answer 'closed'.
    await this.#flushDone;
    this.#state = 'closed';
    this.#notifyWaiters();
    await Promise.all([...this.#readers.values()].map((reader) => reader.idle()));
    await Promise.all(this.#background);
    const handle = this.#writeHandle;
    this.#writeHandle = undefined;
    await handle?.close();
    await Promise.all(this.#segments.map((segment) => segment.retire()));
  }
}

/** writev, finishing with plain writes if the kernel wrote only part (rare, e.g. signals, quotas). */
async function writeFully(fh: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  const total = buffers.reduce((n, b) => n + b.length, 0);
  const { bytesWritten } = await fh.writev(buffers, position);
  if (bytesWritten === total) return;
  let rest = Buffer.concat(buffers).subarray(bytesWritten);
  let at = position + bytesWritten;
  while (rest.length > 0) {
    const { bytesWritten: n } = await fh.write(rest, 0, rest.length, at);
    if (n === 0) throw new Error('queue segment write made no progress');
    rest = rest.subarray(n);
    at += n;
  }
}
