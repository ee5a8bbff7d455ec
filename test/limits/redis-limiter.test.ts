import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { createMemoryLimiter } from '../../src/limits/index.js';
import { createRedisLimiter, type RedisLimiter, type RedisLimiterOptions } from '../../src/limits/redis-limiter.js';
import type { LimitOutcome, UsagePlan } from '../../src/limits/index.js';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.js';

function plan(overrides: Partial<UsagePlan> = {}): UsagePlan {
  return { requestsPerSecond: 10, burst: 20, bytesPerSecond: 0, quota: { limit: 0, period: 'day' }, ...overrides };
}

function clockAt(iso: string): { now: () => number; advanceMs(ms: number): void; set(iso: string): void } {
  let ms = Date.parse(iso);
  return { now: () => ms, advanceMs: (d) => void (ms += d), set: (t) => void (ms = Date.parse(t)) };
}

/** A pino logger whose records are kept for assertions. */
function capturingLogger(): { logger: Logger; records: { level: number; msg: string }[] } {
  const records: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line) as { level: number; msg: string }) });
  return { logger, records };
}

const silent = pino({ level: 'silent' });
const WARN = 40;
const INFO = 30;

let redis: TestRedisServer;
const limiters: RedisLimiter[] = [];

before(async () => {
  redis = await startRedisServer();
});

after(async () => {
  await Promise.all(limiters.map((l) => l.close()));
  await redis.close();
});

/** Two "replicas" sharing one Redis and one injected clock, with keys of their own for this test. */
async function replicas(server: TestRedisServer, now: () => number, extra: Partial<RedisLimiterOptions> = {}): Promise<[RedisLimiter, RedisLimiter]> {
  const keyPrefix = `test:${randomUUID()}:`;
  const make = async (): Promise<RedisLimiter> => {
    const l = await createRedisLimiter({ url: server.url, logger: silent, now, keyPrefix, maxReconnectDelayMs: 100, ...extra });
    limiters.push(l);
    return l;
  };
  return [await make(), await make()];
}

function rejection(o: LimitOutcome): [string, number] | undefined {
  return o.ok ? undefined : [o.reason, o.retryAfterSeconds];
}

test('the burst is shared by replicas: the request beyond it is throttled on either one, other accounts are not', async () => {
  const clock = clockAt('2025-06-10T12:00:00Z');
  const [a, b] = await replicas(redis, clock.now);
  const p = plan({ requestsPerSecond: 0.5, burst: 5 });
  for (let i = 0; i < 5; i++) assert.deepEqual(await (i % 2 === 0 ? a : b).take('acct-1', p, 100), { ok: true });

  const onA = await a.take('acct-1', p, 100);
  assert.deepEqual(rejection(onA), ['rate', 2]); // one token at 0.5/s takes 2 s
  if (!onA.ok) assert.match(onA.message, /Too Many Requests: account 'acct-1' exceeds 0.5 requests per second \(burst 5\)/);
  assert.deepEqual(rejection(await b.take('acct-1', p, 100)), ['rate', 2]);
  assert.deepEqual(await b.take('acct-2', p, 100), { ok: true });
  assert.equal(a.degraded() || b.degraded(), false);
});

test('tokens refill with the injected clock, and a throttled request costs nothing', async () => {
  const clock = clockAt('2025-06-10T12:00:00Z');
  const [a, b] = await replicas(redis, clock.now);
  const p = plan({ requestsPerSecond: 0.5, burst: 2 });
  assert.ok((await a.take('acct', p, 1)).ok);
  assert.ok((await b.take('acct', p, 1)).ok);
  clock.advanceMs(1000);
  // Half a token back: still throttled, one second to go; these rejections must not spend it.
  assert.deepEqual(rejection(await a.take('acct', p, 1)), ['rate', 1]);
  assert.deepEqual(rejection(await b.take('acct', p, 1)), ['rate', 1]);
  clock.advanceMs(1000);
  assert.deepEqual(await b.take('acct', p, 1), { ok: true });
  assert.deepEqual(rejection(await a.take('acct', p, 1)), ['rate', 2]);
  clock.advanceMs(60_000);
  // Refill stops at the burst.
  assert.ok((await a.take('acct', p, 1)).ok);
  assert.ok((await b.take('acct', p, 1)).ok);
  assert.equal((await a.take('acct', p, 1)).ok, false);
});

