import { crc32 } from './crc32.js';

/**
 * On-disk framing of one record (segment format 2), little endian:
 *
 *   0  u32 magic 0xe2e051a5      sync marker: where a frame may start
 *   4  u32 payload length
 *   8  u32 position, low 32 bits  the record's logical position, so a frame found at the wrong place
 *  12  u32 position, high bits    (a frame embedded in another record's payload) is not a record
 *  16  u32 CRC-32 of the payload
 *  20  u32 CRC-32 of bytes 0..20  the header is checked before its length is trusted
 *  24  payload
 *
 * After damage the scanner resynchronises on the magic and accepts a candidate only when its
 * header CRC and its position check out: a payload that happens to contain the magic costs one
 * 20-byte CRC and is never mistaken for a record. A zero-filled tail (power loss on some file
 * systems) fails the magic.
 */
export const FRAME_HEADER_BYTES = 24;
export const FRAME_MAGIC = 0xe2e051a5;
/** The magic as it sits on disk, for searching. */
export const FRAME_MAGIC_BYTES: Buffer = (() => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(FRAME_MAGIC, 0);
  return b;
})();

const TWO_32 = 2 ** 32;

/**
 * The header of the frame holding `payload` at `position`. The payload is written as it is after
 * it (writev), so appending never copies it.
 */
export function encodeFrameHeader(payload: Uint8Array, position: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32LE(FRAME_MAGIC, 0);
  header.writeUInt32LE(payload.byteLength, 4);
  header.writeUInt32LE(position % TWO_32, 8);
  header.writeUInt32LE(Math.floor(position / TWO_32), 12);
  header.writeUInt32LE(crc32(payload), 16);
  header.writeUInt32LE(crc32(header.subarray(0, 20)), 20);
  return header;
}

/** One buffer holding the whole frame (tests and tools; the writer uses the header and the payload as they are). */
export function encodeFrame(payload: Uint8Array, position: number): Buffer {
  return Buffer.concat([encodeFrameHeader(payload, position), payload]);
}

export type FrameCheck =
  | { kind: 'ok'; frameBytes: number }
  /** The header or payload runs past `available`: a torn write, or a frame not fully loaded yet (frameBytes known once the header is valid). */
  | { kind: 'incomplete'; frameBytes: number | undefined }
  /** The header is not valid: its length cannot be trusted; resynchronise. */
  | { kind: 'bad-header'; reason: string }
  /** The header is valid but the payload does not match its CRC: exactly `frameBytes` are damaged. */
  | { kind: 'bad-payload'; frameBytes: number; reason: string };

/** Checks only the header at `offset` (24 bytes must be loaded). */
export function checkFrameHeader(
  buf: Buffer,
  offset: number,
  expectedPosition: number,
  maxRecordBytes: number,
): { ok: true; payloadBytes: number } | { ok: false; reason: string } {
  if (buf.readUInt32LE(offset) !== FRAME_MAGIC) return { ok: false, reason: 'no frame marker' };
  if (buf.readUInt32LE(offset + 20) !== crc32(buf.subarray(offset, offset + 20))) return { ok: false, reason: 'frame header checksum mismatch' };
  const position = buf.readUInt32LE(offset + 8) + buf.readUInt32LE(offset + 12) * TWO_32;
  if (position !== expectedPosition) return { ok: false, reason: `frame of position ${position} found at position ${expectedPosition}` };
  const payloadBytes = buf.readUInt32LE(offset + 4);
  // A valid header with an absurd length was written by something else; never allocate for it.
  if (payloadBytes > maxRecordBytes) return { ok: false, reason: `record length ${payloadBytes} over maxRecordBytes` };
  return { ok: true, payloadBytes };
}

/**
 * Checks the frame starting at `offset` in `buf`, of which `available` bytes (from `offset`) are
 * loaded, expected to hold the record at `expectedPosition`.
 */
export function checkFrame(buf: Buffer, offset: number, available: number, expectedPosition: number, maxRecordBytes: number): FrameCheck {
  if (available < FRAME_HEADER_BYTES) return { kind: 'incomplete', frameBytes: undefined };
  const header = checkFrameHeader(buf, offset, expectedPosition, maxRecordBytes);
  if (!header.ok) return { kind: 'bad-header', reason: header.reason };
  const frameBytes = FRAME_HEADER_BYTES + header.payloadBytes;
  if (available < frameBytes) return { kind: 'incomplete', frameBytes };
  const payload = buf.subarray(offset + FRAME_HEADER_BYTES, offset + frameBytes);
  if (crc32(payload) !== buf.readUInt32LE(offset + 16)) return { kind: 'bad-payload', frameBytes, reason: 'payload checksum mismatch' };
  return { kind: 'ok', frameBytes };
}
