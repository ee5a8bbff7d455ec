import assert from 'node:assert/strict';
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createDurableQueue, queueLogHooks, type QueueCorruption, type QueueRecord } from '../../src/queue/index.js';
import { FRAME_HEADER_BYTES, FRAME_MAGIC_BYTES, encodeFrame } from '../../src/queue/record-frame.js';
import { SEGMENT_HEADER_BYTES } from '../../src/queue/segment-header.js';
import { collectingLogger, drain, flipByte, makeTempDir, record, segmentFiles, text } from './temp-dir.js';

/** Appends `count` records concurrently (as ingest does: group commit), reads them back with their positions, closes. */
async function writeRecords(dir: string, count: number, segmentBytes: number, payload = (i: number) => `ack-${i}-${'p'.repeat(i % 37)}`): Promise<QueueRecord[]> {
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 30, segmentBytes });
  const outcomes = await Promise.all(Array.from({ length: count }, (_, i) => queue.append(record(payload(i)))));
  assert.ok(outcomes.every((o) => o === 'ok'));
  const reader = queue.reader('writer-check');
  const records = await drain(reader, queue, 64 << 20);
  assert.equal(records.length, count);
  await queue.close();
  return records;
}

/** Segment file and file offset of the byte at logical position `position`. */
async function locate(dir: string, position: number): Promise<{ path: string; offset: number; start: number }> {
  const starts = (await segmentFiles(dir)).map((n) => Number(n.slice(0, 20)));
  const start = starts.filter((s) => s <= position).pop();
  assert.ok(start !== undefined);
  return { path: join(dir, `${String(start).padStart(20, '0')}.seg`), offset: SEGMENT_HEADER_BYTES + position - start, start };
}

/** The record whose frame holds file byte `offset` of the segment starting at `start`. */
function recordAt(records: QueueRecord[], start: number, offset: number): QueueRecord {
  const position = start + offset - SEGMENT_HEADER_BYTES;
  const hit = records.find((r) => r.position <= position && position < r.next);
  assert.ok(hit !== undefined, `no record at ${position}`);
  return hit;
}

async function quarantineFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'quarantine')).catch(() => [])).sort();
}

void test('one byte flipped in the middle of the last segment loses only that record; quarantined, logged, counted', async (t) => {
  const { dir, cleanup } = await makeTempDir('flip-last');
  t.after(cleanup);
  const written = await writeRecords(dir, 1000, 64 << 20);
  const [segment] = await segmentFiles(dir);
  const path = join(dir, segment!);
  const offset = Math.floor((await stat(path)).size / 2);
  const hit = recordAt(written, 0, offset);
  const damagedBytes = await readFile(path).then((b) => b.subarray(SEGMENT_HEADER_BYTES + hit.position, SEGMENT_HEADER_BYTES + hit.next));
  await flipByte(path, offset);

  const { logger, lines } = collectingLogger();
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 30, segmentBytes: 64 << 20, ...queueLogHooks(logger, 'test') });
  const got = await drain(queue.reader('r'), queue, 64 << 20);
  assert.equal(got.length, 999);
  assert.deepEqual(got.map(text), written.filter((r) => r !== hit).map(text), 'every other record, in order');
  assert.deepEqual(got.map((r) => r.position), written.filter((r) => r !== hit).map((r) => r.position), 'at their positions');
  const stats = queue.stats();
  assert.equal(stats.corruptions, 1);
  assert.equal(stats.corruptedBytes, hit.next - hit.position);
  assert.equal(stats.quarantinedBytes, hit.next - hit.position);
  assert.equal(stats.truncatedBytes, 0);

  // The operator finds the bytes, where they were and why, readable by the owner only.
  const files = await quarantineFiles(dir);
  assert.equal(files.length, 2);
  const bin = files.find((f) => f.endsWith('.bin'))!;
  const meta = JSON.parse(await readFile(join(dir, 'quarantine', files.find((f) => f.endsWith('.json'))!), 'utf8'));
  assert.equal(meta.segment, segment);
  assert.equal(meta.position, hit.position);
  assert.equal(meta.bytes, hit.next - hit.position);
  assert.equal(meta.fileOffset, SEGMENT_HEADER_BYTES + hit.position);
  assert.equal(meta.phase, 'open');
  assert.match(meta.reason, /checksum|marker|position/);
  const copy = await readFile(join(dir, 'quarantine', bin));
  assert.equal(copy.length, damagedBytes.length);
  // The copy holds the record's bytes as found on disk: the original but for the flipped byte.
  assert.equal(copy.filter((b, i) => b !== damagedBytes[i]).length, 1);
  for (const f of files) assert.equal((await stat(join(dir, 'quarantine', f))).mode & 0o777, 0o600);
  assert.equal((await stat(join(dir, 'quarantine'))).mode & 0o777, 0o700);
  const logged = lines.find((l) => typeof l.msg === 'string' && l.msg.includes('damaged bytes skipped'));
  assert.ok(logged !== undefined, 'logged');
  assert.equal((logged.damage as QueueCorruption).position, hit.position);
  assert.equal(logged.level, 50, 'at error level');

  // Appends go on, and a restart finds the same records (the damage is reported again, not copied again).
  assert.equal(await queue.append(record('after')), 'ok');
  await queue.close();
  const again = await createDurableQueue({ dir, maxBytes: 1 << 30, segmentBytes: 64 << 20, onCorruption: () => undefined });
  t.after(() => again.close());
  const all = await drain(again.reader('fresh'), again, 64 << 20);
  assert.deepEqual(all.map(text), [...written.filter((r) => r !== hit).map(text), 'after']);
  assert.equal(again.stats().corruptions, 1);
  assert.equal(again.stats().quarantinedBytes, 0, 'already quarantined');
  assert.deepEqual(await quarantineFiles(dir), files);
});

