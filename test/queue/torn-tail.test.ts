import assert from 'node:assert/strict';
import { appendFile, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createDurableQueue, type QueueCorruption } from '../../src/queue/index.js';
import { drain, makeTempDir, record, segmentFiles, text } from './temp-dir.js';

async function fill(dir: string, count: number, segmentBytes: number): Promise<string[]> {
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 20, segmentBytes });
  const sent: string[] = [];
  for (let i = 0; i < count; i++) {
    const t = `rec-${i}-${'z'.repeat(i % 11)}`;
    assert.equal(await queue.append(record(t)), 'ok');
    sent.push(t);
  }
  await queue.close();
  return sent;
}

void test('garbage after the last frame is cut off at open; earlier records survive; appends go on', async (t) => {
  const { dir, cleanup } = await makeTempDir('garbage');
  t.after(cleanup);
  const sent = await fill(dir, 25, 1 << 20);
  const [segment] = await segmentFiles(dir);
  const path = join(dir, segment!);
  const cleanSize = (await stat(path)).size;
  // A torn frame: a plausible header (length 100) whose payload never made it, then noise.
  const torn = Buffer.alloc(30, 0xab);
  torn.writeUInt32LE(100, 0);
  await appendFile(path, torn);

  const events: QueueCorruption[] = [];
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 20, onCorruption: (e) => events.push(e) });
  t.after(() => queue.close());
  assert.equal((await stat(path)).size, cleanSize, 'truncated at the last valid frame');
  assert.equal(queue.stats().truncatedBytes, 30);
  assert.deepEqual(events.map((e) => e.kind), ['truncated']);
  const reader = queue.reader('r');
  assert.deepEqual((await drain(reader, queue)).map(text), sent);
  assert.equal(await queue.append(record('after-recovery')), 'ok');
  const next = await reader.read({ maxRecords: 10, maxBytes: 1 << 20, waitMs: 0 });
  assert.deepEqual(next.map(text), ['after-recovery']);
});

void test('a frame chopped in the middle, or with a bad checksum, at the tail is dropped', async (t) => {
  for (const damage of ['chop', 'flip'] as const) {
    const { dir, cleanup } = await makeTempDir(`tail-${damage}`);
    t.after(cleanup);
    const sent = await fill(dir, 10, 1 << 20);
    const [segment] = await segmentFiles(dir);
    const path = join(dir, segment!);
    const size = (await stat(path)).size;
    if (damage === 'chop') {
      await truncate(path, size - 3);
    } else {
      const bytes = await readFile(path);
      bytes[size - 1] = (bytes[size - 1] as number) ^ 0xff;
      await writeFile(path, bytes);
    }
    const queue = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    const reader = queue.reader('r');
    assert.deepEqual((await drain(reader, queue)).map(text), sent.slice(0, 9), damage);
    assert.equal(await queue.append(record('new')), 'ok');
    assert.deepEqual((await drain(reader, queue)).map(text), ['new']);
    await queue.close();

    // And the repaired log reopens cleanly.
    const again = await createDurableQueue({ dir, maxBytes: 1 << 20 });
    assert.equal(again.stats().truncatedBytes, 0);
    assert.deepEqual((await drain(again.reader('fresh'), again)).map(text), [...sent.slice(0, 9), 'new']);
    await again.close();
  }
});

void test('damage inside an older segment skips to the next segment and is reported, not thrown', async (t) => {
  const { dir, cleanup } = await makeTempDir('older');
  t.after(cleanup);
  const sent = await fill(dir, 30, 120);
  const segments = await segmentFiles(dir);
  assert.ok(segments.length >= 4);
  const victim = join(dir, segments[1]!);
  const bytes = await readFile(victim);
  bytes[12] = (bytes[12] as number) ^ 0x55; // payload byte of the segment's first record
  await writeFile(victim, bytes);

  const events: QueueCorruption[] = [];
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 20, onCorruption: (e) => events.push(e) });
  t.after(() => queue.close());
  assert.equal(queue.stats().corruptions, 1);
  assert.equal(events.length, 1);
  assert.equal(events[0]!.kind, 'skipped');
  assert.equal(events[0]!.file, victim);
  assert.equal(events[0]!.lostBytes, bytes.length);
  const got = (await drain(queue.reader('r'), queue)).map(text);
  const firstSegmentStart = Number(segments[1]!.slice(0, 20));
  const secondSegmentStart = Number(segments[2]!.slice(0, 20));
  assert.ok(firstSegmentStart > 0 && secondSegmentStart > firstSegmentStart);
  const lost = sent.filter((s) => !got.includes(s));
  assert.ok(lost.length >= 1, 'the damaged segment is skipped');
  assert.deepEqual(got, sent.filter((s) => !lost.includes(s)), 'everything else is intact and in order');
  assert.equal(got[got.length - 1], sent[sent.length - 1]);
});
