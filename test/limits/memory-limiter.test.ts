import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createMemoryLimiter, quotaPeriodBounds, refillBucket, takeTokens } from '../../src/limits/index.js';
import type { LimitOutcome, UsagePlan } from '../../src/limits/index.js';

function plan(overrides: Partial<UsagePlan> = {}): UsagePlan {
  return {
    requestsPerSecond: 10,
    burst: 20,
    bytesPerSecond: 0,
    quota: { limit: 0, period: 'day' },
    ...overrides,
  };
}

function clockAt(iso: string): { now: () => number; advanceMs(ms: number): void; set(iso: string): void } {
  let ms = Date.parse(iso);
  return { now: () => ms, advanceMs: (d) => void (ms += d), set: (t) => void (ms = Date.parse(t)) };
}

async function takeN(limiter: ReturnType<typeof createMemoryLimiter>, id: string, p: UsagePlan, n: number, bytes = 100): Promise<LimitOutcome[]> {
  const out: LimitOutcome[] = [];
  for (let i = 0; i < n; i++) out.push(await limiter.take(id, p, bytes));
  return out;
}

test('burst is admitted, the next request is throttled with retryAfter for one token', async () => {
  const clock = clockAt('2025-06-10T12:00:00Z');
  const limiter = createMemoryLimiter({ now: clock.now });
  const p = plan({ requestsPerSecond: 0.5, burst: 5 });
  const admitted = await takeN(limiter, 'a', p, 5);
  assert.ok(admitted.every((o) => o.ok));
  const throttled = await limiter.take('a', p, 100);
  assert.equal(throttled.ok, false);
  if (!throttled.ok) {
    assert.equal(throttled.reason, 'rate');
    // One token at 0.5/s takes 2 s.
    assert.equal(throttled.retryAfterSeconds, 2);
    assert.match(throttled.message, /Too Many Requests/);
  }
  clock.advanceMs(1000);
  const stillThrottled = await limiter.take('a', p, 100);
  assert.equal(stillThrottled.ok ? 0 : stillThrottled.retryAfterSeconds, 1);
});

test('a fast rate still reports at least 1 second', async () => {
  const clock = clockAt('2025-06-10T12:00:00Z');
  const limiter = createMemoryLimiter({ now: clock.now });
  const p = plan({ requestsPerSecond: 100, burst: 2 });
  await takeN(limiter, 'a', p, 2);
  const o = await limiter.take('a', p, 1);
  assert.deepEqual(o.ok ? undefined : [o.reason, o.retryAfterSeconds], ['rate', 1]);
});

test('tokens refill at the plan rate up to the burst', async () => {
  const clock = clockAt('2025-06-10T12:00:00Z');
  const limiter = createMemoryLimiter({ now: clock.now });
  const p = plan({ requestsPerSecond: 10, burst: 20 });
  assert.ok((await takeN(limiter, 'a', p, 20)).every((o) => o.ok));
  assert.equal((await limiter.take('a', p, 1)).ok, false);
  clock.advanceMs(500); // 5 tokens
  const after = await takeN(limiter, 'a', p, 6);
  assert.deepEqual(after.map((o) => o.ok), [true, true, true, true, true, false]);
  clock.advanceMs(3_600_000); // long idle: full bucket, not more
  const full = await takeN(limiter, 'a', p, 21);
  assert.equal(full.filter((o) => o.ok).length, 20);
});

test('two accounts are independent', async () => {
  const clock = clockAt('2025-06-10T12:00:00Z');
  const limiter = createMemoryLimiter({ now: clock.now });
  const p = plan({ requestsPerSecond: 1, burst: 3 });
  await takeN(limiter, 'a', p, 3);
  assert.equal((await limiter.take('a', p, 1)).ok, false);
  assert.ok((await takeN(limiter, 'b', p, 3)).every((o) => o.ok));
});

