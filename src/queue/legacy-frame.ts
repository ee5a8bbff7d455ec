import { crc32 } from './crc32.js';
import type { FrameCheck } from './record-frame.js';

/**
 * Segment format 1 (queues written before format 2), read but never written:
 * [u32 LE payload length][u32 LE CRC-32 of the length bytes then the payload][payload], no segment
 * header. It has no sync marker, so after damage the scanner can only skip a frame whose length
 * survived (the next frame then checks out), else the rest of the segment (quarantined).
 */
export const LEGACY_FRAME_HEADER_BYTES = 8;

export function legacyFrameChecksum(lengthBytes: Uint8Array, payload: Uint8Array): number {
  return crc32(payload, crc32(lengthBytes));
}

/** Encodes a format-1 frame (for tests and tools that build old queues). */
export function encodeLegacyFrame(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(LEGACY_FRAME_HEADER_BYTES + payload.byteLength);
  frame.writeUInt32LE(payload.byteLength, 0);
  frame.set(payload, LEGACY_FRAME_HEADER_BYTES);
  frame.writeUInt32LE(legacyFrameChecksum(frame.subarray(0, 4), payload), 4);
  return frame;
}

/**
 * Checks the format-1 frame at `offset`. A checksum mismatch is reported as 'bad-payload' with the
 * frame's claimed size, which the caller must confirm (the length is covered by the same CRC).
 */
export function checkLegacyFrame(buf: Buffer, offset: number, available: number, maxRecordBytes: number): FrameCheck {
  if (available < LEGACY_FRAME_HEADER_BYTES) return { kind: 'incomplete', frameBytes: undefined };
  const length = buf.readUInt32LE(offset);
  if (length > maxRecordBytes) return { kind: 'bad-header', reason: `record length ${length} over maxRecordBytes` };
  const frameBytes = LEGACY_FRAME_HEADER_BYTES + length;
  if (available < frameBytes) return { kind: 'incomplete', frameBytes };
  const expected = buf.readUInt32LE(offset + 4);
  const actual = legacyFrameChecksum(
    buf.subarray(offset, offset + 4),
    buf.subarray(offset + LEGACY_FRAME_HEADER_BYTES, offset + frameBytes),
  );
  if (expected !== actual) return { kind: 'bad-payload', frameBytes, reason: 'checksum mismatch (format 1)' };
  return { kind: 'ok', frameBytes };
}
