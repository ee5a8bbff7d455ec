import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { crc32, crc32Fallback } from '../../src/queue/crc32.js';
import { checkLegacyFrame, encodeLegacyFrame } from '../../src/queue/legacy-frame.js';
import { FRAME_HEADER_BYTES, FRAME_MAGIC_BYTES, checkFrame, encodeFrame } from '../../src/queue/record-frame.js';
import { createDurableQueue } from '../../src/queue/index.js';
import { segmentFileName } from '../../src/queue/segment-file.js';
import { checkSegmentHeader, encodeSegmentHeader, SEGMENT_HEADER_BYTES } from '../../src/queue/segment-header.js';
import { drain, makeTempDir } from './temp-dir.js';

void test('the table CRC-32 matches known values and zlib; the exported one matches both at every size', () => {
  assert.equal(crc32Fallback(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32Fallback(new Uint8Array(0)), 0);
  const native = (zlib as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 50 }), (a, b) => {
      // Chaining gives the CRC of the concatenation, as the frame checksum relies on.
      const whole = new Uint8Array([...a, ...b]);
      assert.equal(crc32Fallback(b, crc32Fallback(a)), crc32Fallback(whole));
      assert.equal(crc32(b, crc32(a)), crc32Fallback(whole));
      if (native !== undefined) assert.equal(crc32Fallback(whole), native(whole) >>> 0);
    }),
  );
});

void test('frames round-trip; a flipped bit in the header is a bad header, in the payload a bad payload', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 2 ** 40 }), fc.nat(), (payload, position, bitSeed) => {
      const frame = encodeFrame(payload, position);
      const ok = checkFrame(frame, 0, frame.length, position, 1000);
      assert.deepEqual(ok, { kind: 'ok', frameBytes: FRAME_HEADER_BYTES + payload.length });
      if (payload.length > 0) assert.deepEqual(checkFrame(frame, 0, frame.length - 1, position, 1000), { kind: 'incomplete', frameBytes: frame.length });
      assert.deepEqual(checkFrame(frame, 0, FRAME_HEADER_BYTES - 1, position, 1000), { kind: 'incomplete', frameBytes: undefined });
      // The same frame anywhere else (e.g. inside another record's payload) is not a record.
      assert.equal(checkFrame(frame, 0, frame.length, position + 1, 1000).kind, 'bad-header');
      const bit = bitSeed % (frame.length * 8);
      frame[bit >> 3] = (frame[bit >> 3] as number) ^ (1 << (bit & 7));
      const damaged = checkFrame(frame, 0, frame.length, position, 1000);
      assert.equal(damaged.kind, bit >> 3 < FRAME_HEADER_BYTES ? 'bad-header' : 'bad-payload');
      if (damaged.kind === 'bad-payload') assert.equal(damaged.frameBytes, frame.length, 'the length is trusted only from a sound header');
    }),
  );
});

void test('a header with an absurd length, a zero-filled tail and a bare marker are not records', () => {
  const frame = encodeFrame(new Uint8Array(10), 0);
  assert.equal(checkFrame(frame, 0, frame.length, 0, 5).kind, 'bad-header', 'over maxRecordBytes');
  const zeros = Buffer.alloc(64);
  assert.equal(checkFrame(zeros, 0, zeros.length, 0, 1000).kind, 'bad-header');
  const marker = Buffer.concat([FRAME_MAGIC_BYTES, Buffer.alloc(60, 0x41)]);
  assert.equal(checkFrame(marker, 0, marker.length, 0, 1000).kind, 'bad-header');
});

void test('format-1 frames still check, and damage in them is reported', () => {
  const frame = encodeLegacyFrame(new TextEncoder().encode('old record'));
  assert.deepEqual(checkLegacyFrame(frame, 0, frame.length, 1000), { kind: 'ok', frameBytes: frame.length });
  frame[10] = (frame[10] as number) ^ 1;
  assert.equal(checkLegacyFrame(frame, 0, frame.length, 1000).kind, 'bad-payload');
});

void test('segment headers: sound, torn, damaged, absent', () => {
  const header = encodeSegmentHeader(12345);
  assert.deepEqual(checkSegmentHeader(header, 0, header.length, 12345), { kind: 'ok' });
  assert.deepEqual(checkSegmentHeader(header, 0, 10, 12345), { kind: 'torn' });
  assert.equal(checkSegmentHeader(header, 0, header.length, 999).kind, 'damaged', 'renamed to another start');
  const flipped = Buffer.from(header);
  flipped[20] = (flipped[20] as number) ^ 4;
  assert.equal(checkSegmentHeader(flipped, 0, SEGMENT_HEADER_BYTES, 12345).kind, 'damaged');
  const legacy = encodeLegacyFrame(new Uint8Array(40));
  assert.equal(checkSegmentHeader(legacy, 0, SEGMENT_HEADER_BYTES, 0).kind, 'absent');
});

void test('random bytes as segment files never break open; the valid records come back, nothing else', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 400 }), { minLength: 1, maxLength: 3 }),
      fc.array(fc.uint8Array({ maxLength: 60 }), { maxLength: 5 }),
      fc.boolean(),
      async (garbage, validRecords, withHeader) => {
        const { dir, cleanup } = await makeTempDir('fuzz');
        try {
          // Valid frames first, then garbage, in the first file; pure garbage in later files.
          let start = 0;
          for (let i = 0; i < garbage.length; i++) {
            let position = start;
            const frames = i === 0 && withHeader
              ? validRecords.map((r) => {
                  const f = encodeFrame(r, position);
                  position += f.length;
                  return f;
                })
              : [];
            const head = i === 0 && withHeader ? [encodeSegmentHeader(start)] : [];
            const bytes = Buffer.concat([...head, ...frames, garbage[i] as Uint8Array]);
            await writeFile(join(dir, segmentFileName(start)), bytes);
            start += bytes.length + 10;
          }
          const queue = await createDurableQueue({ dir, maxBytes: 1 << 20, onCorruption: () => undefined });
          try {
            const got = await drain(queue.reader('r'), queue);
            const expected = withHeader ? validRecords.map((r) => Buffer.from(r).toString('hex')) : [];
            assert.deepEqual(got.map((r) => Buffer.from(r.data).toString('hex')), expected);
            assert.equal(await queue.append(new Uint8Array([1, 2, 3])), 'ok');
          } finally {
            await queue.close();
          }
        } finally {
          await cleanup();
        }
      },
    ),
    { numRuns: 40 },
  );
});
