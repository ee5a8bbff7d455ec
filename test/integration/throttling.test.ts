/**
 * Usage plans over real HTTP: an account bursting beyond its plan gets 429 with a Retry-After that
 * is really enough to wait, while another account at the same moment is served; a daily quota
 * answers 429 with Retry-After until the period ends. The quota reset at the period boundary with
 * an injected clock is covered at limiter level in test/limits/memory-limiter.test.ts ("quota per
 * UTC day: exhausted until next midnight, reset at the boundary", and the week and month variants).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAccount, marker, send, signedLogs, statsOf, statusMessage, storedLogs, type Reply, type TestAccount } from '../helpers/signed-client.js';
import { eventually, startTestHub, type TestHub } from '../helpers/test-hub.js';

let t: TestHub;
let a: TestAccount;
let b: TestAccount;
let c: TestAccount;

before(async () => {
  t = await startTestHub({
    auth: { mode: 'sigv4' },
    usagePlans: {
      tiny: { requestsPerSecond: 1, burst: 5 },
      quota3: { requestsPerSecond: 100, burst: 100, quota: { limit: 3, period: 'day' } },
    },
  });
  a = await createAccount(t, 'acct-a', 'tiny');
  b = await createAccount(t, 'acct-b');
  c = await createAccount(t, 'acct-c', 'quota3');
});

after(async () => {
  await t.close();
});

test('a burst of 20 from a {1 rps, burst 5} account: 429 with Retry-After 1 beyond the burst; another account is served meanwhile', async () => {
  const prefix = marker('burst');
  // Signed beforehand, so the burst itself is only sending.
  const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => signedLogs(t.otlpUrl, a, `${prefix}-${i}`)));
  const others = await Promise.all(Array.from({ length: 5 }, (_, i) => signedLogs(t.otlpUrl, b, marker(`other-${i}`))));
  const startedMs = Date.now();
  const [fromA, fromB] = await Promise.all([Promise.all(burst.map((r) => send(t.otlpUrl, r))), Promise.all(others.map((r) => send(t.otlpUrl, r)))]);
  const elapsedS = (Date.now() - startedMs) / 1000;

  const ok = fromA.filter((r) => r.status === 200);
  const throttled = fromA.filter((r) => r.status === 429);
  assert.equal(ok.length + throttled.length, 20, `only 200 and 429: ${fromA.map((r) => r.status).join(',')}`);
  // The bucket holds 5 and refills 1 per second: at most 5 + the refill during the burst pass.
  assert.ok(ok.length >= 5 && ok.length <= 5 + Math.ceil(elapsedS), `${ok.length} accepted in ${elapsedS} s`);
  for (const r of throttled) {
    assert.equal(r.headers['retry-after'], '1', 'at 1 request per second the next token is at most 1 s away');
    assert.equal(statusMessage(r), "Too Many Requests: account 'acct-a' exceeds 1 requests per second (burst 5)");
  }
  assert.deepEqual(fromB.map((r) => r.status), [200, 200, 200, 200, 200], 'account B is not throttled by A');

  // Exactly the accepted requests were stored; the throttled ones not.
  const sentinel = marker('burst-flush');
  assert.equal((await send(t.otlpUrl, await signedLogs(t.otlpUrl, b, sentinel))).status, 200);
  await eventually(async () => (await storedLogs(t, sentinel)).length === 1, 'the flush log');
  assert.equal((await storedLogs(t, prefix)).length, ok.length);

  const statsA = await statsOf(t, a.id);
  assert.equal(statsA?.throttledRequests, throttled.length);
  assert.equal(statsA?.accepted.logRecords, ok.length);
  assert.equal((await statsOf(t, b.id))?.throttledRequests, 0);

  // Retry-After is honest: waiting that long is enough for the next request.
  await new Promise((r) => setTimeout(r, Number(throttled[0]?.headers['retry-after']) * 1000));
  const again = await send(t.otlpUrl, await signedLogs(t.otlpUrl, a, marker('after-wait')));
  assert.equal(again.status, 200, again.body.toString());
});

test('an exhausted daily quota: 429 with Retry-After until the next UTC midnight', async () => {
  const replies: Reply[] = [];
  for (let i = 0; i < 4; i++) replies.push(await send(t.otlpUrl, await signedLogs(t.otlpUrl, c, marker(`quota-${i}`))));
  assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 429]);
  const last = replies[3] as Reply;
  const now = new Date();
  const nextMidnightMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  const expected = Math.ceil((nextMidnightMs - now.getTime()) / 1000);
  assert.match(statusMessage(last), /^Limit Exceeded: account 'acct-c' used its quota of 3 requests per day/);
  const retryAfter = Number(last.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && Math.abs(retryAfter - expected) <= 2, `Retry-After ${retryAfter}, expected about ${expected}`);
  // Another account with the default plan is untouched.
  assert.equal((await send(t.otlpUrl, await signedLogs(t.otlpUrl, b, marker('quota-other')))).status, 200);
});
