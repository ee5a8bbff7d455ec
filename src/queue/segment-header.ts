import { crc32 } from './crc32.js';

/**
 * The header at the start of every segment file of format 2 (32 bytes, little endian):
 *
 *   0  8 bytes "E2EQSEG\n"
 *   8  u32 format version (2)
 *  12  u32 header length (32): where the first frame starts
 *  16  u32 segment start position, low 32 bits (also in the file name)
 *  20  u32 segment start position, high bits
 *  24  u32 reserved (0)
 *  28  u32 CRC-32 of bytes 0..28
 *
 * Files without it are format 1 (written before the header existed): their first u32 is a frame
 * length, which can never equal the magic's first four bytes (over any maxRecordBytes allowed).
 */
export const SEGMENT_MAGIC = Buffer.from('E2EQSEG\n', 'latin1');
export const SEGMENT_FORMAT_VERSION = 2;
export const SEGMENT_HEADER_BYTES = 32;

const TWO_32 = 2 ** 32;

export function encodeSegmentHeader(start: number): Buffer {
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
  SEGMENT_MAGIC.copy(header, 0);
  header.writeUInt32LE(SEGMENT_FORMAT_VERSION, 8);
  header.writeUInt32LE(SEGMENT_HEADER_BYTES, 12);
  header.writeUInt32LE(start % TWO_32, 16);
  header.writeUInt32LE(Math.floor(start / TWO_32), 20);
  header.writeUInt32LE(crc32(header.subarray(0, 28)), 28);
  return header;
}

export type SegmentHeaderCheck =
  | { kind: 'ok' }
  /** Shorter than a header and a prefix of the one expected: a crash while the segment was created. */
  | { kind: 'torn' }
  /** The magic is there (at most two bytes off) but the header does not check out. */
  | { kind: 'damaged'; reason: string }
  /** A valid header of another format version (a newer release wrote it): refuse rather than skip its data. */
  | { kind: 'unsupported'; version: number }
  /** Not a format-2 header at all (format 1, or damaged beyond recognition). */
  | { kind: 'absent' };

/** Checks the first `available` bytes of a segment file named for `start`. */
export function checkSegmentHeader(buf: Buffer, offset: number, available: number, start: number): SegmentHeaderCheck {
  const expected = encodeSegmentHeader(start);
  if (available < SEGMENT_HEADER_BYTES) {
    return buf.subarray(offset, offset + available).equals(expected.subarray(0, available)) ? { kind: 'torn' } : { kind: 'absent' };
  }
  const header = buf.subarray(offset, offset + SEGMENT_HEADER_BYTES);
  if (header.equals(expected)) return { kind: 'ok' };
  let magicDiff = 0;
  for (let i = 0; i < SEGMENT_MAGIC.length; i++) if (header[i] !== SEGMENT_MAGIC[i]) magicDiff++;
  if (magicDiff > 2) return { kind: 'absent' };
  if (header.readUInt32LE(28) !== crc32(header.subarray(0, 28))) return { kind: 'damaged', reason: 'segment header checksum mismatch' };
  // A header that checks out but differs: another version, or a file renamed to another start.
  const version = header.readUInt32LE(8);
  if (version !== SEGMENT_FORMAT_VERSION) return { kind: 'unsupported', version };
  return { kind: 'damaged', reason: 'segment header does not match the file name' };
}