test('quota per UTC day: exhausted until next midnight, reset at the boundary', async () => {
  const clock = clockAt('2025-06-10T23:59:00Z');
  const limiter = createMemoryLimiter({ now: clock.now });
  const p = plan({ requestsPerSecond: 0, quota: { limit: 3, period: 'day' } });
  assert.ok((await takeN(limiter, 'a', p, 3)).every((o) => o.ok));
  const o = await limiter.take('a', p, 1);
  assert.equal(o.ok, false);
  if (!o.ok) {
    assert.equal(o.reason, 'quota');
    assert.equal(o.retryAfterSeconds, 60);
    assert.match(o.message, /Limit Exceeded.*resets at 2025-06-11T00:00:00.000Z/);
  }
  clock.advanceMs(59_500);
  const almost = await limiter.take('a', p, 1);
  assert.equal(almost.ok ? -1 : almost.retryAfterSeconds, 1, 'ceil of 0.5 s');
  clock.set('2025-06-11T00:00:00Z');
  assert.equal((await limiter.take('a', p, 1)).ok, true);
});

test('quota per ISO week resets on Monday 00:00 UTC', async () => {
  // 2025-06-12 is a Thursday; the week ends at Monday 2025-06-16T00:00Z.
  const clock = clockAt('2025-06-12T06:00:00Z');
  const limiter = createMemoryLimiter({ now: clock.now });
  const p = plan({ requestsPerSecond: 0, quota: { limit: 1, period: 'week' } });
  assert.equal((await limiter.take('a', p, 1)).ok, true);
  const o = await limiter.take('a', p, 1);
  assert.equal(o.ok ? -1 : o.retryAfterSeconds, (Date.parse('2025-06-16T00:00:00Z') - Date.parse('2025-06-12T06:00:00Z')) / 1000);
  clock.set('2025-06-15T23:59:59Z');
  assert.equal((await limiter.take('a', p, 1)).ok, false);
  clock.set('2025-06-16T00:00:00Z');
  assert.equal((await limiter.take('a', p, 1)).ok, true);
});

test('quota per calendar month resets on the first, including across a year', async () => {
  const clock = clockAt('2025-12-31T12:00:00Z');
  const limiter = createMemoryLimiter({ now: clock.now });
  const p = plan({ requestsPerSecond: 0, quota: { limit: 2, period: 'month' } });
  await takeN(limiter, 'a', p, 2);
  const o = await limiter.take('a', p, 1);
  assert.equal(o.ok ? -1 : o.retryAfterSeconds, 12 * 3600);
  clock.set('2026-01-01T00:00:00Z');
  assert.equal((await limiter.take('a', p, 1)).ok, true);
});

test('quota period bounds: day, ISO week (Sunday belongs to the week before) and month', () => {
  const ms = (iso: string) => Date.parse(iso);
  assert.deepEqual(quotaPeriodBounds('day', ms('2024-02-29T13:00:00Z')), { startMs: ms('2024-02-29T00:00:00Z'), endMs: ms('2024-03-01T00:00:00Z') });
  assert.deepEqual(quotaPeriodBounds('week', ms('2025-06-15T23:00:00Z')), { startMs: ms('2025-06-09T00:00:00Z'), endMs: ms('2025-06-16T00:00:00Z') });
  assert.deepEqual(quotaPeriodBounds('week', ms('2025-06-16T00:00:00Z')), { startMs: ms('2025-06-16T00:00:00Z'), endMs: ms('2025-06-23T00:00:00Z') });
  assert.deepEqual(quotaPeriodBounds('month', ms('2024-02-10T00:00:00Z')), { startMs: ms('2024-02-01T00:00:00Z'), endMs: ms('2024-03-01T00:00:00Z') });
});

test('a throttled request consumes neither quota nor tokens', async () => {
  const clock = clockAt('2025-06-10T12:00:00Z');
  const limiter = createMemoryLimiter({ now: clock.now });
  const p = plan({ requestsPerSecond: 1, burst: 1, quota: { limit: 2, period: 'day' } });
  assert.equal((await limiter.take('a', p, 1)).ok, true);
  for (let i = 0; i < 5; i++) assert.equal((await limiter.take('a', p, 1)).ok, false);
  clock.advanceMs(1000);
  assert.equal((await limiter.take('a', p, 1)).ok, true, 'second quota unit still there');
  clock.advanceMs(1000);
  const o = await limiter.take('a', p, 1);
  assert.equal(o.ok ? '' : o.reason, 'quota');
});

