import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { createDurableQueue, type QueueRecord } from '../../src/queue/index.js';
import { SEGMENT_HEADER_BYTES } from '../../src/queue/segment-header.js';
import { drain, makeTempDir, record, segmentFiles } from './temp-dir.js';

type Damage =
  | { kind: 'flip'; file: number; at: number; mask: number }
  | { kind: 'truncate'; file: number; at: number }
  | { kind: 'zeros'; file: number; at: number; length: number };

const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('flip' as const), file: fc.nat(), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), file: fc.nat(), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('zeros' as const), file: fc.nat(), at: fc.nat(), length: fc.integer({ min: 1, max: 600 }) }) },
);

const key = (r: { position: number; data: Uint8Array }): string => `${r.position}:${Buffer.from(r.data).toString('hex')}`;

void test('random damage anywhere: every record whose bytes were not touched comes back exactly once, in order; open never throws', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 120 }),
      fc.constantFrom(256, 1024, 4096),
      fc.array(damageArb, { minLength: 1, maxLength: 4 }),
      async (payloads, segmentBytes, damages) => {
        const { dir, cleanup } = await makeTempDir('fuzz-damage');
        try {
          const queue = await createDurableQueue({ dir, maxBytes: 1 << 30, segmentBytes });
          const outcomes = await Promise.all(payloads.map((p) => queue.append(p)));
          assert.ok(outcomes.every((o) => o === 'ok'));
          const written: QueueRecord[] = await drain(queue.reader('w'), queue);
          assert.equal(written.length, payloads.length);
          await queue.close();

          // Each record's byte range on disk; a damage that reaches into it "touches" it.
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
            const file = d.file % names.length;
            const path = join(dir, names[file] as string);
            let bytes = await readFile(path);
            if (bytes.length === 0) continue;
            const at = d.at % bytes.length;
            const from = at;
            let to = at + 1;
            if (d.kind === 'flip') {
              bytes[at] = (bytes[at] as number) ^ d.mask;
            } else if (d.kind === 'zeros') {
              to = Math.min(bytes.length, at + d.length);
              bytes.fill(0, at, to);
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
    { numRuns: 80 },
  );
});
