import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ChunkReader } from './chunk-reader.js';
import { FRAME_HEADER_BYTES, checkFrame } from './record-frame.js';
import { RecordIndex } from './record-index.js';

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
 * One segment: its place in the log, its record index, and a read handle shared by the readers.
 * The handle is pinned while a read uses it, so deleting or closing the segment never pulls a
 * descriptor from under a read in flight.
 */
export class SegmentFile {
  readonly start: number;
  readonly path: string;
  readonly index = new RecordIndex();
  /** Logical length: valid bytes on disk plus appends already assigned to this segment. */
  bytes: number;
  #handle: Promise<FileHandle> | undefined;
  #pins = 0;
  #keepOpen = false;
  #retired = false;

  constructor(dir: string, start: number, bytes: number) {
    this.start = start;
    this.path = join(dir, segmentFileName(start));
    this.bytes = bytes;
  }

  get end(): number {
    return this.start + this.bytes;
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

export type ScanResult =
  | { kind: 'clean'; validBytes: number }
  | { kind: 'torn' | 'corrupt'; validBytes: number; reason: string };

/**
 * Walks the frames of a segment file of `sizeBytes` from the start, indexing every valid frame, and
 * stops at the first torn or damaged one.
 */
export async function scanSegment(
  fh: FileHandle,
  sizeBytes: number,
  index: RecordIndex,
  maxRecordBytes: number,
  chunkBytes: number,
): Promise<ScanResult> {
  const reader = new ChunkReader(fh, chunkBytes);
  let offset = 0;
  let want = FRAME_HEADER_BYTES;
  while (offset < sizeBytes) {
    const { buf, at, available } = await reader.load(offset, want, sizeBytes);
    const check = checkFrame(buf, at, available, maxRecordBytes);
    if (check.kind === 'corrupt') return { kind: 'corrupt', validBytes: offset, reason: check.reason };
    if (check.kind === 'incomplete') {
      const frameBytes = check.frameBytes;
      // want >= frameBytes: the file turned out shorter than its size said; treat it as torn.
      if (frameBytes === undefined || offset + frameBytes > sizeBytes || want >= frameBytes) {
        return { kind: 'torn', validBytes: offset, reason: `partial frame of ${sizeBytes - offset} bytes` };
      }
      want = frameBytes; // the frame runs past the window: load it whole
      continue;
    }
    index.push(offset);
    offset += check.frameBytes;
    want = FRAME_HEADER_BYTES;
  }
  return { kind: 'clean', validBytes: offset };
}
