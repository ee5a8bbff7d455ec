import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { crc32Fallback } from '../../src/queue/crc32.js';
import { FRAME_HEADER_BYTES, checkFrame, encodeFrame } from '../../src/queue/record-frame.js';
import { createDurableQueue } from '../../src/queue/index.js';
import { segmentFileName } from '../../src/queue/segment-file.js';
import { drain, makeTempDir } from './temp-dir.js';

void test('the table CRC-32 matches known values and zlib', () => {
  assert.equal(crc32Fallback(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32Fallback(new Uint8Array(0)), 0);
  const native = (zlib as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 50 }), (a, b) => {
      // Chaining gives the CRC of the concatenation, as the frame checksum relies on.
      const whole = new Uint8Array([...a, ...b]);
      assert.equal(crc32Fallback(b, crc32Fallback(a)), crc32Fallback(whole));
      if (native !== undefined) assert.equal(crc32Fallback(whole), native(whole) >>> 0);
    }),
  );
});

void test('frames round-trip and any single flipped bit is caught', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (payload, bitSeed) => {
      const frame = encodeFrame(payload);
      const ok = checkFrame(frame, 0, frame.length, 1000);
      assert.deepEqual(ok, { kind: 'ok', frameBytes: FRAME_HEADER_BYTES + payload.length });
      assert.equal(checkFrame(frame, 0, frame.length - 1, 1000).kind, 'incomplete');
      const bit = bitSeed % (frame.length * 8);
      frame[bit >> 3] = (frame[bit >> 3] as number) ^ (1 << (bit & 7));
      assert.notEqual(checkFrame(frame, 0, frame.length, 1000).kind, 'ok');
    }),
  );
});

void test('a zero-filled tail (power loss on some file systems) is not read as empty records', () => {
  const zeros = Buffer.alloc(64);
  assert.equal(checkFrame(zeros, 0, zeros.length, 1000).kind, 'corrupt');
});

void test('random bytes as segment files never break open; what opens reads cleanly', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 400 }), { minLength: 1, maxLength: 3 }),
      fc.array(fc.uint8Array({ maxLength: 60 }), { maxLength: 5 }),
      async (garbage, validRecords) => {
        const { dir, cleanup } = await makeTempDir('fuzz');
        try {
          // Valid frames first, then garbage, in the first file; pure garbage in later files.
          let start = 0;
          for (let i = 0; i < garbage.length; i++) {
            const frames = i === 0 ? validRecords.map((r) => encodeFrame(r)) : [];
            const bytes = Buffer.concat([...frames, garbage[i] as Uint8Array]);
            await writeFile(join(dir, segmentFileName(start)), bytes);
            start += bytes.length + 10;
          }
          const queue = await createDurableQueue({ dir, maxBytes: 1 << 20, onCorruption: () => undefined });
          try {
            const got = await drain(queue.reader('r'), queue);
            const expected = validRecords.map((r) => Buffer.from(r).toString('hex'));
            const actual = got.map((r) => Buffer.from(r.data).toString('hex'));
            // Garbage may by chance hold a valid frame, but the valid prefix always comes first.
            assert.deepEqual(actual.slice(0, expected.length), expected);
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