test('the byte bucket is shared: one second of bytes across replicas, then retry', async () => {
  const clock = clockAt('2025-06-10T12:00:00Z');
  const [a, b] = await replicas(redis, clock.now);
  const p = plan({ requestsPerSecond: 0, bytesPerSecond: 1000 });
  assert.ok((await a.take('acct', p, 600)).ok);
  const o = await b.take('acct', p, 600);
  assert.deepEqual(rejection(o), ['bytes', 1]);
  if (!o.ok) assert.match(o.message, /exceeds 1000 bytes per second/);
  clock.advanceMs(200);
  assert.ok((await b.take('acct', p, 600)).ok);
  // A body larger than a second's allowance passes on a full bucket and leaves a debt.
  clock.advanceMs(10_000);
  assert.ok((await a.take('acct', p, 3000)).ok);
  assert.deepEqual(rejection(await b.take('acct', p, 1)), ['bytes', 3]);
});

test('the quota is shared by replicas and resets at the UTC day boundary', async () => {
  const clock = clockAt('2025-06-10T23:59:30Z');
  const [a, b] = await replicas(redis, clock.now);
  const p = plan({ requestsPerSecond: 100, burst: 100, quota: { limit: 3, period: 'day' } });
  assert.ok((await a.take('acct', p, 1)).ok);
  assert.ok((await b.take('acct', p, 1)).ok);
  assert.ok((await a.take('acct', p, 1)).ok);
  const o = await b.take('acct', p, 1);
  assert.deepEqual(rejection(o), ['quota', 30]);
  if (!o.ok) assert.match(o.message, /quota of 3 requests per day; it resets at 2025-06-11T00:00:00.000Z/);
  assert.deepEqual(rejection(await a.take('acct', p, 1)), ['quota', 30]);
  assert.ok((await a.take('other', p, 1)).ok);

  clock.set('2025-06-11T00:00:00Z');
  assert.ok((await b.take('acct', p, 1)).ok);
  assert.ok((await a.take('acct', p, 1)).ok);
  assert.ok((await b.take('acct', p, 1)).ok);
  assert.deepEqual(rejection(await a.take('acct', p, 1)), ['quota', 86_400]);
});

test('the quota is checked before the rate: an exhausted quota says wait for the reset', async () => {
  const clock = clockAt('2025-06-10T12:00:00Z'); // a Tuesday; the ISO week resets Monday 16th
  const [a, b] = await replicas(redis, clock.now);
  const p = plan({ requestsPerSecond: 1, burst: 1, quota: { limit: 1, period: 'week' } });
  assert.ok((await a.take('acct', p, 1)).ok);
  assert.deepEqual(rejection(await b.take('acct', p, 1)), ['quota', Date.parse('2025-06-16T00:00:00Z') / 1000 - Date.parse('2025-06-10T12:00:00Z') / 1000]);
});

test('keys expire once their state no longer matters', async () => {
  const clock = clockAt('2025-06-10T12:00:00Z');
  const keyPrefix = `test:${randomUUID()}:`;
  const limiter = await createRedisLimiter({ url: redis.url, logger: silent, now: clock.now, keyPrefix });
  limiters.push(limiter);
  const probe = new Redis(redis.url, { lazyConnect: true });
  await probe.connect();
  try {
    // Rate only: the bucket is full again after 1/10 s, the key lives that plus a minute of grace.
    assert.ok((await limiter.take('rate-only', plan({ requestsPerSecond: 10, burst: 20 }), 1)).ok);
    const rateTtlMs = await probe.pttl(`${keyPrefix}rate-only`);
    assert.ok(rateTtlMs > 0 && rateTtlMs <= 60_100, `pttl ${rateTtlMs}`);
    // A daily quota keeps the key until midnight (12 h away) plus the grace.
    assert.ok((await limiter.take('quota', plan({ quota: { limit: 5, period: 'day' } }), 1)).ok);
    const quotaTtlMs = await probe.pttl(`${keyPrefix}quota`);
    assert.ok(quotaTtlMs > 12 * 3_600_000 && quotaTtlMs <= 12 * 3_600_000 + 60_000, `pttl ${quotaTtlMs}`);
    // An unlimited plan writes nothing.
    assert.ok((await limiter.take('free', plan({ requestsPerSecond: 0, bytesPerSecond: 0 }), 1)).ok);
    assert.equal(await probe.exists(`${keyPrefix}free`), 0);
  } finally {
    probe.disconnect();
  }
});

