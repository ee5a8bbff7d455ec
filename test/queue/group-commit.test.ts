import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDurableQueue } from '../../src/queue/index.js';
import { drain, makeTempDir, record, text } from './temp-dir.js';

void test('500 concurrent appends all succeed with far fewer fsyncs, in call order', async (t) => {
  const { dir, cleanup } = await makeTempDir('group');
  t.after(cleanup);
  const queue = await createDurableQueue({ dir, maxBytes: 64 << 20 });
  t.after(() => queue.close());
  const before = queue.stats();
  const outcomes = await Promise.all(Array.from({ length: 500 }, (_, i) => queue.append(record(`c${i}`))));
  assert.ok(outcomes.every((o) => o === 'ok'));
  const after = queue.stats();
  assert.equal(after.appends - before.appends, 500);
  const fsyncs = after.fsyncs - before.fsyncs;
  assert.ok(fsyncs >= 1 && fsyncs <= 10, `500 appends took ${fsyncs} fsyncs`);
  const got = await drain(queue.reader('r'), queue);
  assert.deepEqual(got.map(text), Array.from({ length: 500 }, (_, i) => `c${i}`));
});

void test('appends arriving while a flush runs share the next fsync', async (t) => {
  const { dir, cleanup } = await makeTempDir('waves');
  t.after(cleanup);
  const queue = await createDurableQueue({ dir, maxBytes: 64 << 20, segmentBytes: 4096 });
  t.after(() => queue.close());
  // Waves of appends issued from separate turns of the event loop, across segment rolls.
  const all: Promise<string>[] = [];
  for (let wave = 0; wave < 20; wave++) {
    for (let i = 0; i < 25; i++) all.push(queue.append(record(`w${wave}-${i}`.padEnd(50, '.'))));
    await new Promise((resolve) => setImmediate(resolve));
  }
  const outcomes = await Promise.all(all);
  assert.ok(outcomes.every((o) => o === 'ok'));
  const stats = queue.stats();
  assert.equal(stats.appends, 500);
  assert.ok(stats.segments > 3);
  assert.ok(stats.fsyncs < 250, `fsyncs ${stats.fsyncs}`);
  const got = await drain(queue.reader('r'), queue);
  assert.equal(got.length, 500);
  assert.equal(text(got[0]!), 'w0-0'.padEnd(50, '.'));
  assert.equal(text(got[499]!), 'w19-24'.padEnd(50, '.'));
});
