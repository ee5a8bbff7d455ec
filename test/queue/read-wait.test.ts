import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDurableQueue } from '../../src/queue/index.js';
import { makeTempDir, record, text } from './temp-dir.js';

void test('read waits for an append and wakes when it is durable', async (t) => {
  const { dir, cleanup } = await makeTempDir('wait');
  t.after(cleanup);
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 20 });
  t.after(() => queue.close());
  const reader = queue.reader('r');
  let settled = false;
  // A wait far longer than the test: only the append can end it.
  const reading = reader.read({ maxRecords: 10, maxBytes: 1 << 20, waitMs: 600_000 }).then((records) => {
    settled = true;
    return records;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(settled, false, 'nothing to read yet');
  const appended = queue.append(record('wake up'));
  const records = await reading;
  assert.equal(await appended, 'ok');
  assert.deepEqual(records.map(text), ['wake up']);
});

void test('read returns [] after waitMs when nothing is appended', async (t) => {
  const { dir, cleanup } = await makeTempDir('timeout');
  t.after(cleanup);
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 20 });
  t.after(() => queue.close());
  const reader = queue.reader('r');
  assert.deepEqual(await reader.read({ maxRecords: 10, maxBytes: 1000, waitMs: 50 }), []);
  assert.equal(reader.position, 0);
});

void test('close wakes a waiting read with []', async (t) => {
  const { dir, cleanup } = await makeTempDir('close-wakes');
  t.after(cleanup);
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 20 });
  const reading = queue.reader('r').read({ maxRecords: 10, maxBytes: 1000, waitMs: 600_000 });
  await queue.close();
  assert.deepEqual(await reading, []);
});

void test('read never returns a record before its append resolved (durable only)', async (t) => {
  const { dir, cleanup } = await makeTempDir('durable-only');
  t.after(cleanup);
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 20 });
  t.after(() => queue.close());
  const reader = queue.reader('r');
  const resolved = new Set<number>();
  const appends = Array.from({ length: 200 }, (_, i) =>
    queue.append(record(String(i))).then((o) => {
      assert.equal(o, 'ok');
      resolved.add(i);
    }),
  );
  let seen = 0;
  for (let round = 0; round < 1000 && seen < 200; round++) {
    const batch = await reader.read({ maxRecords: 7, maxBytes: 1 << 20, waitMs: 5000 });
    for (const r of batch) {
      // The append's resolution is queued before the reader wakes, so it has run by now.
      assert.ok(resolved.has(Number(text(r))), `record ${text(r)} read before its append resolved`);
      seen++;
    }
  }
  await Promise.all(appends);
  assert.equal(seen, 200);
});