/** EVALSHA + EVAL calls in an `INFO commandstats` reply. */
function scriptCallsIn(info: string): number {
  let calls = 0;
  for (const m of info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) calls += Number(m[1]);
  return calls;
}

type Op = { advanceMs: number; bytes: number; replica: 0 | 1; account: 'x' | 'y'; plan: 0 | 1 };

test('property: replicas sharing Redis answer exactly as one memory limiter', async () => {
  const plans: UsagePlan[] = [
    { requestsPerSecond: 2, burst: 3, bytesPerSecond: 500, quota: { limit: 8, period: 'day' } },
    { requestsPerSecond: 0.7, burst: 5, bytesPerSecond: 0, quota: { limit: 0, period: 'day' } },
  ];
  const op = fc.record<Op>({
    // Steps back too: replicas' clocks are never quite in step.
    advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: -2000, max: 0 }), fc.integer({ min: 0, max: 86_400_000 })),
    bytes: fc.integer({ min: 0, max: 1500 }),
    replica: fc.constantFrom(0 as const, 1 as const),
    account: fc.constantFrom('x' as const, 'y' as const),
    plan: fc.constantFrom(0 as const, 1 as const),
  });
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2026-01-01T00:00:00Z') }), fc.array(op, { maxLength: 40 }), async (startMs, ops) => {
      let ms = startMs;
      const now = (): number => ms;
      const memory = createMemoryLimiter({ now });
      const keyPrefix = `test:${randomUUID()}:`;
      const shared = [
        await createRedisLimiter({ url: redis.url, logger: silent, now, keyPrefix }),
        await createRedisLimiter({ url: redis.url, logger: silent, now, keyPrefix }),
      ] as const;
      try {
        for (const o of ops) {
          ms += o.advanceMs;
          const p = plans[o.plan] ?? plans[0]!;
          const expected = await memory.take(o.account, p, o.bytes);
          const actual = await shared[o.replica].take(o.account, p, o.bytes);
          assert.deepEqual(actual, expected);
        }
        assert.equal(shared[0].degraded() || shared[1].degraded(), false);
      } finally {
        await Promise.all(shared.map((l) => l.close()));
      }
    }),
    { numRuns: 60 },
  );
});

test('start-up does not fail without Redis: it starts degraded and limits per replica', async () => {
  const down = await startRedisServer();
  const url = down.url;
  await down.close(); // nothing listens on this port now
  const { logger, records } = capturingLogger();
  const states: boolean[] = [];
  const clock = clockAt('2025-06-10T12:00:00Z');
  const limiter = await createRedisLimiter({ url, logger, now: clock.now, maxReconnectDelayMs: 100, onStateChange: (d) => states.push(d) });
  try {
    assert.equal(limiter.degraded(), true);
    assert.deepEqual(states, [true]);
    const p = plan({ requestsPerSecond: 1, burst: 2 });
    assert.ok((await limiter.take('acct', p, 1)).ok);
    assert.ok((await limiter.take('acct', p, 1)).ok);
    assert.deepEqual(rejection(await limiter.take('acct', p, 1)), ['rate', 1]);
    assert.equal(records.filter((r) => r.level === WARN).length, 1);
  } finally {
    await limiter.close();
  }
});

