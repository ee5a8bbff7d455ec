import { open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ChunkReader } from './chunk-reader.js';
import { isValidReaderName, loadCursors, writeCursor } from './cursor-file.js';
import { describeIoError, toError } from './describe-io-error.js';
import { LEGACY_FRAME_HEADER_BYTES, checkLegacyFrame } from './legacy-frame.js';
import { PRIVATE_FILE_MODE, ensurePrivateDir, syncDir, tightenFileMode } from './private-files.js';
import { Quarantine } from './quarantine.js';
import { DurableQueueReader, type ReaderHost } from './queue-reader.js';
import { FRAME_HEADER_BYTES, checkFrame, encodeFrameHeader } from './record-frame.js';
import { RecordIndex } from './record-index.js';
import { SegmentFile, parseSegmentFileName, segmentFileName, type SegmentFormat } from './segment-file.js';
import { encodeSegmentHeader } from './segment-header.js';
import { scanSegment, type FileRegion } from './segment-scan.js';
import type {
  AppendOutcome,
  DurableQueue,
  DurableQueueOptions,
  QueueCorruption,
  QueueErrorContext,
  QueueHealth,
  QueuePosition,
  QueueReader,
  QueueRecord,
  QueueStats,
} from './types.js';

const KIB = 1024;
const MIB = 1024 * KIB;
export const DEFAULT_SEGMENT_BYTES = 64 * MIB;
/** The largest decompressed OTLP body ingest accepts (64 MiB) plus room for the envelope. */
export const DEFAULT_MAX_RECORD_BYTES = 64 * MIB + MIB;
export const DEFAULT_MAX_QUARANTINE_BYTES = 256 * MIB;
export const DEFAULT_RETRY_INITIAL_MS = 100;
export const DEFAULT_RETRY_MAX_MS = 5000;
/** Window for scanning segments at open. */
const SCAN_CHUNK_BYTES = 4 * MIB;
/** Read windows follow the caller's maxBytes within these bounds. */
const MIN_READ_CHUNK_BYTES = 64 * KIB;
const MAX_READ_CHUNK_BYTES = 4 * MIB;
/** A recovery probe writes about as much as the batch that failed, within these bounds. */
const MIN_PROBE_BYTES = 64 * KIB;
const MAX_PROBE_BYTES = 4 * MIB;
/** Left free above the highest position a seek may move the log to, so positions stay safe integers. */
const MAX_SKIP_POSITION = Number.MAX_SAFE_INTEGER - 2 ** 40;
/** Linux's IOV_MAX: libuv writes at most this many buffers per writev. */
const IOV_MAX = 1024;
const PROBE_FILE = 'probe.tmp';

interface PendingAppend {
  header: Buffer;
  data: Uint8Array;
  position: QueuePosition;
  segment: SegmentFile;
  resolve: (outcome: AppendOutcome) => void;
}

interface Waiter {
  position: QueuePosition;
  wake: () => void;
}

/** 'degraded': a write failed; appends answer 'unavailable' until a background recovery succeeds. */
type State = 'open' | 'degraded' | 'closing' | 'closed';

