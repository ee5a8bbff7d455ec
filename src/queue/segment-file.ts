import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordIndex } from './record-index.js';
import { SEGMENT_HEADER_BYTES } from './segment-header.js';

/** 1: no header, 8-byte frames (read only); 2: segment header, 24-byte frames with a sync marker. */
export type SegmentFormat = 1 | 2;

const NAME_PATTERN = /^(\d{20})\.seg$/;

/** Segment files are named by their logical start offset, zero-padded so names sort by offset. */
export function segmentFileName(start: number): string {
  return `${String(start).padStart(20, '0')}.seg`;
}

export function parseSegmentFileName(name: string): number | undefined {
  const m = NAME_PATTERN.exec(name);
  if (m === null) return undefined;
  const start = Number(m[1]);
  return Number.isSafeInteger(start) ? start : undefined;
}

/**
 * One segment: its place in the log, its record index, its known damaged regions, and a read handle
 * shared by the readers. The handle is pinned while a read uses it, so deleting or closing the
 * segment never pulls a descriptor from under a read in flight.
 *
 * Positions exclude the segment header: the record at position p sits at file offset
 * `dataOffset + (p - start)`.
 */
export class SegmentFile {
  readonly start: number;
  readonly path: string;
  readonly format: SegmentFormat;
  /** File offset of position `start` (the header length). */
  readonly dataOffset: number;
  readonly index: RecordIndex;
  /**
   * Damaged regions (offset from `start` → length) already reported: readers skip them silently.
   * Their starts count as record boundaries, since the record before one ends there.
   */
  readonly holes = new Map<number, number>();
  /** Logical length: bytes on disk after the header, plus appends already assigned to this segment. */
  bytes: number;
  /** Whether appends may go here (format 2 with a sound header, and not followed by damage). */
  appendable: boolean;
  /** Whether the file exists (a new segment gets its file when the writer reaches it). */
  created: boolean;
  #handle: Promise<FileHandle> | undefined;
  #pins = 0;
  #keepOpen = false;
  #retired = false;

  constructor(
    dir: string,
    start: number,
    init: { format: SegmentFormat; bytes: number; appendable: boolean; created: boolean; index?: RecordIndex },
  ) {
    this.start = start;
    this.path = join(dir, segmentFileName(start));
    this.format = init.format;
    this.dataOffset = init.format === 2 ? SEGMENT_HEADER_BYTES : 0;
    this.bytes = init.bytes;
    this.appendable = init.appendable;
    this.created = init.created;
    this.index = init.index ?? new RecordIndex();
  }

  /**
   * Shortens the segment to `bytes` (a failed write rolled back, or an overlap with the next file):
   * records and damaged regions past it are forgotten, damaged regions across it end there, so no
   * reader skips past the new end into the next segment.
   */
  cutTo(bytes: number): void {
    this.bytes = bytes;
    this.index.truncateFrom(bytes);
    for (const [offset, length] of this.holes) {
      if (offset >= bytes) this.holes.delete(offset);
      else if (offset + length > bytes) this.holes.set(offset, bytes - offset);
    }
  }

  get end(): number {
    return this.start + this.bytes;
  }

  /** File offset of `position` (within or at the end of this segment). */
  fileOffset(position: number): number {
    return this.dataOffset + (position - this.start);
  }

  /** Whether a reader may stand at `position`: a record, a known damaged region, or the segment's end. */
  isBoundary(position: number): boolean {
    const offset = position - this.start;
    return offset === this.bytes || this.index.has(offset) || this.holes.has(offset);
  }

  /**
   * Keeps the read handle open between reads (the active segment, read continuously by tailing
   * readers); older segments are opened per read so a long log does not hold a descriptor each.
   */
  setKeepOpen(keepOpen: boolean): void {
    this.#keepOpen = keepOpen;
    if (!keepOpen && this.#pins === 0) void this.#closeHandle();
  }

  async acquire(): Promise<FileHandle> {
    if (this.#retired) throw new Error(`segment ${this.path} is retired`);
    this.#pins++;
    this.#handle ??= open(this.path, 'r');
    try {
      return await this.#handle;
    } catch (err) {
      this.#handle = undefined;
      this.#pins--;
      throw err;
    }
  }

  release(): void {
    this.#pins--;
    if (this.#pins === 0 && (this.#retired || !this.#keepOpen)) void this.#closeHandle();
  }

  /** No new reads; the handle closes once the reads in flight are done. */
  retire(): Promise<void> {
    this.#retired = true;
    return this.#pins === 0 ? this.#closeHandle() : Promise.resolve();
  }

  #closeHandle(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    // A failed open already surfaced to its reader; closing is best effort.
    return handle === undefined ? Promise.resolve() : handle.then((fh) => fh.close()).catch(() => undefined);
  }
}