void test('one byte flipped in the middle of an older segment loses only that record', async (t) => {
  const { dir, cleanup } = await makeTempDir('flip-older');
  t.after(cleanup);
  const written = await writeRecords(dir, 3000, 32 * 1024);
  const segments = await segmentFiles(dir);
  assert.ok(segments.length >= 4, `${segments.length} segments`);
  const victim = join(dir, segments[1]!);
  const start = Number(segments[1]!.slice(0, 20));
  const offset = Math.floor((await stat(victim)).size / 2);
  const hit = recordAt(written, start, offset);
  await flipByte(victim, offset);

  const events: QueueCorruption[] = [];
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 30, segmentBytes: 32 * 1024, onCorruption: (e) => events.push(e) });
  t.after(() => queue.close());
  const got = await drain(queue.reader('r'), queue, 64 << 20);
  assert.deepEqual(got.map(text), written.filter((r) => r !== hit).map(text));
  assert.equal(got.length, 2999);
  assert.deepEqual(events.map((e) => [e.kind, e.file, e.position, e.lostBytes]), [['damaged', victim, hit.position, hit.next - hit.position]]);
  // Reading over the damage again is quiet: it was reported once.
  const second = await drain(queue.reader('second'), queue, 64 << 20);
  assert.equal(second.length, 2999);
  assert.equal(queue.stats().corruptions, 1);
});

void test('a flipped byte anywhere in a frame (marker, length, position, CRCs, payload) costs only that frame', async (t) => {
  const fields: [string, number][] = [
    ['marker', 1],
    ['length', 5],
    ['position', 9],
    ['payload CRC', 17],
    ['header CRC', 21],
    ['payload', FRAME_HEADER_BYTES + 3],
  ];
  for (const [field, within] of fields) {
    const { dir, cleanup } = await makeTempDir('flip-field');
    t.after(cleanup);
    const written = await writeRecords(dir, 50, 1 << 20);
    const hit = written[20]!;
    const { path, offset } = await locate(dir, hit.position);
    await flipByte(path, offset + within, 0x80);
    const queue = await createDurableQueue({ dir, maxBytes: 1 << 30, onCorruption: () => undefined });
    const got = await drain(queue.reader('r'), queue);
    assert.deepEqual(got.map(text), written.filter((r) => r !== hit).map(text), field);
    assert.equal(queue.stats().corruptions, 1, field);
    await queue.close();
  }
});

