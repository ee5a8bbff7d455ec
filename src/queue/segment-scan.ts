import type { FileHandle } from 'node:fs/promises';
import { ChunkReader } from './chunk-reader.js';
import { LEGACY_FRAME_HEADER_BYTES, checkLegacyFrame } from './legacy-frame.js';
import { FRAME_HEADER_BYTES, FRAME_MAGIC_BYTES, checkFrame, type FrameCheck } from './record-frame.js';
import type { RecordIndex } from './record-index.js';
import { SEGMENT_HEADER_BYTES, checkSegmentHeader } from './segment-header.js';
import type { SegmentFormat } from './segment-file.js';

/** A byte range of a segment file (file offsets). */
export interface FileRegion {
  fileOffset: number;
  bytes: number;
  reason: string;
}

export interface SegmentScan {
  format: SegmentFormat;
  /** Damaged regions in file order (a damaged format-2 header included): skip and quarantine. */
  damaged: FileRegion[];
  /** A torn tail of the last segment (an incomplete write, never acknowledged): cut the file here. */
  torn?: FileRegion;
  /** File offset just past the segment's data (before the torn tail, if any). */
  endOffset: number;
  /** Format 2 with a sound header: appends may continue in this file. */
  appendable: boolean;
  /** A format-2 file whose creation was interrupted (partial header, no data). */
  headerTorn: boolean;
  /**
   * Whether the format follows from the file (its header, a frame that checks out) or from its
   * neighbours, rather than being a guess: a file whose header and frames are all gone is read as
   * format 2, but that guess must not rule out format 1 for the files after it.
   */
  formatKnown: boolean;
}

export interface ScanOptions {
  /** Logical start position (from the file name). */
  start: number;
  sizeBytes: number;
  /** The newest segment: an incomplete tail there is a torn write; anywhere else it is damage. */
  isLast: boolean;
  /** Start of the next segment file, if any: no segment reaches past it. */
  nextStart: number | undefined;
  /** An earlier segment file is known to be format 2, so this one cannot be format 1. */
  format2Before: boolean;
  maxRecordBytes: number;
  chunkBytes: number;
}

/**
 * Walks a segment file, indexing every valid record into `index` (offsets from the segment's
 * data start), and locates damage: a damaged record is skipped by resynchronising on the next
 * frame marker whose header checks out, so one flipped byte costs at most the record it hit.
 * Never throws for damage; throws for I/O errors and for a segment written by a newer format.
 */
export async function scanSegment(fh: FileHandle, index: RecordIndex, o: ScanOptions): Promise<SegmentScan> {
  const reader = new ChunkReader(fh, o.chunkBytes);
  if (o.sizeBytes === 0) return { format: 2, damaged: [], endOffset: SEGMENT_HEADER_BYTES, appendable: false, headerTorn: true, formatKnown: false };
  const first = await reader.load(0, SEGMENT_HEADER_BYTES, o.sizeBytes);
  const header = checkSegmentHeader(first.buf, first.at, first.available, o.start);
  switch (header.kind) {
    case 'ok':
      return scanFormat2(reader, index, o, [], true, true);
    case 'torn':
      return { format: 2, damaged: [], endOffset: SEGMENT_HEADER_BYTES, appendable: false, headerTorn: true, formatKnown: true };
    case 'unsupported':
      throw new Error(`queue segment ${o.start} has format version ${header.version}, written by a newer release; refusing to open it`);
    case 'damaged':
      return scanFormat2(reader, index, o, [headerRegion(o, header.reason)], false, true);
    case 'absent':
      return scanHeaderless(reader, index, o);
  }
}

/**
 * A file without a recognisable format-2 header: a format-1 file, or a format-2 file whose header
 * was destroyed. The file name still gives the start, and format-2 frames carry their own position,
 * so the choice never depends on the header. Format 1 is only considered where it is possible at
 * all: an upgrade only ever adds format-2 segments after format-1 ones, and format-1 data (no
 * header) must end before the next file starts. Without that check a format-2 file whose header
 * and frames were all destroyed was read as format 1: 32 bytes longer than it is, it overlapped
 * the next file and its damaged region swallowed that file's first records.
 */
async function scanHeaderless(reader: ChunkReader, index: RecordIndex, o: ScanOptions): Promise<SegmentScan> {
  const damagedHeader = (): FileRegion[] => [headerRegion(o, 'segment header unreadable')];
  const legacyPossible = !o.format2Before && (o.nextStart === undefined || o.start + o.sizeBytes <= o.nextStart);
  if (!legacyPossible) return scanFormat2(reader, index, o, damagedHeader(), false, true);
  const first = await legacyFrameCheckAt(reader, 0, o);
  if (first.kind === 'ok') return scanFormat1(reader, index, o);
  if (o.sizeBytes > SEGMENT_HEADER_BYTES && (await hasFormat2Frame(reader, o))) {
    return scanFormat2(reader, index, o, damagedHeader(), false, true);
  }
  // A format-1 file whose first record is damaged but whose length survived: the rest is readable.
  if (first.kind === 'bad-payload' && first.frameBytes < o.sizeBytes && (await legacyFrameCheckAt(reader, first.frameBytes, o)).kind === 'ok') {
    return scanFormat1(reader, index, o);
  }
  // Nothing intact in either layout, so no record depends on the choice: read it as the format
  // this release writes (the damage is quarantined rather than taken for a format-1 torn write),
  // without letting that guess rule out format 1 for the files after it.
  return scanFormat2(reader, index, o, [headerRegion(o, 'segment header unreadable; no intact frame of either format')], false, false);
}

