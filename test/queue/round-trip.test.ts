import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDurableQueue, type QueueCorruption } from '../../src/queue/index.js';
import { drain, makeTempDir, record, segmentFiles, text } from './temp-dir.js';

void test('records round-trip in order across segments, with positions chaining', async (t) => {
  const { dir, cleanup } = await makeTempDir('roundtrip');
  t.after(cleanup);
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 20, segmentBytes: 256 });
  t.after(() => queue.close());
  const reader = queue.reader('exporter');
  for (let i = 0; i < 60; i++) assert.equal(await queue.append(record(`record-${i}-${'x'.repeat(i % 7)}`)), 'ok');
  assert.ok((await segmentFiles(dir)).length >= 5, 'small segmentBytes makes several segments');
  assert.equal(queue.stats().segments, (await segmentFiles(dir)).length);

  const got = await drain(reader, queue);
  assert.deepEqual(
    got.map(text),
    Array.from({ length: 60 }, (_, i) => `record-${i}-${'x'.repeat(i % 7)}`),
  );
  for (let i = 1; i < got.length; i++) {
    const prev = got[i - 1]!;
    const cur = got[i]!;
    assert.ok(cur.position > prev.position, 'positions increase');
    assert.ok(cur.position >= prev.next, 'a record starts at or after the previous one ends');
  }
  assert.equal(reader.position, queue.endPosition());
  assert.equal(queue.depthRecords(), 60);
});

void test('two readers keep independent cursors; segments go only after both acked past them', async (t) => {
  const { dir, cleanup } = await makeTempDir('two-readers');
  t.after(cleanup);
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 20, segmentBytes: 200 });
  t.after(() => queue.close());
  const a = queue.reader('a');
  const b = queue.reader('b');
  assert.equal(queue.reader('a'), a, 'same name, same reader');
  for (let i = 0; i < 40; i++) assert.equal(await queue.append(record(`r${i}`.padEnd(24, '.'))), 'ok');
  const before = await segmentFiles(dir);
  assert.ok(before.length >= 5);

  const allA = await drain(a, queue);
  assert.equal(allA.length, 40);
  const firstB = await b.read({ maxRecords: 3, maxBytes: 1 << 20, waitMs: 0 });
  assert.deepEqual(firstB.map(text), allA.slice(0, 3).map(text), 'b reads from its own position');

  await a.ack(a.position);
  assert.equal(a.ackedPosition, queue.endPosition());
  assert.deepEqual(await segmentFiles(dir), before, 'b has not acked: nothing deleted');
  assert.equal(queue.depthRecords(), 40);

  const lastB = firstB[firstB.length - 1]!;
  await b.ack(lastB.next);
  assert.deepEqual(await segmentFiles(dir), before, 'b acked only within the first segment');
  assert.equal(queue.depthRecords(), 37);

  const restB = await drain(b, queue);
  assert.deepEqual(restB.map(text), allA.slice(3).map(text));
  const middle = restB[20]!;
  await b.ack(middle.position);
  const afterPartial = await segmentFiles(dir);
  assert.ok(afterPartial.length < before.length, 'segments wholly before both cursors are deleted');
  assert.ok(afterPartial.length > 1);
  assert.equal(queue.depthBytes(), queue.endPosition() - middle.position);

  await b.ack(b.position);
  assert.deepEqual(await segmentFiles(dir), [before[before.length - 1]], 'only the active segment remains');
  assert.equal(queue.depthBytes(), 0);
  assert.equal(queue.depthRecords(), 0);

  // Reading after deletion goes on from the retained data and new appends.
  assert.equal(await queue.append(record('after')), 'ok');
  const next = await a.read({ maxRecords: 10, maxBytes: 1 << 20, waitMs: 0 });
  assert.deepEqual(next.map(text), ['after']);
});

