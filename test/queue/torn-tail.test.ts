import assert from 'node:assert/strict';
import { appendFile, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createDurableQueue, type QueueCorruption } from '../../src/queue/index.js';
import { encodeFrameHeader } from '../../src/queue/record-frame.js';
import { drain, makeTempDir, record, segmentFiles, text } from './temp-dir.js';

async function fill(dir: string, count: number, segmentBytes: number): Promise<{ sent: string[]; end: number }> {
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 20, segmentBytes });
  const sent: string[] = [];
  for (let i = 0; i < count; i++) {
    const t = `rec-${i}-${'z'.repeat(i % 11)}`;
    assert.equal(await queue.append(record(t)), 'ok');
    sent.push(t);
  }
  const end = queue.endPosition();
  await queue.close();
  return { sent, end };
}

void test('a torn last frame (sound header, payload never written) is cut off at open; appends go on', async (t) => {
  const { dir, cleanup } = await makeTempDir('torn');
  t.after(cleanup);
  const { sent, end } = await fill(dir, 25, 1 << 20);
  const [segment] = await segmentFiles(dir);
  const path = join(dir, segment!);
  const cleanSize = (await stat(path)).size;
  // What a kill -9 in the middle of a write leaves: the frame's header and part of its payload.
  const torn = Buffer.concat([encodeFrameHeader(new Uint8Array(100), end), Buffer.alloc(30, 0xab)]);
  await appendFile(path, torn);

  const events: QueueCorruption[] = [];
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 20, onCorruption: (e) => events.push(e) });
  t.after(() => queue.close());
  assert.equal((await stat(path)).size, cleanSize, 'truncated at the last valid frame');
  assert.equal(queue.stats().truncatedBytes, torn.length);
  assert.equal(queue.stats().corruptions, 0, 'a torn write is not damage');
  assert.deepEqual(events.map((e) => e.kind), ['truncated']);
  const reader = queue.reader('r');
  assert.deepEqual((await drain(reader, queue)).map(text), sent);
  assert.equal(await queue.append(record('after-recovery')), 'ok');
  const next = await reader.read({ maxRecords: 10, maxBytes: 1 << 20, waitMs: 0 });
  assert.deepEqual(next.map(text), ['after-recovery']);
});

void test('a chopped last frame is cut; a flipped byte in the last frame is damage: quarantined, not cut', async (t) => {
  for (const damage of ['chop', 'flip', 'zeros'] as const) {
    const { dir, cleanup } = await makeTempDir(`tail-${damage}`);
    t.after(cleanup);
    const { sent } = await fill(dir, 10, 1 << 20);
    const [segment] = await segmentFiles(dir);
    const path = join(dir, segment!);
    const size = (await stat(path)).size;
    if (damage === 'chop') {
      await truncate(path, size - 3);
    } else if (damage === 'flip') {
      const bytes = await readFile(path);
      bytes[size - 1] = (bytes[size - 1] as number) ^ 0xff;
      await writeFile(path, bytes);
    } else {
      // A power loss can leave the end of an unfinished write zero-filled.
      await appendFile(path, Buffer.alloc(5000));
    }
    const events: QueueCorruption[] = [];
    const queue = await createDurableQueue({ dir, maxBytes: 1 << 20, onCorruption: (e) => events.push(e) });
    const reader = queue.reader('r');
    const expected = damage === 'zeros' ? sent : sent.slice(0, 9);
    assert.deepEqual((await drain(reader, queue)).map(text), expected, damage);
    assert.deepEqual(events.map((e) => e.kind), [damage === 'flip' ? 'damaged' : 'truncated'], damage);
    if (damage === 'flip') {
      assert.equal(queue.stats().corruptions, 1);
      assert.equal(queue.stats().truncatedBytes, 0);
      assert.ok(events[0]!.quarantineFile !== undefined, 'quarantined');
      assert.equal((await stat(path)).size, size, 'damaged bytes stay in place');
    }
    assert.equal(await queue.append(record('new')), 'ok');
    assert.deepEqual((await drain(reader, queue)).map(text), ['new']);
    await queue.close();

    // And the log reopens with the same records and the new one.
    const again = await createDurableQueue({ dir, maxBytes: 1 << 20, onCorruption: () => undefined });
    assert.equal(again.stats().truncatedBytes, 0);
    assert.deepEqual((await drain(again.reader('fresh'), again)).map(text), [...expected, 'new']);
    await again.close();
  }
});