test('Redis stopped: replicas keep answering from memory, then share again once it is back', async () => {
  const server = await startRedisServer();
  try {
    const clock = clockAt('2025-06-10T12:00:00Z');
    const { logger, records } = capturingLogger();
    const states: [boolean[], boolean[]] = [[], []];
    // Two replicas sharing one prefix; only the first logs, so the warning count is per replica.
    const keyPrefix = `test:${randomUUID()}:`;
    const r0 = await createRedisLimiter({ url: server.url, logger, now: clock.now, keyPrefix, maxReconnectDelayMs: 100, onStateChange: (d) => states[0].push(d) });
    const r1 = await createRedisLimiter({ url: server.url, logger: silent, now: clock.now, keyPrefix, maxReconnectDelayMs: 100, onStateChange: (d) => states[1].push(d) });
    limiters.push(r0, r1);
    const p = plan({ requestsPerSecond: 0.5, burst: 2 });

    assert.ok((await r0.take('acct', p, 1)).ok);
    assert.ok((await r1.take('acct', p, 1)).ok);
    assert.deepEqual(rejection(await r0.take('acct', p, 1)), ['rate', 2]);

    await server.stop();
    // Each replica now limits on its own, with a fresh memory bucket: two requests each, then 429.
    for (const r of [r0, r1]) {
      assert.ok((await r.take('acct', p, 1)).ok);
      assert.ok((await r.take('acct', p, 1)).ok);
      assert.deepEqual(rejection(await r.take('acct', p, 1)), ['rate', 2]);
      assert.equal(r.degraded(), true);
    }
    assert.deepEqual(states, [[true], [true]]);
    const warnings = records.filter((r) => r.level === WARN && /Redis unreachable/.test(r.msg));
    assert.equal(warnings.length, 1, 'one warning per outage, however many requests');

    await server.start();
    for (let i = 0; i < 200 && (r0.degraded() || r1.degraded()); i++) {
      await sleep(25);
      await r0.take('probe', p, 1);
      await r1.take('probe', p, 1);
    }
    assert.equal(r0.degraded(), false);
    assert.equal(r1.degraded(), false);
    assert.deepEqual(states, [[true, false], [true, false]]);
    assert.equal(records.filter((r) => r.level === INFO && /Redis answers again/.test(r.msg)).length, 1);

    // Shared again: a fresh server has no state, the burst of 2 is spent across both replicas.
    clock.advanceMs(60_000);
    assert.ok((await r0.take('acct', p, 1)).ok);
    assert.ok((await r1.take('acct', p, 1)).ok);
    assert.deepEqual(rejection(await r0.take('acct', p, 1)), ['rate', 2]);
    assert.deepEqual(rejection(await r1.take('acct', p, 1)), ['rate', 2]);
  } finally {
    await server.close();
  }
});

test('a hung Redis times out into the memory fallback instead of stalling requests', async () => {
  const server = await startRedisServer();
  const states: boolean[] = [];
  const clock = clockAt('2025-06-10T12:00:00Z');
  const limiter = await createRedisLimiter({ url: server.url, logger: silent, now: clock.now, commandTimeoutMs: 100, maxReconnectDelayMs: 100, onStateChange: (d) => states.push(d), keyPrefix: `test:${randomUUID()}:` });
  try {
    const p = plan({ requestsPerSecond: 1, burst: 1 });
    assert.ok((await limiter.take('acct', p, 1)).ok);
    server.pause();
    // Shared state says throttled, but Redis does not answer: the memory bucket (still full) admits.
    assert.deepEqual(await limiter.take('acct', p, 1), { ok: true });
    assert.equal(limiter.degraded(), true);
    // While it hangs, one request probes Redis and the rest are answered from memory at once.
    const concurrent = await Promise.all(['b', 'c', 'd', 'e', 'f'].map((id) => limiter.take(id, p, 1)));
    assert.ok(concurrent.every((o) => o.ok));
    server.resume();
    const probe = new Redis(server.url, { lazyConnect: true });
    await probe.connect();
    const scriptCalls = scriptCallsIn(await probe.info('commandstats'));
    probe.disconnect();
    // One before the hang, the one that timed out, one probe: not one per request.
    assert.equal(scriptCalls, 3);
    for (let i = 0; i < 200 && limiter.degraded(); i++) {
      await sleep(25);
      await limiter.take('probe', p, 1);
    }
    assert.equal(limiter.degraded(), false);
    assert.deepEqual(rejection(await limiter.take('acct', p, 1)), ['rate', 1]);
    assert.deepEqual(states, [true, false]);
  } finally {
    server.resume();
    await limiter.close();
    await server.close();
  }
});

test('bad options are rejected at construction', async () => {
  await assert.rejects(createRedisLimiter({ url: 'http://127.0.0.1:1', logger: silent }), /redis:\/\//);
  await assert.rejects(createRedisLimiter({ url: redis.url, logger: silent, commandTimeoutMs: 0 }), /commandTimeoutMs/);
});