test('byte rate: a second of bytes passes, then waits; a body larger than the bucket passes when full', async () => {
  const clock = clockAt('2025-06-10T12:00:00Z');
  const limiter = createMemoryLimiter({ now: clock.now });
  const p = plan({ requestsPerSecond: 0, bytesPerSecond: 1000 });
  assert.equal((await limiter.take('a', p, 600)).ok, true);
  const o = await limiter.take('a', p, 600);
  assert.equal(o.ok, false);
  if (!o.ok) {
    assert.equal(o.reason, 'bytes');
    assert.equal(o.retryAfterSeconds, 1);
  }
  clock.advanceMs(200);
  assert.equal((await limiter.take('a', p, 600)).ok, true);
  clock.advanceMs(10_000);
  // 5000 bytes at 1000/s: admitted from a full bucket, then 5 s of debt.
  assert.equal((await limiter.take('b', p, 5000)).ok, true);
  const debt = await limiter.take('b', p, 1);
  assert.equal(debt.ok ? -1 : debt.retryAfterSeconds, 5);
});

test('a plan change applies at once (bucket rescaled)', async () => {
  const clock = clockAt('2025-06-10T12:00:00Z');
  const limiter = createMemoryLimiter({ now: clock.now });
  const small = plan({ requestsPerSecond: 1, burst: 2 });
  await takeN(limiter, 'a', small, 2);
  assert.equal((await limiter.take('a', small, 1)).ok, false);
  const big = plan({ requestsPerSecond: 1000, burst: 2000 });
  clock.advanceMs(10); // 10 tokens at the new rate
  assert.equal((await limiter.take('a', big, 1)).ok, true);
  // Downgrade: a full big bucket shrinks to the new burst.
  clock.advanceMs(10_000);
  const tiny = plan({ requestsPerSecond: 0.1, burst: 3 });
  const outcomes = await takeN(limiter, 'a', tiny, 4);
  assert.deepEqual(outcomes.map((o) => o.ok), [true, true, true, false]);
  // Quota introduced later applies from now on.
  const withQuota = plan({ requestsPerSecond: 0, quota: { limit: 1, period: 'day' } });
  assert.equal((await limiter.take('a', withQuota, 1)).ok, true);
  assert.equal((await limiter.take('a', withQuota, 1)).ok, false);
});

test('memory is bounded: least recently seen accounts are dropped', async () => {
  const clock = clockAt('2025-06-10T12:00:00Z');
  const limiter = createMemoryLimiter({ now: clock.now, maxAccounts: 2 });
  const p = plan({ requestsPerSecond: 0, quota: { limit: 1, period: 'day' } });
  await limiter.take('a', p, 1);
  await limiter.take('b', p, 1);
  assert.equal((await limiter.take('a', p, 1)).ok, false); // a is now most recent
  await limiter.take('c', p, 1); // drops b
  assert.equal((await limiter.take('a', p, 1)).ok, false, 'a kept');
  assert.equal((await limiter.take('b', p, 1)).ok, true, 'b was dropped and starts afresh');
});

test('property: over any schedule, admitted requests never exceed burst + rate x elapsed', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 1, max: 100 }),
      fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 200 }),
      (rate, burst, gapsMs) => {
        let nowMs = 0;
        let state = refillBucket(undefined, 0, burst, rate);
        let admitted = 0;
        for (const gap of gapsMs) {
          nowMs += gap;
          state = refillBucket(state, nowMs, burst, rate);
          const r = takeTokens(state, 1, 1, rate);
          state = r.state;
          if (r.ok) admitted++;
          else assert.ok(r.waitMs > 0);
        }
        assert.ok(admitted <= burst + (rate * nowMs) / 1000 + 1e-9);
      },
    ),
    { numRuns: 200 },
  );
});
