import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createDurableQueue, type QueueCorruption, type QueueRecord } from '../../src/queue/index.js';
import { encodeLegacyFrame } from '../../src/queue/legacy-frame.js';
import { FRAME_HEADER_BYTES, encodeFrame } from '../../src/queue/record-frame.js';
import { SEGMENT_HEADER_BYTES, encodeSegmentHeader } from '../../src/queue/segment-header.js';
import { segmentFileName } from '../../src/queue/segment-file.js';
import { drain, makeTempDir, record, segmentFiles, text } from './temp-dir.js';

const key = (r: { position: number; data: Uint8Array }): string => `${r.position}:${Buffer.from(r.data).toString('hex')}`;

/** Appends concurrently (group commit, as ingest does), reads everything back with positions, closes. */
async function writeRecords(dir: string, payloads: Uint8Array[], segmentBytes: number): Promise<QueueRecord[]> {
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 30, segmentBytes });
  assert.ok((await Promise.all(payloads.map((p) => queue.append(p)))).every((o) => o === 'ok'));
  const written = await drain(queue.reader('writer-check'), queue);
  assert.equal(written.length, payloads.length);
  await queue.close();
  return written;
}

async function damage(path: string, change: (bytes: Buffer) => void): Promise<void> {
  const bytes = await readFile(path);
  change(bytes);
  await writeFile(path, bytes);
}

async function reopen(dir: string, segmentBytes: number): Promise<{ got: QueueRecord[]; events: QueueCorruption[]; close: () => Promise<void>; append: (s: string) => Promise<string> }> {
  const events: QueueCorruption[] = [];
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 30, segmentBytes, onCorruption: (e) => events.push(e) });
  const got = await drain(queue.reader('check'), queue);
  return { got, events, close: () => queue.close(), append: (s) => queue.append(record(s)) };
}

void test('fuzz counterexample (seed -1201721423): a destroyed segment header and frames never cost the next segment its records', async (t) => {
  const { dir, cleanup } = await makeTempDir('header-fuzz-case');
  t.after(cleanup);
  const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
  const payloads = [new Uint8Array(10), bytes(1, 2, 3, 4), bytes(5, 6, 7, 8), bytes(9, 10), bytes(1, 2, 3, 4, 5, 6), bytes(1, 2, 3, 4, 5), bytes(6, 7, 8, 9), bytes(1, 2, 3), new Uint8Array(3), new Uint8Array(0)];
  const written = await writeRecords(dir, payloads, 256);
  const names = await segmentFiles(dir);
  // The layout of the counterexample: file 0 holds positions 0..230 (262 bytes), file 1 the records at 230 and 257.
  assert.deepEqual(names, [segmentFileName(0), segmentFileName(230)]);
  assert.deepEqual(written.slice(-2).map(key), ['230:000000', '257:']);

  // Zeros over file 0 from byte 0, 236 bytes (its header and every frame marker), then byte 0 ^= 1.
  await damage(join(dir, names[0]!), (b) => {
    b.fill(0, 0, 236);
    b[0] = (b[0] as number) ^ 1;
  });

  const { got, events, close, append } = await reopen(dir, 256);
  t.after(close);
  // Every frame of file 0 was hit (the last one, at file bytes 235..262, lost its marker); none of file 1.
  assert.deepEqual(got.map(key), ['230:000000', '257:']);
  assert.ok(events.length > 0 && events.every((e) => e.file.endsWith(names[0]!)), 'no damage reported in file 1');
  assert.ok(events.every((e) => e.kind === 'damaged' && e.phase === 'open'));
  // File 0 is still read as format 2: its extent is its file size minus the header, so it ends where file 1 starts.
  assert.equal(events.reduce((n, e) => n + e.lostBytes, 0), 262);
  assert.equal(await append('after'), 'ok');
});

void test('a segment header destroyed beyond recognition (zeros, garbage) costs no record, in any segment', async (t) => {
  const payloads = Array.from({ length: 60 }, (_, i) => record(`header-${i}-${'h'.repeat(i % 17)}`));
  for (const fill of ['zeros', 'garbage'] as const) {
    for (const victim of [0, 2, -1]) {
      const { dir, cleanup } = await makeTempDir('header-destroyed');
      t.after(cleanup);
      const written = await writeRecords(dir, payloads, 512);
      const names = await segmentFiles(dir);
      assert.ok(names.length >= 4);
      const name = names.at(victim)!;
      await damage(join(dir, name), (b) => {
        for (let i = 0; i < SEGMENT_HEADER_BYTES; i++) b[i] = fill === 'zeros' ? 0 : (i * 151 + 7) & 0xff;
      });
      const { got, events, close, append } = await reopen(dir, 512);
      assert.deepEqual(got.map(key), written.map(key), `${fill} over the header of ${name}: every record, at its position`);
      assert.deepEqual(events.map((e) => [e.file.endsWith(name), e.fileOffset, e.lostBytes]), [[true, 0, SEGMENT_HEADER_BYTES]]);
      assert.equal(await append('after'), 'ok', 'appends go to a new segment');
      await close();
    }
  }
});