function headerRegion(o: ScanOptions, reason: string): FileRegion {
  return { fileOffset: 0, bytes: Math.min(SEGMENT_HEADER_BYTES, o.sizeBytes), reason };
}

async function scanFormat2(
  reader: ChunkReader,
  index: RecordIndex,
  o: ScanOptions,
  damaged: FileRegion[],
  headerSound: boolean,
  formatKnown: boolean,
): Promise<SegmentScan> {
  const size = o.sizeBytes;
  const dataOffset = SEGMENT_HEADER_BYTES;
  let off = dataOffset;
  let want = FRAME_HEADER_BYTES;
  let bad: { from: number; reason: string } | undefined;
  let tail: { region: FileRegion; headerValid: boolean } | undefined;
  const closeBad = (to: number): void => {
    if (bad !== undefined && to > bad.from) damaged.push({ fileOffset: bad.from, bytes: to - bad.from, reason: bad.reason });
    bad = undefined;
  };
  while (off < size) {
    const { buf, at, available } = await reader.load(off, want, size);
    const check = checkFrame(buf, at, available, o.start + off - dataOffset, o.maxRecordBytes);
    if (check.kind === 'ok') {
      closeBad(off);
      index.push(off - dataOffset);
      off += check.frameBytes;
      want = FRAME_HEADER_BYTES;
      continue;
    }
    if (check.kind === 'incomplete') {
      const frameBytes = check.frameBytes;
      if (frameBytes !== undefined && off + frameBytes <= size && want < frameBytes) {
        want = frameBytes; // the frame runs past the window: load it whole
        continue;
      }
      closeBad(off);
      const bytes = size - off;
      tail = {
        region: { fileOffset: off, bytes, reason: frameBytes === undefined ? `partial frame header of ${bytes} bytes` : `frame of ${frameBytes} bytes cut after ${bytes}` },
        headerValid: frameBytes !== undefined || startsLikeMarker(buf, at, available),
      };
      break;
    }
    if (check.kind === 'bad-payload') {
      // The header checked out, so its length is right: exactly this frame is lost.
      closeBad(off);
      damaged.push({ fileOffset: off, bytes: check.frameBytes, reason: check.reason });
      off += check.frameBytes;
      want = FRAME_HEADER_BYTES;
      continue;
    }
    bad ??= { from: off, reason: check.reason };
    const next = await findMarker(reader, off + 1, size, o.chunkBytes);
    if (next === undefined) {
      off = size;
      break;
    }
    off = next;
    want = FRAME_HEADER_BYTES;
  }
  closeBad(Math.min(off, size));
  return finish(reader, o, { format: 2, damaged, tail, appendable: headerSound, formatKnown: formatKnown || index.count > 0 });
}

async function scanFormat1(reader: ChunkReader, index: RecordIndex, o: ScanOptions): Promise<SegmentScan> {
  const size = o.sizeBytes;
  const damaged: FileRegion[] = [];
  let tail: { region: FileRegion; headerValid: boolean } | undefined;
  let off = 0;
  let want = LEGACY_FRAME_HEADER_BYTES;
  while (off < size) {
    const { buf, at, available } = await reader.load(off, want, size);
    const check = checkLegacyFrame(buf, at, available, o.maxRecordBytes);
    if (check.kind === 'ok') {
      index.push(off);
      off += check.frameBytes;
      want = LEGACY_FRAME_HEADER_BYTES;
      continue;
    }
    if (check.kind === 'incomplete') {
      const frameBytes = check.frameBytes;
      if (frameBytes !== undefined && off + frameBytes <= size && want < frameBytes) {
        want = frameBytes;
        continue;
      }
      // Format 1 has no marker: an incomplete last frame is taken for a torn write, as it always was.
      tail = { region: { fileOffset: off, bytes: size - off, reason: `partial frame of ${size - off} bytes` }, headerValid: true };
      break;
    }
    if (check.kind === 'bad-payload') {
      // Most damage hits a payload and leaves the length intact: then the next frame checks out.
      const next = off + check.frameBytes;
      if (next === size || (next < size && (await legacyFrameAt(reader, next, o)))) {
        damaged.push({ fileOffset: off, bytes: check.frameBytes, reason: check.reason });
        off = next;
        want = LEGACY_FRAME_HEADER_BYTES;
        continue;
      }
    }
    const reason = check.kind === 'bad-payload' || check.kind === 'bad-header' ? check.reason : 'damaged frame';
    damaged.push({ fileOffset: off, bytes: size - off, reason: `${reason}; format 1 cannot resynchronise, the rest of the segment is skipped` });
    off = size;
  }
  return finish(reader, o, { format: 1, damaged, tail, appendable: false, formatKnown: true });
}