/**
 * Opens (creating when missing) the queue in `options.dir`, recovering from a crash and from damage:
 * a torn tail of the last segment is cut off (it was never acknowledged), damaged records anywhere
 * are skipped, quarantined and reported. Throws only for bad options, for I/O errors at open (an
 * unreadable directory) and for segments of a newer format.
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
  for (const key of ['maxQuarantineBytes', 'retryInitialMs', 'retryMaxMs'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new RangeError(`queue ${key} must be a non-negative integer, got ${value}`);
    }
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
  readonly #retryInitialMs: number;
  readonly #retryMaxMs: number;
  readonly #quarantine: Quarantine;
  readonly #onCorruption: ((event: QueueCorruption) => void) | undefined;
  readonly #onError: ((err: Error, context: QueueErrorContext) => void) | undefined;
  readonly #onHealthChange: ((health: QueueHealth) => void) | undefined;

  /**
   * Retained segments in log order. Only the last may lack a file (it gets one when the writer
   * reaches it); positions may jump between segments (a gap: damage cut off, or a seek past the end).
   */
  #segments: SegmentFile[] = [];
  /** The segment the write handle belongs to. */
  #writeSegment: SegmentFile | undefined;
  #writeHandle: FileHandle | undefined;
  #end = 0;
  #durableEnd = 0;
  /** Sum of the segments' bytes (gaps excluded): what depthBytes() counts. */
  #totalBytes = 0;
  /** A seek past the end asked the log to continue from here. */
  #skipTo = 0;

  #state: State = 'open';
  #stateSince = Date.now();
  #lastError: string | undefined;
  #attempts = 0;
  #retryDelayMs: number;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryAt = 0;
  #recovering: Promise<void> | undefined;
  /** Files of segments dropped by a failed write (a roll cut short): removed before recovery ends. */
  readonly #orphans = new Set<string>();
  #failedBatchBytes = 0;
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
    unavailableRejections: 0,
    corruptions: 0,
    corruptedBytes: 0,
    quarantinedBytes: 0,
    truncatedBytes: 0,
    clampedPositions: 0,
    ioErrors: 0,
    recoveries: 0,
  };

  constructor(options: DurableQueueOptions, segmentBytes: number, maxRecordBytes: number) {
    this.#dir = options.dir;
    this.#cursorDir = join(options.dir, 'cursors');
    this.#maxBytes = options.maxBytes;
    this.#segmentBytes = segmentBytes;
    this.#maxRecordBytes = maxRecordBytes;
    this.#retryInitialMs = options.retryInitialMs ?? DEFAULT_RETRY_INITIAL_MS;
    this.#retryMaxMs = Math.max(this.#retryInitialMs, options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS);
    this.#retryDelayMs = this.#retryInitialMs;
    this.#quarantine = new Quarantine(join(options.dir, 'quarantine'), options.maxQuarantineBytes ?? DEFAULT_MAX_QUARANTINE_BYTES);
    this.#onCorruption = options.onCorruption;
    this.#onError = options.onError;
    this.#onHealthChange = options.onHealthChange;
  }

  // ---- open / recovery ----

  async open(): Promise<void> {
    await ensurePrivateDir(this.#dir);
    await unlink(join(this.#dir, PROBE_FILE)).catch(() => undefined);
    const starts = (await readdir(this.#dir))
      .map(parseSegmentFileName)
      .filter((s): s is number => s !== undefined)
      .sort((a, b) => a - b);
    // Format 1 segments can only precede format-2 ones (an upgrade appends format 2 after them).
    let format2Before = false;
    for (let i = 0; i < starts.length; i++) {
      const known = await this.#openSegment(starts[i] as number, starts[i + 1], format2Before);
      format2Before ||= known.format === 2 && known.formatKnown;
    }
    let tail = this.#segments[this.#segments.length - 1];
    while (tail !== undefined && !tail.appendable && tail.bytes === 0) {
      // An unusable last file without records (e.g. a format-1 tail that was all torn, an empty file):
      // the new segment would take its name.
      await unlink(tail.path);
      await syncDir(this.#dir);
      this.#segments.pop();
      tail = this.#segments[this.#segments.length - 1];
    }
    this.#end = tail?.end ?? 0;
    this.#durableEnd = this.#end;
    if (tail === undefined || !tail.appendable) {
      // Appends go to a new format-2 segment (its file is created by the first write).
      this.#segments.push(new SegmentFile(this.#dir, this.#end, { format: 2, bytes: 0, appendable: true, created: false }));
    }
    this.#totalBytes = this.#segments.reduce((n, s) => n + s.bytes, 0);
    this.#stats.segments = this.#countFiles();

    for (const cursor of await loadCursors(this.#cursorDir)) {
      const file = join(this.#cursorDir, cursor.name);
      if ('invalid' in cursor) {
        this.#onCorruption?.({ kind: 'cursor', file, position: 0, lostBytes: 0, reason: cursor.invalid, phase: 'open' });
        continue;
      }
      // A cursor file belongs to the queue: past the end (lost tail) it simply moves to the end.
      this.#knownCursors.set(cursor.name, this.#normalize(cursor.position, cursor.name, false));
    }
    await this.retain();
  }

  /**
   * Scans one segment file at open: indexes its records, quarantines damage, cuts a torn tail.
   * Returns its format and whether that format was established rather than guessed.
   */
  async #openSegment(start: number, nextStart: number | undefined, format2Before: boolean): Promise<{ format: SegmentFormat; formatKnown: boolean }> {
    const isLast = nextStart === undefined;
    // The last segment opens read-write: appends continue there, and a torn tail is cut.
    const fh = await open(join(this.#dir, segmentFileName(start)), isLast ? 'r+' : 'r');
    let keepHandle = false;
    try {
      await tightenFileMode(fh);
      const sizeBytes = (await fh.stat()).size;
      const index = new RecordIndex();
      const scan = await scanSegment(fh, index, {
        start,
        sizeBytes,
        isLast,
        nextStart,
        format2Before,
        maxRecordBytes: this.#maxRecordBytes,
        chunkBytes: SCAN_CHUNK_BYTES,
      });
      const segment = new SegmentFile(this.#dir, start, { format: scan.format, bytes: 0, appendable: false, created: true, index });
      segment.bytes = Math.max(0, scan.endOffset - segment.dataOffset);
      for (const region of scan.damaged) await this.#damaged(segment, region, fh, 'open');
      if (scan.torn !== undefined) {
        await fh.truncate(scan.torn.fileOffset);
        await fh.datasync();
        this.#stats.truncatedBytes += scan.torn.bytes;
        this.#onCorruption?.({
          kind: 'truncated',
          file: segment.path,
          position: segment.start + Math.max(0, scan.torn.fileOffset - segment.dataOffset),
          fileOffset: scan.torn.fileOffset,
          lostBytes: scan.torn.bytes,
          reason: scan.torn.reason,
          phase: 'open',
        });
      }
      if (scan.headerTorn && isLast) {
        // Created but its header never made it to disk (a crash while rolling): write it again.
        await fh.truncate(0);
        await writeFully(fh, [encodeSegmentHeader(start)], 0);
        await fh.datasync();
      }
      if (isLast && (scan.appendable || scan.headerTorn)) {
        segment.appendable = true;
        segment.setKeepOpen(true);
        this.#writeHandle = fh;
        this.#writeSegment = segment;
        keepHandle = true;
      }
      const previous = this.#segments[this.#segments.length - 1];
      if (previous !== undefined && previous.end > start) {
        // Files this queue wrote never overlap; someone copied files in. Keep the newer file's positions.
        const overlap = previous.end - start;
        previous.cutTo(start - previous.start);
        this.#stats.corruptions++;
        this.#stats.corruptedBytes += overlap;
        this.#onCorruption?.({
          kind: 'damaged',
          file: previous.path,
          position: start,
          fileOffset: previous.fileOffset(start),
          lostBytes: overlap,
          reason: `overlaps the next segment file ${segment.path}`,
          phase: 'open',
        });
      }
      this.#segments.push(segment);
      return { format: scan.format, formatKnown: scan.formatKnown };
    } finally {
      if (!keepHandle) await fh.close();
    }
  }

  /** Reports a damaged region (file offsets) of `segment`, copies it to the quarantine and makes readers skip it. */
  async #damaged(segment: SegmentFile, region: FileRegion, source: FileHandle, phase: 'open' | 'read'): Promise<void> {
    const relative = region.fileOffset - segment.dataOffset;
    if (relative >= 0) segment.holes.set(relative, region.bytes);
    const position = segment.start + Math.max(0, relative);
    this.#stats.corruptions++;
    this.#stats.corruptedBytes += region.bytes;
    const event: QueueCorruption = {
      kind: 'damaged',
      file: segment.path,
      position,
      fileOffset: region.fileOffset,
      lostBytes: region.bytes,
      reason: region.reason,
      phase,
    };
    try {
      const copy = await this.#quarantine.copy({ segmentPath: segment.path, ...region, position, phase, source });
      if (copy.kind === 'copied') this.#stats.quarantinedBytes += copy.copiedBytes;
      if (copy.kind === 'skipped') event.quarantineError = copy.error;
      else event.quarantineFile = copy.file;
    } catch (err) {
      this.#ioError(err, { op: 'quarantine' });
      event.quarantineError = describeIoError(err);
    }
    this.#onCorruption?.(event);
  }

  get #oldest(): QueuePosition {
    return (this.#segments[0] as SegmentFile).start;
  }

  get #tail(): SegmentFile {
    return this.#segments[this.#segments.length - 1] as SegmentFile;
  }

  #countFiles(): number {
    let n = 0;
    for (const s of this.#segments) if (s.created) n++;
    return n;
  }

  // ---- appends and group commit ----

  append(data: Uint8Array): Promise<AppendOutcome> {
    if (!(data instanceof Uint8Array)) throw new TypeError('append expects a Uint8Array');
    if (data.byteLength > this.#maxRecordBytes) {
      throw new RangeError(`record of ${data.byteLength} bytes over maxRecordBytes ${this.#maxRecordBytes}`);
    }
    if (this.#state === 'degraded') {
      this.#stats.unavailableRejections++;
      return Promise.resolve('unavailable');
    }
    if (this.#state !== 'open') return Promise.resolve('closed');
    const frameBytes = FRAME_HEADER_BYTES + data.byteLength;
    if (this.depthBytes() + frameBytes > this.#maxBytes) {
      this.#stats.fullRejections++;
      return Promise.resolve('full');
    }
    // Positions are assigned now, in call order, so the log order is the order of append calls.
    let segment = this.#tail;
    if (!segment.appendable || (segment.bytes > 0 && segment.bytes + frameBytes > this.#segmentBytes) || this.#skipTo > this.#end) {
      this.#end = Math.max(this.#end, this.#skipTo);
      // An empty segment that never got its file is replaced rather than left behind.
      if (!segment.created && segment.bytes === 0 && this.#segments.length > 1) this.#segments.pop();
      segment = new SegmentFile(this.#dir, this.#end, { format: 2, bytes: 0, appendable: true, created: false });
      this.#segments.push(segment);
    }
    const position = this.#end;
    segment.index.push(position - segment.start);
    segment.bytes += frameBytes;
    this.#end += frameBytes;
    this.#totalBytes += frameBytes;
    const header = encodeFrameHeader(data, position);
    return new Promise<AppendOutcome>((resolve) => {
      this.#pending.push({ header, data, position, segment, resolve });
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
      /** Entries before this index are durable and resolved. */
      let committed = 0;
      try {
        let i = 0;
        while (i < batch.length) {
          const first = batch[i] as PendingAppend;
          if (first.segment !== this.#writeSegment) {
            // What this batch wrote so far is all in the current file: make it durable before leaving it.
            if (i > committed && this.#writeHandle !== undefined) {
              await this.#writeHandle.datasync();
              this.#stats.fsyncs++;
              committed = this.#commit(batch, committed, i);
            }
            await this.#createSegment(first.segment);
          }
          const buffers: Uint8Array[] = [];
          let j = i;
          for (; j < batch.length && (batch[j] as PendingAppend).segment === first.segment; j++) {
            const p = batch[j] as PendingAppend;
            buffers.push(p.header, p.data);
          }
          await writeFully(this.#requireWriteHandle(), buffers, first.segment.fileOffset(first.position));
          i = j;
        }
        await this.#requireWriteHandle().datasync();
        this.#stats.fsyncs++;
        committed = this.#commit(batch, committed, batch.length);
      } catch (err) {
        await this.#writeFailed(err, batch.slice(committed));
      }
    }
    // Cleared in the same synchronous step as the emptiness check, so no append can slip between.
    this.#flushRunning = false;
  }

  /** Resolves batch[from..to) 'ok' (they are fsynced) and lets readers see them. */
  #commit(batch: PendingAppend[], from: number, to: number): number {
    if (to <= from) return from;
    const last = batch[to - 1] as PendingAppend;
    this.#durableEnd = last.position + FRAME_HEADER_BYTES + last.data.byteLength;
    this.#stats.appends += to - from;
    for (let k = from; k < to; k++) (batch[k] as PendingAppend).resolve('ok');
    this.#notifyWaiters();
    return to;
  }

  /** Creates the file of `next` (header fsynced, then the directory) and makes it the write target. */
  async #createSegment(next: SegmentFile): Promise<void> {
    const fh = await open(next.path, 'wx', PRIVATE_FILE_MODE);
    try {
      await writeFully(fh, [encodeSegmentHeader(next.start)], 0);
      await fh.datasync();
      this.#stats.fsyncs++;
      await syncDir(this.#dir);
      this.#stats.fsyncs++;
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
    next.created = true;
    const previousHandle = this.#writeHandle;
    this.#writeSegment?.setKeepOpen(false);
    this.#writeHandle = fh;
    this.#writeSegment = next;
    next.setKeepOpen(true);
    this.#stats.segments = this.#countFiles();
    // Its data is fsynced: an error closing it changes nothing on disk.
    await previousHandle?.close().catch(() => undefined);
  }

  #requireWriteHandle(): FileHandle {
    if (this.#writeHandle === undefined) throw new Error('queue write handle is not open');
    return this.#writeHandle;
  }

  /**
   * A write, fsync or open failed: the failed appends and everything pending answer 'unavailable',
   * the log is rolled back to its durable end (in memory and, right away if the disk allows, on
   * disk), and the queue stays degraded until a background attempt proves it can write again.
   */
  async #writeFailed(err: unknown, failed: PendingAppend[]): Promise<void> {
    const error = toError(err);
    this.#ioError(error, { op: 'write' });
    this.#failedBatchBytes = failed.reduce((n, p) => n + p.header.length + p.data.byteLength, 0);
    if (this.#state === 'open') this.#enterDegraded(error);
    const rest = this.#pending;
    this.#pending = [];
    this.#rollback();
    // Cleaned up before the senders hear 'unavailable', so (when the disk allows it) the failed
    // batch's bytes are gone and can never come back as records after a restart.
    try {
      await this.#cleanup();
    } catch (cleanupErr) {
      this.#recoveryFailed(cleanupErr);
    }
    for (const p of [...failed, ...rest]) {
      this.#stats.unavailableRejections++;
      p.resolve('unavailable');
    }
    this.#scheduleRecovery();
  }

  /** Forgets in memory every record past the durable end and the segments without a finished file. */
  #rollback(): void {
    const durable = this.#durableEnd;
    const kept: SegmentFile[] = [];
    for (const segment of this.#segments) {
      if (segment.created) kept.push(segment);
      else this.#orphans.add(segment.path); // its creation may have got as far as the file
    }
    const ws = this.#writeSegment;
    if (ws !== undefined) {
      ws.cutTo(Math.max(0, durable - ws.start));
    }
    const last = kept[kept.length - 1];
    this.#end = Math.max(durable, last?.end ?? 0);
    if (last === undefined || !last.appendable) {
      kept.push(new SegmentFile(this.#dir, this.#end, { format: 2, bytes: 0, appendable: true, created: false }));
    }
    this.#segments = kept;
    this.#totalBytes = kept.reduce((n, s) => n + s.bytes, 0);
    this.#stats.segments = this.#countFiles();
  }

  /**
   * Puts the disk back in line with the durable end: the write segment truncated to it and fsynced
   * (through a fresh handle if the old one is broken), files of unfinished segments removed.
   */
  async #cleanup(): Promise<void> {
    const ws = this.#writeSegment;
    if (ws !== undefined) {
      const target = ws.fileOffset(ws.end);
      let done = false;
      if (this.#writeHandle !== undefined) {
        try {
          await this.#writeHandle.truncate(target);
          await this.#writeHandle.sync();
          done = true;
        } catch {
          // The handle itself may be what failed (EIO): try a fresh one below.
        }
      }
      if (!done) {
        const fresh = await open(ws.path, 'r+');
        try {
          await fresh.truncate(target);
          await fresh.sync();
        } catch (err) {
          await fresh.close().catch(() => undefined);
          throw err;
        }
        const old = this.#writeHandle;
        this.#writeHandle = fresh;
        await old?.close().catch(() => undefined);
      }
      const { size } = await this.#requireWriteHandle().stat();
      if (size !== target) throw new Error(`queue segment is ${size} bytes after truncating it to ${target}`);
    }
    if (this.#orphans.size > 0) {
      for (const path of this.#orphans) {
        await unlink(path).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
      }
      await syncDir(this.#dir);
      this.#orphans.clear();
    }
  }

  /**
   * Proves the disk takes writes again: about as many bytes as the failed batch are written where
   * the next record goes, fdatasynced, and cut off again (zeros: should a crash leave them, the scan
   * at open takes them for a torn tail); and a descriptor can be opened (a segment roll needs one:
   * EMFILE), by fsyncing the directory.
   */
  async #probe(): Promise<void> {
    const zeros = Buffer.alloc(Math.min(MAX_PROBE_BYTES, Math.max(MIN_PROBE_BYTES, this.#failedBatchBytes)));
    const ws = this.#writeSegment;
    const fh = this.#writeHandle;
    if (ws !== undefined && fh !== undefined) {
      const at = ws.fileOffset(ws.end);
      try {
        await writeFully(fh, [zeros], at);
        await fh.datasync();
      } finally {
        await fh.truncate(at);
        await fh.sync();
      }
      await syncDir(this.#dir);
      return;
    }
    // No segment file open yet (the next append creates one): probe the directory instead.
    const path = join(this.#dir, PROBE_FILE);
    const probe = await open(path, 'w', PRIVATE_FILE_MODE);
    try {
      await writeFully(probe, [zeros], 0);
      await probe.datasync();
    } finally {
      await probe.close();
      await unlink(path).catch(() => undefined);
    }
  }

  #enterDegraded(error: Error): void {
    this.#attempts = 0;
    this.#retryDelayMs = this.#retryInitialMs;
    this.#lastError = describeIoError(error);
    this.#setState('degraded');
  }

  #setState(state: State): void {
    this.#state = state;
    this.#stateSince = Date.now();
    if (state !== 'degraded') this.#lastError = undefined;
    if (state !== 'closing') this.#onHealthChange?.(this.health());
  }

  #scheduleRecovery(): void {
    if (this.#state !== 'degraded' || this.#retryTimer !== undefined || this.#recovering !== undefined) return;
    const delay = this.#retryDelayMs;
    this.#retryDelayMs = Math.min(this.#retryDelayMs * 2, this.#retryMaxMs);
    this.#retryAt = Date.now() + delay;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#recovering = this.#attemptRecovery().finally(() => {
        this.#recovering = undefined;
        this.#scheduleRecovery();
      });
    }, delay);
    // Never what keeps a process alive: the servers using the queue do that.
    this.#retryTimer.unref();
  }

  async #attemptRecovery(): Promise<void> {
    if (this.#state !== 'degraded') return;
    this.#attempts++;
    try {
      await this.#cleanup();
      await this.#probe();
    } catch (err) {
      this.#recoveryFailed(err);
      return;
    }
    if (this.#state !== 'degraded') return;
    this.#stats.recoveries++;
    this.#setState('open');
  }

  #recoveryFailed(err: unknown): void {
    this.#lastError = describeIoError(err);
    this.#ioError(err, { op: 'recover', attempt: this.#attempts });
  }

  #ioError(err: unknown, context: QueueErrorContext): void {
    this.#stats.ioErrors++;
    this.#onError?.(toError(err), context);
  }

  health(): QueueHealth {
    if (this.#state === 'open') return { state: 'ok', since: this.#stateSince };
    if (this.#state === 'degraded') {
      const health: QueueHealth = { state: 'degraded', since: this.#stateSince, attempts: this.#attempts };
      if (this.#lastError !== undefined) health.lastError = this.#lastError;
      health.retryInMs = this.#retryTimer === undefined ? 0 : Math.max(0, this.#retryAt - Date.now());
      return health;
    }
    return { state: 'closed', since: this.#stateSince };
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

  normalizeSeek(position: QueuePosition, reader: string): QueuePosition {
    if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`seek position must be a non-negative integer, got ${position}`);
    return this.#normalize(position, reader, true);
  }

  /**
   * The valid position nearest to `position` (reported and counted when it differs): before the
   * oldest segment → the oldest; inside a record, damaged bytes or a gap → the next record; past the
   * end → the end, or with `allowSkip` (a consumer's own cursor) the log continues from there.
   */
  #normalize(position: QueuePosition, reader: string, allowSkip: boolean): QueuePosition {
    let to = position;
    let reason: string | undefined;
    if (position < this.#oldest) {
      to = this.#oldest;
      reason = `before the oldest retained record ${this.#oldest}`;
    } else if (position > this.#end) {
      if (allowSkip && position <= MAX_SKIP_POSITION) {
        // A consumer keeping its own cursor (the store) must never see positions go back: the log
        // lost its tail, so new records go after the cursor.
        this.#skipTo = Math.max(this.#skipTo, position);
        reason = `past the end ${this.#end} of the log; new records will start there`;
      } else {
        to = this.#end;
        reason = `past the end ${this.#end} of the log`;
      }
    } else if (position < this.#end) {
      const i = this.#segmentIndexFor(position);
      const segment = this.#segments[i] as SegmentFile;
      if (position > segment.end) {
        to = this.#segments[i + 1]?.start ?? this.#end;
        reason = 'between segments (cut-off or skipped data)';
      } else if (!segment.isBoundary(position)) {
        const next = segment.index.nextAfter(position - segment.start);
        to = next === undefined ? segment.end : segment.start + next;
        reason = 'not a record boundary (inside a record or damaged bytes)';
      }
    }
    if (reason !== undefined) {
      this.#stats.clampedPositions++;
      this.#onCorruption?.({
        kind: 'clamped',
        file: join(this.#cursorDir, reader),
        position,
        clampedTo: to,
        reader,
        lostBytes: 0,
        reason,
      });
    }
    return to;
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
  ): Promise<{ records: QueueRecord[]; next: QueuePosition; failed: boolean }> {
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
      if (result.failed) return { records, next: pos, failed: true };
      if (result.budgetSpent) break;
    }
    // A read that stopped at a segment's end moves on, so position reports where the next record is.
    return { records, next: pos, failed: false };
  }

  /**
   * Reads frames of `segment` from `start` (below `limit`) into `records`. Returns the position
   * reached, whether the byte budget stopped the read, and whether an I/O error did.
   */
  async #readSegment(
    segment: SegmentFile,
    start: QueuePosition,
    limit: QueuePosition,
    maxRecords: number,
    budget: { bytes: number },
    records: QueueRecord[],
    chunkBytes: number,
  ): Promise<{ position: QueuePosition; budgetSpent: boolean; failed: boolean }> {
    let fh: FileHandle;
    try {
      fh = await segment.acquire();
    } catch (err) {
      // Deleted between lookup and open: the caller's next lookup clamps to the oldest segment.
      if (segment.start < this.#oldest) return { position: start, budgetSpent: false, failed: false };
      this.#ioError(err, { op: 'read' });
      return { position: start, budgetSpent: false, failed: true };
    }
    let pos = start;
    try {
      const window = new ChunkReader(fh, chunkBytes);
      const fileLimit = segment.fileOffset(limit);
      const headerBytes = segment.format === 2 ? FRAME_HEADER_BYTES : LEGACY_FRAME_HEADER_BYTES;
      let want = headerBytes;
      while (pos < limit && records.length < maxRecords) {
        const offset = segment.fileOffset(pos);
        const { buf, at, available } = await window.load(offset, want, fileLimit);
        let check =
          segment.format === 2
            ? checkFrame(buf, at, available, pos, this.#maxRecordBytes)
            : checkLegacyFrame(buf, at, available, this.#maxRecordBytes);
        if (check.kind === 'incomplete') {
          const frameBytes = check.frameBytes;
          if (frameBytes !== undefined && pos + frameBytes <= limit && want < frameBytes) {
            // The frame runs past the window: load it whole, unless it breaks the byte budget.
            if (records.length > 0 && frameBytes - headerBytes > budget.bytes) return { position: pos, budgetSpent: true, failed: false };
            want = frameBytes;
            continue;
          }
          check = { kind: 'bad-header', reason: 'frame runs past the durable end of its segment' };
        }
        if (check.kind !== 'ok') {
          pos = await this.#skipDamage(segment, pos, check.reason, fh);
          want = headerBytes;
          continue;
        }
        const payloadBytes = check.frameBytes - headerBytes;
        if (records.length > 0 && payloadBytes > budget.bytes) return { position: pos, budgetSpent: true, failed: false };
        records.push({
          position: pos,
          next: pos + check.frameBytes,
          // A copy: the window buffer is reused by the next load.
          data: new Uint8Array(buf.subarray(at + headerBytes, at + check.frameBytes)),
        });
        budget.bytes -= payloadBytes;
        pos += check.frameBytes;
        want = headerBytes;
        if (budget.bytes <= 0) return { position: pos, budgetSpent: true, failed: false };
      }
    } catch (err) {
      this.#ioError(err, { op: 'read' });
      return { position: pos, budgetSpent: false, failed: true };
    } finally {
      segment.release();
    }
    return { position: pos, budgetSpent: false, failed: false };
  }

  /**
   * A reader found no valid record at `pos`: a region the scan already reported is skipped quietly;
   * a record that went bad after it was indexed (damage since open) is reported, quarantined and
   * skipped up to the next indexed record. Returns where reading goes on.
   */
  async #skipDamage(segment: SegmentFile, pos: QueuePosition, reason: string, fh: FileHandle): Promise<QueuePosition> {
    const relative = pos - segment.start;
    const known = segment.holes.get(relative);
    // A hole never reaches past its segment (cutTo trims it): a reader must not land inside the next one.
    if (known !== undefined) return segment.start + Math.min(relative + known, segment.bytes);
    const next = segment.index.nextAfter(relative) ?? segment.bytes;
    await this.#damaged(segment, { fileOffset: segment.fileOffset(pos), bytes: next - relative, reason }, fh, 'read');
    return segment.start + next;
  }

  writeCursor(name: string, position: QueuePosition): Promise<void> {
    return writeCursor(this.#cursorDir, name, position);
  }

  cursorWriteFailed(_name: string, err: unknown): void {
    this.#ioError(err, { op: 'cursor' });
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
      this.#totalBytes -= first.bytes;
      void first.retire();
      deleted.push(first);
    }
    if (deleted.length === 0) return;
    this.#stats.segments = this.#countFiles();
    await Promise.all(
      deleted.map((segment) =>
        unlink(segment.path).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') this.#ioError(err, { op: 'retain' });
        }),
      ),
    );
  }

  #track(work: Promise<unknown>): void {
    const tracked = work.catch((err: unknown) => this.#ioError(err, { op: 'cursor' }));
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
    // Counted over the segments, so a gap between them (a seek past the end) takes no room.
    const base = this.#depthBase();
    let before = 0;
    for (const segment of this.#segments) {
      if (segment.end <= base) {
        before += segment.bytes;
        continue;
      }
      if (segment.start < base) before += base - segment.start;
      break;
    }
    return Math.max(0, this.#totalBytes - before);
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
    if (this.#state === 'open' || this.#state === 'degraded') this.#setState('closing');
    if (this.#retryTimer !== undefined) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
    }
    await this.#recovering;
    // Appends already accepted are written and resolved; later ones answer 'closed'.
    await this.#flushDone;
    this.#state = 'closed';
    this.#notifyWaiters();
    const readers = [...this.#readers.values()];
    await Promise.all(readers.map((reader) => reader.idle()));
    await Promise.all(readers.map((reader) => reader.flushAck()));
    await Promise.all(this.#background);
    const handle = this.#writeHandle;
    this.#writeHandle = undefined;
    await handle?.close().catch(() => undefined);
    await Promise.all(this.#segments.map((segment) => segment.retire()));
    this.#setState('closed');
  }
}

/**
 * writev in groups of at most IOV_MAX buffers, going on after a partial write (rare: signals,
 * quotas, a file size limit reached mid-way) from where the kernel stopped.
 */
async function writeFully(fh: FileHandle, buffers: Uint8Array[], position: number): Promise<void> {
  let i = 0;
  let skip = 0;
  let at = position;
  while (i < buffers.length) {
    const group: Uint8Array[] = [];
    let groupBytes = 0;
    for (let k = i; k < buffers.length && group.length < IOV_MAX; k++) {
      const b = buffers[k] as Uint8Array;
      const part = k === i && skip > 0 ? b.subarray(skip) : b;
      group.push(part);
      groupBytes += part.byteLength;
    }
    const { bytesWritten } = groupBytes === 0 ? { bytesWritten: 0 } : await fh.writev(group, at);
    if (bytesWritten === 0 && groupBytes > 0) throw new Error('queue segment write made no progress');
    at += bytesWritten;
    let left = skip + bytesWritten;
    while (i < buffers.length && left >= (buffers[i] as Uint8Array).byteLength) {
      left -= (buffers[i] as Uint8Array).byteLength;
      i++;
    }
    skip = left;
  }
}
