import assert from 'node:assert/strict';
import { chmod, cp, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createDurableQueue, type QueueCorruption } from '../../src/queue/index.js';
import { SEGMENT_MAGIC } from '../../src/queue/segment-header.js';
import { drain, flipByte, makeTempDir, record, repoRoot, segmentFiles, text } from './temp-dir.js';

const FIXTURE = join(repoRoot(import.meta.url), 'test/queue/fixtures/format1-queue');
const expected = Array.from({ length: 40 }, (_, i) => `format1-record-${i}-${'x'.repeat(i % 13)}`);

/** A copy of the queue directory an older release left behind (with that release's loose modes). */
async function oldQueue(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const temp = await makeTempDir(prefix);
  const dir = join(temp.dir, 'queue');
  await cp(FIXTURE, dir, { recursive: true });
  await chmod(dir, 0o755);
  await chmod(join(dir, 'cursors'), 0o755);
  for (const name of await segmentFiles(dir)) await chmod(join(dir, name), 0o644);
  await chmod(join(dir, 'cursors', 'embedded'), 0o644);
  return { dir, cleanup: temp.cleanup };
}

void test('a queue written by format 1 is read in place after an upgrade; new records go to format-2 segments', async (t) => {
  const { dir, cleanup } = await oldQueue('upgrade');
  t.after(cleanup);
  const before = await segmentFiles(dir);
  const events: QueueCorruption[] = [];
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 20, segmentBytes: 512, onCorruption: (e) => events.push(e) });
  assert.equal(events.length, 0);
  assert.equal(queue.endPosition(), 1264, 'positions are those the old release handed out (the store keeps them)');
  const embedded = queue.reader('embedded');
  assert.equal(embedded.ackedPosition, 295, 'format-1 cursor file');
  assert.deepEqual((await drain(queue.reader('fresh'), queue)).map(text), expected);
  assert.deepEqual((await drain(embedded, queue)).map(text), expected.slice(10));

  for (let i = 0; i < 5; i++) assert.equal(await queue.append(record(`format2-${i}`)), 'ok');
  const after = await segmentFiles(dir);
  assert.deepEqual(after.slice(0, before.length), before, 'old segments untouched');
  const added = after.slice(before.length);
  assert.equal(added[0], '00000000000000001264.seg', 'the new segment continues at the old end');
  const head = await readFile(join(dir, added[0]));
  assert.ok(head.subarray(0, SEGMENT_MAGIC.length).equals(SEGMENT_MAGIC), 'format-2 header');
  assert.deepEqual((await drain(embedded, queue)).map(text), ['format2-0', 'format2-1', 'format2-2', 'format2-3', 'format2-4']);
  await embedded.ack(embedded.position);

  // Modes of the old release are tightened.
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  assert.equal((await stat(join(dir, 'cursors'))).mode & 0o777, 0o700);
  for (const name of await segmentFiles(dir)) assert.equal((await stat(join(dir, name))).mode & 0o777, 0o600, name);
  for (const name of await readdir(join(dir, 'cursors'))) assert.equal((await stat(join(dir, 'cursors', name))).mode & 0o777, 0o600, name);
  await queue.close();

  const again = await createDurableQueue({ dir, maxBytes: 1 << 20, segmentBytes: 512, onCorruption: (e) => events.push(e) });
  t.after(() => again.close());
  assert.equal(events.length, 0);
  assert.deepEqual((await drain(again.reader('fresh'), again)).map(text), [...expected, 'format2-0', 'format2-1', 'format2-2', 'format2-3', 'format2-4']);
  assert.equal(again.reader('embedded').position, again.endPosition());
});

void test('format 1: a flipped payload byte costs that record; a flipped length the rest of its segment (quarantined)', async (t) => {
  for (const where of ['payload', 'length'] as const) {
    const { dir, cleanup } = await oldQueue(`upgrade-${where}`);
    t.after(cleanup);
    // Segment 487 holds records 16..31; its third frame (record 18) starts at 8 + 21 + 8 + 22 = 59.
    const victim = join(dir, '00000000000000000487.seg');
    await flipByte(victim, where === 'payload' ? 59 + 8 + 5 : 59 + 1);
    const events: QueueCorruption[] = [];
    const queue = await createDurableQueue({ dir, maxBytes: 1 << 20, onCorruption: (e) => events.push(e) });
    const got = (await drain(queue.reader('fresh'), queue)).map(text);
    const lost = expected.filter((s) => !got.includes(s));
    if (where === 'payload') assert.deepEqual(lost, [expected[18]]);
    else assert.deepEqual(lost, expected.slice(18, 32), 'format 1 has no marker to resynchronise on');
    assert.deepEqual(got, expected.filter((s) => !lost.includes(s)), 'the rest intact, in order');
    assert.equal(events.length, 1);
    assert.ok(events[0]!.quarantineFile !== undefined);
    await queue.close();
  }
});

void test('format 1: damage in the first record of a segment (no header to tell the format) costs that record, or with its length the segment, never another one', async (t) => {
  for (const where of ['payload', 'length'] as const) {
    const { dir, cleanup } = await oldQueue(`upgrade-first-${where}`);
    t.after(cleanup);
    // Segment 487 starts with record 16: 8-byte frame header, then the payload.
    await flipByte(join(dir, '00000000000000000487.seg'), where === 'payload' ? 8 + 3 : 1);
    const events: QueueCorruption[] = [];
    const queue = await createDurableQueue({ dir, maxBytes: 1 << 20, onCorruption: (e) => events.push(e) });
    const got = (await drain(queue.reader('fresh'), queue)).map(text);
    // A damaged first payload: the intact length leads to record 17, a format-1 frame, so the file is
    // read as format 1. A damaged first length leaves nothing readable in the file in either format.
    const lost = where === 'payload' ? [expected[16]] : expected.slice(16, 32);
    assert.deepEqual(got, expected.filter((s) => !lost.includes(s)), `${where}: the rest intact, in order`);
    assert.ok(events.length > 0 && events.every((e) => e.file.endsWith('00000000000000000487.seg')));
    assert.equal(await queue.append(record('after')), 'ok');
    await queue.close();
  }
});