void test('seek never throws for a position the log does not hold: it clamps, counts and reports', async (t) => {
  const { dir, cleanup } = await makeTempDir('seek');
  t.after(cleanup);
  const events: QueueCorruption[] = [];
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 20, segmentBytes: 120, onCorruption: (e) => events.push(e) });
  t.after(() => queue.close());
  const reader = queue.reader('r');
  for (let i = 0; i < 20; i++) assert.equal(await queue.append(record(`n${i}`.padEnd(30, '-'))), 'ok');
  const all = await drain(reader, queue);
  reader.seek(all[5]!.position);
  const again = await reader.read({ maxRecords: 2, maxBytes: 1 << 20, waitMs: 0 });
  assert.deepEqual(again.map(text), [text(all[5]!), text(all[6]!)]);
  assert.equal(queue.stats().clampedPositions, 0, 'record boundaries are taken as they are');

  // Inside a record: the next record.
  reader.seek(all[5]!.position + 1);
  assert.equal(reader.position, all[6]!.position);
  assert.equal(queue.stats().clampedPositions, 1);
  assert.deepEqual(events.map((e) => [e.kind, e.reader, e.position, e.clampedTo]), [['clamped', 'r', all[5]!.position + 1, all[6]!.position]]);
  assert.deepEqual((await reader.read({ maxRecords: 1, maxBytes: 1 << 20, waitMs: 0 })).map(text), [text(all[6]!)]);

  reader.seek(queue.endPosition());
  assert.deepEqual(await reader.read({ maxRecords: 1, maxBytes: 100, waitMs: 0 }), []);

  // Before the oldest retained segment: the oldest record.
  await reader.ack(all[10]!.position);
  reader.seek(0);
  assert.equal(queue.stats().clampedPositions, 2);
  const oldest = reader.position;
  assert.ok(oldest > 0 && oldest <= all[10]!.position, 'clamped to the oldest retained segment');
  const fromOldest = await drain(reader, queue);
  assert.equal(text(fromOldest[fromOldest.length - 1]!), text(all[19]!));

  // Negative and fractional positions are programming errors.
  assert.throws(() => reader.seek(-1), RangeError);
  assert.throws(() => reader.seek(1.5), RangeError);
});

void test('a seek past the end (a consumer cursor beyond a lost tail) makes the log continue from there', async (t) => {
  const { dir, cleanup } = await makeTempDir('seek-past-end');
  t.after(cleanup);
  const queue = await createDurableQueue({ dir, maxBytes: 4096, segmentBytes: 1 << 20, onCorruption: () => undefined });
  t.after(() => queue.close());
  for (let i = 0; i < 3; i++) assert.equal(await queue.append(record(`before-${i}`)), 'ok');
  const end = queue.endPosition();
  const store = queue.reader('store');
  const other = queue.reader('other');
  const storedCursor = end + 1_000_000;
  store.seek(storedCursor);
  assert.equal(store.position, storedCursor);
  assert.equal(queue.stats().clampedPositions, 1);
  assert.deepEqual(await store.read({ maxRecords: 10, maxBytes: 1 << 20, waitMs: 0 }), []);

  const reading = store.read({ maxRecords: 10, maxBytes: 1 << 20, waitMs: 60_000 });
  assert.equal(await queue.append(record('after')), 'ok');
  const got = await reading;
  assert.deepEqual(got.map(text), ['after']);
  assert.ok(got[0]!.position >= storedCursor, 'positions never go back for the consumer');
  // The gap takes no room: the bound counts bytes on disk, not positions.
  assert.ok(queue.depthBytes() < 4096);
  assert.deepEqual((await drain(other, queue)).map(text), ['before-0', 'before-1', 'before-2', 'after']);
  await store.ack(got[0]!.next);
  assert.equal(store.ackedPosition, got[0]!.next);
});

void test('maxBytes bounds a read but a single larger record still comes back', async (t) => {
  const { dir, cleanup } = await makeTempDir('maxbytes');
  t.after(cleanup);
  const queue = await createDurableQueue({ dir, maxBytes: 64 << 20, segmentBytes: 1 << 20 });
  t.after(() => queue.close());
  const reader = queue.reader('r');
  const big = new Uint8Array(300_000).map((_, i) => i % 251);
  assert.equal(await queue.append(big), 'ok');
  for (let i = 0; i < 10; i++) assert.equal(await queue.append(new Uint8Array(1000).fill(i)), 'ok');

  const first = await reader.read({ maxRecords: 100, maxBytes: 10, waitMs: 0 });
  assert.equal(first.length, 1, 'one record even though it alone exceeds maxBytes');
  assert.deepEqual(first[0]!.data, big);
  const next = await reader.read({ maxRecords: 100, maxBytes: 3500, waitMs: 0 });
  assert.equal(next.length, 3, 'stops before exceeding maxBytes');
  assert.deepEqual(next.map((r) => r.data[0]), [0, 1, 2]);
  const few = await reader.read({ maxRecords: 2, maxBytes: 1 << 20, waitMs: 0 });
  assert.deepEqual(few.map((r) => r.data[0]), [3, 4], 'maxRecords bounds the count');

  assert.throws(() => queue.append(new Uint8Array(66 * 1024 * 1024)), RangeError, 'over maxRecordBytes');
});

void test('after close appends answer closed and reads return []', async (t) => {
  const { dir, cleanup } = await makeTempDir('closed');
  t.after(cleanup);
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 20 });
  const reader = queue.reader('r');
  const pending = queue.append(record('last'));
  await queue.close();
  assert.equal(await pending, 'ok', 'an append accepted before close is still written');
  assert.equal(await queue.append(record('late')), 'closed');
  assert.deepEqual(await reader.read({ maxRecords: 10, maxBytes: 1000, waitMs: 1000 }), []);
});
