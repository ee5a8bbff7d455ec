import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { createDurableQueue, type QueueRecord } from '../../src/queue/index.js';
import { FRAME_HEADER_BYTES } from '../../src/queue/record-frame.js';
import { SEGMENT_HEADER_BYTES } from '../../src/queue/segment-header.js';
import { drain, makeMemoryTempDir, record, segmentFiles } from './temp-dir.js';

/**
 * Where a damage lands. Uniform offsets mostly hit payloads, so part of the damage is aimed at what
 * resynchronisation and format detection depend on: segment headers (a fill from there can wipe a
 * whole segment, header and markers) and frame headers (marker, length, position, CRCs).
 */
type Target = { on: 'anywhere'; file: number; at: number } | { on: 'segment-header'; file: number; at: number } | { on: 'frame-header'; record: number; at: number };

type Damage =
  | { kind: 'flip'; target: Target; mask: number }
  | { kind: 'fill'; target: Target; length: number; value: number }
  | { kind: 'truncate'; target: Target };

const targetArb: fc.Arbitrary<Target> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ on: fc.constant('anywhere' as const), file: fc.nat(), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ on: fc.constant('segment-header' as const), file: fc.nat(), at: fc.nat({ max: SEGMENT_HEADER_BYTES - 1 }) }) },
  { weight: 2, arbitrary: fc.record({ on: fc.constant('frame-header' as const), record: fc.nat(), at: fc.nat({ max: FRAME_HEADER_BYTES - 1 }) }) },
);

const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('flip' as const), target: targetArb, mask: fc.integer({ min: 1, max: 255 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('fill' as const),
      target: targetArb,
      length: fc.integer({ min: 1, max: 600 }),
      // Zeros are what a power loss leaves (and what the torn-tail rule looks for); 0xff is an erased flash page.
      value: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(0xff) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), target: targetArb }) },
);

// Small payloads keep a run cheap (every segment file costs fsyncs) while giving many frames and
// segments per run; a rare large one spans segments' sizes on its own.
const payloadArb = fc.oneof(
  { weight: 12, arbitrary: fc.uint8Array({ maxLength: 48, size: 'max' }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 100, maxLength: 400 }) },
);

const key = (r: { position: number; data: Uint8Array }): string => `${r.position}:${Buffer.from(r.data).toString('hex')}`;

// QUEUE_FUZZ_RUNS=5000 for a long local run (a failure prints the seed and path to replay it).
const NUM_RUNS = Number(process.env['QUEUE_FUZZ_RUNS'] ?? 200);

void test('random damage anywhere: every record whose bytes were not touched comes back exactly once, in order; open never throws', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(payloadArb, { minLength: 1, maxLength: 40, size: 'max' }),
      fc.constantFrom(64, 128, 256, 1024),
      fc.array(damageArb, { minLength: 1, maxLength: 4, size: 'max' }),
      async (payloads, segmentBytes, damages) => {
        // The property is about the format, not the disk: on tmpfs a run costs no fsync.
        const { dir, cleanup } = await makeMemoryTempDir('fuzz-damage');
        try {
          const queue = await createDurableQueue({ dir, maxBytes: 1 << 30, segmentBytes });
          const outcomes = await Promise.all(payloads.map((p) => queue.append(p)));
          assert.ok(outcomes.every((o) => o === 'ok'));
          const written: QueueRecord[] = await drain(queue.reader('w'), queue);
          assert.equal(written.length, payloads.length);
          await queue.close();

          // Each record's byte range on disk; a damage that reaches into it "touched" it. A damaged
          // segment header touches no record: the file name gives the segment's start and every
          // frame carries its own position, so records whose frames are intact must all come back.
          const names = await segmentFiles(dir);
          const starts = names.map((n) => Number(n.slice(0, 20)));
          const place = (r: QueueRecord): { file: number; from: number; to: number } => {
            let file = 0;
            while (file + 1 < starts.length && (starts[file + 1] as number) <= r.position) file++;
            const start = starts[file] as number;
            return { file, from: SEGMENT_HEADER_BYTES + r.position - start, to: SEGMENT_HEADER_BYTES + r.next - start };
          };
          const touched = new Set<QueueRecord>();
          for (const d of damages) {
            const t = d.target;
            let file: number;
            let wanted: number;
            if (t.on === 'frame-header') {
              const p = place(written[t.record % written.length] as QueueRecord);
              file = p.file;
              wanted = p.from + t.at;
            } else {
              file = t.file % names.length;
              wanted = t.at;
            }
            const path = join(dir, names[file] as string);
            let bytes = await readFile(path);
            if (bytes.length === 0) continue;
            const at = wanted % bytes.length; // an earlier truncation may have shortened the file
            const from = at;
            let to = at + 1;
            if (d.kind === 'flip') {
              bytes[at] = (bytes[at] as number) ^ d.mask;
            } else if (d.kind === 'fill') {
              to = Math.min(bytes.length, at + d.length);
              bytes.fill(d.value, at, to);
            } else {
              bytes = bytes.subarray(0, at);
              to = Number.MAX_SAFE_INTEGER;
            }
            await writeFile(path, bytes);
            for (const r of written) {
              const p = place(r);
              if (p.file === file && p.from < to && from < p.to) touched.add(r);
            }
          }

          const reopened = await createDurableQueue({ dir, maxBytes: 1 << 30, segmentBytes, onCorruption: () => undefined });
          try {
            const got = (await drain(reopened.reader('check'), reopened)).map(key);
            const expected = written.filter((r) => !touched.has(r)).map(key);
            // Exactly once and in order: no duplicates, no phantom, untouched ones all there.
            const writtenKeys = written.map(key);
            assert.equal(new Set(got).size, got.length, 'no duplicates');
            let cursor = 0;
            for (const k of got) {
              const at = writtenKeys.indexOf(k, cursor);
              assert.ok(at >= 0, `record ${k.slice(0, 40)} was never written at that position (or came out of order)`);
              cursor = at + 1;
            }
            const missing = expected.filter((k) => !got.includes(k));
            assert.deepEqual(missing, [], 'untouched records lost');
            assert.equal(await reopened.append(record('after')), 'ok');
          } finally {
            await reopened.close();
          }
        } finally {
          await cleanup();
        }
      },
    ),
    { numRuns: NUM_RUNS },
  );
});