/** Sorts the trailing bytes of the file into torn (cut off) or damaged (quarantined). */
async function finish(
  reader: ChunkReader,
  o: ScanOptions,
  s: { format: SegmentFormat; damaged: FileRegion[]; tail: { region: FileRegion; headerValid: boolean } | undefined; appendable: boolean; formatKnown: boolean },
): Promise<SegmentScan> {
  const { damaged, tail } = s;
  let torn: FileRegion | undefined;
  if (o.isLast) {
    if (tail !== undefined && (tail.headerValid || (await isAllZero(reader, tail.region, o)))) {
      torn = tail.region;
    } else {
      // A zero-filled tail is what a power loss leaves after an unfinished write (or a recovery probe).
      const last = damaged[damaged.length - 1];
      if (tail === undefined && last !== undefined && last.fileOffset + last.bytes === o.sizeBytes && (await isAllZero(reader, last, o))) {
        damaged.pop();
        torn = { ...last, reason: `zero-filled tail of ${last.bytes} bytes` };
      }
    }
  }
  if (tail !== undefined && torn === undefined) damaged.push({ ...tail.region, reason: `${tail.region.reason}; segment file cut short` });
  const endOffset = torn === undefined ? o.sizeBytes : torn.fileOffset;
  return { format: s.format, damaged, torn, endOffset, appendable: s.appendable, headerTorn: false, formatKnown: s.formatKnown };
}

function startsLikeMarker(buf: Buffer, at: number, available: number): boolean {
  const n = Math.min(available, FRAME_MAGIC_BYTES.length);
  return n > 0 && buf.subarray(at, at + n).equals(FRAME_MAGIC_BYTES.subarray(0, n));
}

/** The offset of the next frame marker at or after `from`, if any. */
async function findMarker(reader: ChunkReader, from: number, size: number, chunkBytes: number): Promise<number | undefined> {
  let pos = from;
  while (pos + FRAME_MAGIC_BYTES.length <= size) {
    const { buf, at, available } = await reader.load(pos, chunkBytes, size);
    if (available < FRAME_MAGIC_BYTES.length) return undefined;
    const i = buf.subarray(at, at + available).indexOf(FRAME_MAGIC_BYTES);
    if (i >= 0) return pos + i;
    // Overlap the windows so a marker straddling them is found.
    pos += available - (FRAME_MAGIC_BYTES.length - 1);
  }
  return undefined;
}

/** Whether any format-2 frame (with the position its place implies) is in the file. */
async function hasFormat2Frame(reader: ChunkReader, o: ScanOptions): Promise<boolean> {
  let pos = SEGMENT_HEADER_BYTES;
  for (;;) {
    const at = await findMarker(reader, pos, o.sizeBytes, o.chunkBytes);
    if (at === undefined) return false;
    const loaded = await reader.load(at, FRAME_HEADER_BYTES, o.sizeBytes);
    const check = checkFrame(loaded.buf, loaded.at, loaded.available, o.start + at - SEGMENT_HEADER_BYTES, o.maxRecordBytes);
    if (check.kind !== 'bad-header') return true;
    pos = at + 1;
  }
}

async function legacyFrameAt(reader: ChunkReader, offset: number, o: ScanOptions): Promise<boolean> {
  return (await legacyFrameCheckAt(reader, offset, o)).kind === 'ok';
}

/** Checks the format-1 frame at `offset`, loading it whole when its length fits the file. */
async function legacyFrameCheckAt(reader: ChunkReader, offset: number, o: ScanOptions): Promise<FrameCheck> {
  let loaded = await reader.load(offset, LEGACY_FRAME_HEADER_BYTES, o.sizeBytes);
  let check = checkLegacyFrame(loaded.buf, loaded.at, loaded.available, o.maxRecordBytes);
  if (check.kind === 'incomplete' && check.frameBytes !== undefined && offset + check.frameBytes <= o.sizeBytes) {
    loaded = await reader.load(offset, check.frameBytes, o.sizeBytes);
    check = checkLegacyFrame(loaded.buf, loaded.at, loaded.available, o.maxRecordBytes);
  }
  return check;
}

async function isAllZero(reader: ChunkReader, region: FileRegion, o: ScanOptions): Promise<boolean> {
  const end = region.fileOffset + region.bytes;
  let pos = region.fileOffset;
  while (pos < end) {
    const { buf, at, available } = await reader.load(pos, Math.min(o.chunkBytes, end - pos), end);
    if (available <= 0) return false;
    for (let i = at; i < at + available; i++) if (buf[i] !== 0) return false;
    pos += available;
  }
  return true;
}
