import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDurableQueue } from '../../src/queue/index.js';
import { drain, makeTempDir, record, segmentFiles, text } from './temp-dir.js';

void test('after a restart readers resume at their acked position and re-read what they did not ack', async (t) => {
  const { dir, cleanup } = await makeTempDir('restart');
  const closers: (() => Promise<void>)[] = [];
  t.after(async () => {
    for (const c of closers) await c();
    await cleanup();
  });
  const first = await createDurableQueue({ dir, maxBytes: 1 << 20, segmentBytes: 128 });
  const a = first.reader('a');
  const b = first.reader('b');
  for (let i = 0; i < 30; i++) assert.equal(await first.append(record(`m${i}`.padEnd(20, '.'))), 'ok');
  const readA = await drain(a, first);
  assert.equal(readA.length, 30);
  await a.ack(readA[19]!.next); // a handled 0..19 but read up to 29
  const readB = await b.read({ maxRecords: 5, maxBytes: 1 << 20, waitMs: 0 });
  await b.ack(readB[4]!.next); // b handled 0..4
  const end = first.endPosition();
  await first.close();

  const second = await createDurableQueue({ dir, maxBytes: 1 << 20, segmentBytes: 128 });
  closers.push(() => second.close());
  assert.equal(second.endPosition(), end);
  assert.equal(second.depthRecords(), 25, 'b (persisted, not yet reopened) holds the depth');
  const a2 = second.reader('a');
  const b2 = second.reader('b');
  assert.equal(a2.ackedPosition, readA[19]!.next);
  assert.equal(a2.position, readA[19]!.next);
  assert.deepEqual((await drain(a2, second)).map(text), readA.slice(20).map(text));
  assert.deepEqual((await drain(b2, second)).map(text), readA.slice(5).map(text));

  // A reader new in this run starts at the oldest retained record.
  const c = second.reader('c');
  const oldest = await c.read({ maxRecords: 1, maxBytes: 1 << 20, waitMs: 0 });
  assert.ok(oldest.length === 1 && oldest[0]!.position <= readB[4]!.next);

  // Appends continue after the recovered end.
  assert.equal(await second.append(record('fresh')), 'ok');
  const fresh = await a2.read({ maxRecords: 10, maxBytes: 1 << 20, waitMs: 0 });
  assert.deepEqual(fresh.map(text), ['fresh']);
  assert.equal(fresh[0]!.position, end);
});

void test('a persisted cursor of a reader not reopened yet still holds back segment deletion', async (t) => {
  const { dir, cleanup } = await makeTempDir('known-cursor');
  const closers: (() => Promise<void>)[] = [];
  t.after(async () => {
    for (const c of closers) await c();
    await cleanup();
  });
  const first = await createDurableQueue({ dir, maxBytes: 1 << 20, segmentBytes: 64 });
  first.reader('slow');
  const fast = first.reader('fast');
  for (let i = 0; i < 20; i++) assert.equal(await first.append(record(`k${i}`.padEnd(30, '.'))), 'ok');
  await first.close();
  const segments = await segmentFiles(dir);

  const second = await createDurableQueue({ dir, maxBytes: 1 << 20, segmentBytes: 64 });
  closers.push(() => second.close());
  const fast2 = second.reader(fast.name);
  await drain(fast2, second);
  await fast2.ack(fast2.position);
  assert.deepEqual(await segmentFiles(dir), segments, '"slow" has a cursor file at the start');
  const slow2 = second.reader('slow');
  assert.equal((await drain(slow2, second)).length, 20);

  await second.removeReader('gone-never-existed');
  await assert.rejects(second.removeReader('slow'), /open in this process/);
});
