import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKeyedRateLimiter } from '../../src/limits/index.js';

test('a bucket per key: the burst passes, then one request per refill interval, with Retry-After until then', () => {
  let nowMs = 0;
  const limiter = createKeyedRateLimiter({ requestsPerMinute: 6, burstRequests: 3, now: () => nowMs });
  assert.deepEqual([1, 2, 3].map(() => limiter.take('a').ok), [true, true, true]);
  assert.deepEqual(limiter.take('a'), { ok: false, retryAfterSeconds: 10 });
  // Another key has its own bucket.
  assert.equal(limiter.take('b').ok, true);
  nowMs += 4_000;
  assert.deepEqual(limiter.take('a'), { ok: false, retryAfterSeconds: 6 });
  nowMs += 6_000;
  assert.equal(limiter.take('a').ok, true);
  assert.equal(limiter.take('a').ok, false);
  // A quiet spell refills up to the burst, not beyond.
  nowMs += 3_600_000;
  assert.deepEqual([1, 2, 3, 4].map(() => limiter.take('a').ok), [true, true, true, false]);
});

test('memory stays bounded: beyond maxKeys the least recently seen key is forgotten (its bucket starts full again)', () => {
  let nowMs = 0;
  const limiter = createKeyedRateLimiter({ requestsPerMinute: 1, burstRequests: 1, maxKeys: 2, now: () => nowMs });
  assert.equal(limiter.take('a').ok, true);
  assert.equal(limiter.take('b').ok, true);
  assert.equal(limiter.take('a').ok, false);
  assert.equal(limiter.take('c').ok, true); // drops b, the least recently seen
  assert.equal(limiter.take('b').ok, true);
  nowMs += 1;
  assert.equal(limiter.take('c').ok, false);
});