void test('header and every frame of a middle segment destroyed: its neighbours keep all their records and positions', async (t) => {
  const { dir, cleanup } = await makeTempDir('segment-destroyed');
  t.after(cleanup);
  const written = await writeRecords(dir, Array.from({ length: 40 }, (_, i) => record(`mid-${i}`)), 256);
  const names = await segmentFiles(dir);
  assert.ok(names.length >= 4);
  const starts = names.map((n) => Number(n.slice(0, 20)));
  const [from, to] = [starts[1]!, starts[2]!];
  for (const pattern of ['zeros', 'zeros-then-flip', 'ones'] as const) {
    const victimDir = join(dir, `copy-${pattern}`);
    await copySegments(dir, victimDir, names);
    await damage(join(victimDir, names[1]!), (b) => {
      b.fill(pattern === 'ones' ? 0xff : 0, 0, b.length - 1); // all but the last byte
      if (pattern === 'zeros-then-flip') b[0] = 1;
    });
    const { got, events, close } = await reopen(victimDir, 256);
    const expected = written.filter((r) => r.position < from || r.position >= to);
    assert.deepEqual(got.map(key), expected.map(key), pattern);
    assert.ok(events.every((e) => e.file.endsWith(names[1]!)), `${pattern}: damage only in the destroyed file`);
    await close();
  }
});

async function copySegments(from: string, to: string, names: string[]): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const n of names) await copyFile(join(from, n), join(to, n));
}

void test('a damaged region never reaches into the next file, even when files overlap (copied in by hand)', async (t) => {
  const { dir, cleanup } = await makeTempDir('overlap');
  t.after(cleanup);
  // File A (start 0): records at 0 and 30, then bytes that are no frame up to position 100.
  const a0 = encodeFrame(Buffer.alloc(6, 1), 0);
  const a1 = encodeFrame(Buffer.alloc(6, 2), 30);
  await writeFile(join(dir, segmentFileName(0)), Buffer.concat([encodeSegmentHeader(0), a0, a1, Buffer.alloc(40, 0x33)]));
  // File B starts at 70, inside A's damaged bytes.
  const b0 = encodeFrame(Buffer.from('b0'), 70);
  const b1 = encodeFrame(Buffer.from('b1'), 70 + b0.length);
  await writeFile(join(dir, segmentFileName(70)), Buffer.concat([encodeSegmentHeader(70), b0, b1]));
  const { got, events, close } = await reopen(dir, 1 << 20);
  t.after(close);
  assert.deepEqual(got.map((r) => r.position), [0, 30, 70, 70 + b0.length]);
  assert.deepEqual(got.slice(2).map(text), ['b0', 'b1']);
  assert.ok(events.every((e) => e.file.endsWith(segmentFileName(0))), 'nothing reported in file B');
  assert.ok(events.every((e) => e.phase === 'open'));
});

void test('a headerless file after a format-2 segment is never read as format 1 (no phantom record from a payload)', async (t) => {
  const { dir, cleanup } = await makeTempDir('no-legacy-after-v2');
  t.after(cleanup);
  // segmentBytes 1: one record per file. The last record's payload is a valid format-1 frame.
  const phantom = encodeLegacyFrame(Buffer.from('phantom'));
  const written = await writeRecords(dir, [record('first'), record('second'), phantom], 1);
  const names = await segmentFiles(dir);
  assert.equal(names.length, 3);
  // Destroy the last file's header and its frame's marker, and make its first 8 bytes a format-1
  // frame header whose (bad-checksum) frame ends exactly where the embedded format-1 frame starts.
  await damage(join(dir, names[2]!), (b) => {
    b.fill(0, 0, SEGMENT_HEADER_BYTES + 4);
    b.writeUInt32LE(SEGMENT_HEADER_BYTES + FRAME_HEADER_BYTES - 8, 0);
  });
  const { got, close } = await reopen(dir, 1);
  t.after(close);
  assert.deepEqual(got.map(key), written.slice(0, 2).map(key), 'the first two records, no phantom');
});
