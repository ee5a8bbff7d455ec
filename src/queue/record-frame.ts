import { crc32 } from './crc32.js';

/**
 * On-disk framing of one record: [u32 LE payload length][u32 LE checksum][payload].
 *
 * The checksum is the CRC-32 of the four length bytes followed by the payload (not of the payload
 * alone): after a power loss a file system may leave a zero-filled tail, and a zero length with a
 * zero CRC would otherwise parse as a valid empty record.
 */
export const FRAME_HEADER_BYTES = 8;

export function frameChecksum(lengthBytes: Uint8Array, payload: Uint8Array): number {
  return crc32(payload, crc32(lengthBytes));
}

/** One buffer holding the whole frame of `payload`. */
export function encodeFrame(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.byteLength);
  frame.writeUInt32LE(payload.byteLength, 0);
  frame.set(payload, FRAME_HEADER_BYTES);
  frame.writeUInt32LE(frameChecksum(frame.subarray(0, 4), payload), 4);
  return frame;
}

export type FrameCheck =
  | { kind: 'ok'; frameBytes: number }
  /** The header or payload runs past `available`: a torn write, or a frame not fully read yet. */
  | { kind: 'incomplete'; frameBytes: number | undefined }
  | { kind: 'corrupt'; reason: string };

/**
 * Checks the frame starting at `offset` in `buf`, of which `available` bytes (from `offset`) are
 * loaded. `maxRecordBytes` rejects absurd lengths from a damaged header before anything is read.
 */
export function checkFrame(buf: Buffer, offset: number, available: number, maxRecordBytes: number): FrameCheck {
  if (available < FRAME_HEADER_BYTES) return { kind: 'incomplete', frameBytes: undefined };
  const length = buf.readUInt32LE(offset);
  if (length > maxRecordBytes) return { kind: 'corrupt', reason: `record length ${length} over maxRecordBytes` };
  const frameBytes = FRAME_HEADER_BYTES + length;
  if (available < frameBytes) return { kind: 'incomplete', frameBytes };
  const expected = buf.readUInt32LE(offset + 4);
  const actual = frameChecksum(
    buf.subarray(offset, offset + 4),
    buf.subarray(offset + FRAME_HEADER_BYTES, offset + frameBytes),
  );
  if (expected !== actual) return { kind: 'corrupt', reason: 'checksum mismatch' };
  return { kind: 'ok', frameBytes };
}