void test('damage that appears after open is found by the reader, skipped, quarantined and reported once', async (t) => {
  const { dir, cleanup } = await makeTempDir('flip-read');
  t.after(cleanup);
  const events: QueueCorruption[] = [];
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 30, segmentBytes: 4096, onCorruption: (e) => events.push(e) });
  t.after(() => queue.close());
  const a = queue.reader('a');
  const b = queue.reader('b');
  for (let i = 0; i < 100; i++) assert.equal(await queue.append(record(`live-${i}`.padEnd(40, '.'))), 'ok');
  const written = await drain(queue.reader('index'), queue);
  const hit = written[40]!;
  const { path, offset } = await locate(dir, hit.position);
  await flipByte(path, offset + FRAME_HEADER_BYTES + 2);

  const gotA = await drain(a, queue);
  assert.deepEqual(gotA.map(text), written.filter((r) => r !== hit).map(text));
  assert.deepEqual(events.map((e) => [e.kind, e.phase, e.position, e.lostBytes]), [['damaged', 'read', hit.position, hit.next - hit.position]]);
  assert.ok(events[0]!.quarantineFile !== undefined);
  const gotB = await drain(b, queue);
  assert.equal(gotB.length, 99);
  assert.equal(queue.stats().corruptions, 1, 'the second reader skips it quietly');
  // A reader standing on the damaged record (e.g. it acked just before it) moves past it.
  b.seek(hit.position);
  assert.deepEqual((await b.read({ maxRecords: 1, maxBytes: 1 << 20, waitMs: 0 })).map(text), [text(written[41]!)]);
});

void test('a damaged segment header costs no record', async (t) => {
  const { dir, cleanup } = await makeTempDir('flip-header');
  t.after(cleanup);
  const written = await writeRecords(dir, 300, 2048);
  const segments = await segmentFiles(dir);
  for (const [i, at] of [[1, 3], [2, 9], [3, 17]] as const) await flipByte(join(dir, segments[i]!), at);
  const events: QueueCorruption[] = [];
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 30, segmentBytes: 2048, onCorruption: (e) => events.push(e) });
  t.after(() => queue.close());
  assert.deepEqual((await drain(queue.reader('r'), queue)).map(text), written.map(text));
  assert.equal(events.filter((e) => e.kind === 'damaged').length, 3);
  assert.ok(events.every((e) => e.lostBytes === SEGMENT_HEADER_BYTES));
  assert.equal(await queue.append(record('after')), 'ok');
});

void test('payloads full of frame markers and foreign frames never resynchronise into phantom records', async (t) => {
  const { dir, cleanup } = await makeTempDir('markers');
  t.after(cleanup);
  // Each payload: markers, and whole frames claiming positions the payload will not have.
  const payload = (i: number): string =>
    Buffer.concat([
      FRAME_MAGIC_BYTES,
      encodeFrame(Buffer.from(`inner-${i}`), 7 + i),
      FRAME_MAGIC_BYTES,
      FRAME_MAGIC_BYTES,
      encodeFrame(Buffer.from(`inner2-${i}`), 1_000_000 + i),
    ]).toString('latin1');
  const written = await writeRecords(dir, 60, 1 << 20, payload);
  for (const i of [10, 30, 31]) {
    const { path, offset } = await locate(dir, written[i]!.position);
    await flipByte(path, offset + 1); // the marker of the record's own frame
  }
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 30, onCorruption: () => undefined });
  t.after(() => queue.close());
  const got = await drain(queue.reader('r'), queue);
  const lost = new Set([10, 30, 31].map((i) => written[i]!));
  assert.deepEqual(got.map((r) => r.position), written.filter((r) => !lost.has(r)).map((r) => r.position));
  assert.deepEqual(got.map((r) => Buffer.from(r.data).toString('latin1')), written.filter((r) => !lost.has(r)).map((r) => Buffer.from(r.data).toString('latin1')));
  assert.equal(queue.stats().corruptions, 2, 'records 30 and 31 form one damaged region');
});

