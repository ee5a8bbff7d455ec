import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDurableQueue } from '../../src/queue/index.js';
import { drain, makeTempDir } from './temp-dir.js';

void test('appends over maxBytes answer full, write nothing, and succeed again after the reader acks', async (t) => {
  const { dir, cleanup } = await makeTempDir('full');
  t.after(cleanup);
  // Frames are 24 + 76 = 100 bytes: ten fit in 1000.
  const queue = await createDurableQueue({ dir, maxBytes: 1000, segmentBytes: 300 });
  t.after(() => queue.close());
  const reader = queue.reader('r');
  const payload = (i: number): Uint8Array => new Uint8Array(76).fill(i);
  for (let i = 0; i < 10; i++) assert.equal(await queue.append(payload(i)), 'ok');
  assert.equal(queue.depthBytes(), 1000);
  const end = queue.endPosition();
  assert.equal(await queue.append(payload(10)), 'full');
  assert.equal(await queue.append(new Uint8Array(0)), 'full');
  assert.equal(queue.endPosition(), end, 'nothing written');
  assert.equal(queue.stats().fullRejections, 2);

  const got = await reader.read({ maxRecords: 3, maxBytes: 1 << 20, waitMs: 0 });
  assert.equal(await queue.append(payload(11)), 'full', 'reading alone frees nothing');
  await reader.ack(got[2]!.next);
  assert.equal(queue.depthBytes(), 700);
  for (let i = 11; i < 14; i++) assert.equal(await queue.append(payload(i)), 'ok');
  assert.equal(await queue.append(payload(14)), 'full');
  const rest = await drain(reader, queue);
  assert.deepEqual(
    rest.map((r) => r.data[0]),
    [3, 4, 5, 6, 7, 8, 9, 11, 12, 13],
  );
  assert.ok(rest.every((r) => r.data.length === 76));
});

void test('concurrent appends cannot overshoot maxBytes together', async (t) => {
  const { dir, cleanup } = await makeTempDir('full-concurrent');
  t.after(cleanup);
  const queue = await createDurableQueue({ dir, maxBytes: 5000 });
  t.after(() => queue.close());
  const outcomes = await Promise.all(Array.from({ length: 100 }, () => queue.append(new Uint8Array(76))));
  assert.equal(outcomes.filter((o) => o === 'ok').length, 50);
  assert.equal(outcomes.filter((o) => o === 'full').length, 50);
  assert.equal(queue.depthBytes(), 5000);
});