void test('start-up continues whatever a stored cursor says: consumed damaged segment, lost tail, inside a record', async (t) => {
  const { dir, cleanup } = await makeTempDir('store-cursor');
  t.after(cleanup);
  const first = await createDurableQueue({ dir, maxBytes: 1 << 30, segmentBytes: 1024 });
  const embedded = first.reader('embedded');
  first.reader('exporter'); // lags behind: keeps the consumed segments on disk
  for (let i = 0; i < 200; i++) assert.equal(await first.append(record(`c-${i}`.padEnd(30, '.'))), 'ok');
  const consumed = await drain(embedded, first);
  await embedded.ack(embedded.position);
  // The store keeps its own cursor, transactionally, outside the queue.
  const storedCursor = embedded.position;
  await first.close();

  // A flipped byte in a consumed segment, and in the last segment.
  const segments = await segmentFiles(dir);
  await flipByte(join(dir, segments[0]!), 100);
  const lastPath = join(dir, segments[segments.length - 1]!);
  await flipByte(lastPath, (await stat(lastPath)).size - 5);
  const events: QueueCorruption[] = [];
  const second = await createDurableQueue({ dir, maxBytes: 1 << 30, segmentBytes: 1024, onCorruption: (e) => events.push(e) });
  const store = second.reader('embedded');
  store.seek(storedCursor);
  assert.equal(store.position, storedCursor, 'damage keeps positions: the cursor is still the end');
  assert.equal(second.stats().clampedPositions, 0);
  assert.equal((await drain(second.reader('exporter'), second)).length, 198);
  assert.equal(await second.append(record('new-1')), 'ok');
  assert.deepEqual((await drain(store, second)).map(text), ['new-1']);
  await second.close();

  // The last segment loses its tail (cut off outside the queue): the stored cursor is past the end.
  const storedAfterNew = storedCursor + FRAME_HEADER_BYTES + 'new-1'.length;
  const lastNow = (await segmentFiles(dir)).pop()!;
  await truncate(join(dir, lastNow), Math.floor((await stat(join(dir, lastNow))).size / 2) + 3);
  const third = await createDurableQueue({ dir, maxBytes: 1 << 30, segmentBytes: 1024, onCorruption: (e) => events.push(e) });
  t.after(() => third.close());
  assert.ok(third.endPosition() < storedAfterNew);
  const store3 = third.reader('embedded');
  store3.seek(storedAfterNew); // no RangeError: the hub starts
  // Its own cursor file (past the new end) moved to the end at open; the store's seek moved the log on.
  assert.deepEqual(
    events.filter((e) => e.kind === 'clamped').map((e) => [e.reader, e.position, e.clampedTo]),
    [
      ['embedded', storedCursor, third.endPosition()],
      ['embedded', storedAfterNew, storedAfterNew],
    ],
  );
  assert.equal(third.stats().clampedPositions, 2);
  assert.equal(await third.append(record('new-2')), 'ok');
  const afterLoss = await drain(store3, third);
  assert.deepEqual(afterLoss.map(text), ['new-2']);
  assert.ok(afterLoss[0]!.position >= storedAfterNew, 'the store never sees a position go back');

  // A cursor inside a record moves to the next record.
  const exporter = third.reader('exporter');
  const some = consumed[150]!;
  exporter.seek(some.position + 3);
  assert.equal(exporter.position, consumed[151]!.position);
});

void test('damaged, oversized or foreign cursor files never stop start-up; the reader re-reads instead of skipping', async (t) => {
  const { dir, cleanup } = await makeTempDir('cursor-damage');
  t.after(cleanup);
  const first = await createDurableQueue({ dir, maxBytes: 1 << 30 });
  const names = ['flipped', 'huge', 'garbage', 'inside'];
  const readers = names.map((n) => first.reader(n));
  for (let i = 0; i < 10; i++) assert.equal(await first.append(record(`k-${i}`)), 'ok');
  const all = await drain(readers[0]!, first);
  for (const r of readers) await r.ack(all[6]!.position);
  await first.close();

  const cursors = join(dir, 'cursors');
  const good = await readFile(join(cursors, 'flipped'), 'utf8');
  assert.match(good, /^\d+ [0-9a-f]{8}\n$/);
  await writeFile(join(cursors, 'flipped'), good.replace(/^(\d)/, (d) => String((Number(d) + 1) % 10)));
  await writeFile(join(cursors, 'huge'), '9'.repeat(1 << 20));
  await writeFile(join(cursors, 'garbage'), 'not a position\n');
  await writeFile(join(cursors, 'inside'), `${all[6]!.position + 2}\n`); // format 1, inside record 6

  const events: QueueCorruption[] = [];
  const second = await createDurableQueue({ dir, maxBytes: 1 << 30, onCorruption: (e) => events.push(e) });
  t.after(() => second.close());
  assert.deepEqual(events.filter((e) => e.kind === 'cursor').map((e) => e.file.split('/').pop()).sort(), ['flipped', 'garbage', 'huge']);
  for (const n of ['flipped', 'huge', 'garbage']) assert.equal(second.reader(n).position, 0, `${n} re-reads from the oldest record`);
  assert.equal(second.reader('inside').position, all[7]!.position, 'inside a record → the next record');
  assert.equal(second.stats().clampedPositions, 1);
});
