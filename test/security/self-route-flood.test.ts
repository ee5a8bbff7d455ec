/**
 * Attack: one tenant looping on `GET /v1/self/session` (2,000 calls in 3 s all got 200, each
 * rewriting the registry file, and another tenant's ingest latency went from 12 ms to 812 ms).
 * Now `/v1/self/*` has a bucket per account (`auth.self.requestsPerMinute`, `burstRequests`): the
 * flood gets 429 with Retry-After while another account's ingest and key distribution carry on; a
 * session costs no write; failed signatures there are capped per client address
 * (`auth.self.maxFailedSignaturesPerMinute`) without ever refusing a valid signature.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { marker, send, signedGet, signedLogs, startSigV4Fixture, type SigV4Fixture } from '../helpers/signed-client.js';

const PER_MINUTE = 6;
const BURST = 5;
const MAX_FAILURES = 3;
let fx: SigV4Fixture;

before(async () => {
  fx = await startSigV4Fixture({ auth: { self: { requestsPerMinute: PER_MINUTE, burstRequests: BURST, maxFailedSignaturesPerMinute: MAX_FAILURES } } });
});
after(async () => {
  await fx.close();
});

async function registryFiles(): Promise<string[]> {
  return Promise.all(
    ['registry.duckdb', 'registry.duckdb.wal', 'audit.log'].map(async (name) => {
      const s = await stat(join(fx.t.dataDir, name)).catch(() => undefined);
      return `${name}:${s?.size ?? '-'}:${s?.mtimeMs ?? '-'}`;
    }),
  );
}

test("a flood of /v1/self/session from one account gets 429 with Retry-After; another account's ingest and sessions still get 200", async () => {
  const filesBefore = await registryFiles();
  const flood = await Promise.all(Array.from({ length: 40 }, async () => send(fx.t.otlpUrl, await signedGet(fx.t.otlpUrl, '/v1/self/session', fx.a))));
  const ok = flood.filter((r) => r.status === 200);
  const throttled = flood.filter((r) => r.status === 429);
  assert.equal(ok.length + throttled.length, flood.length, `unexpected statuses: ${flood.map((r) => r.status).join(',')}`);
  // The bucket holds BURST; at most one more token can refill while the flood is answered.
  assert.ok(ok.length >= BURST && ok.length <= BURST + 1, `${ok.length} sessions issued`);
  for (const r of throttled) {
    const retryAfter = Number(r.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60 / PER_MINUTE, `Retry-After ${String(r.headers['retry-after'])}`);
    assert.match(r.body.toString(), /auth\.self\.requestsPerMinute/);
    assert.ok(!/sessionToken/.test(r.body.toString()));
  }
  // The api-key route shares the account's bucket.
  assert.equal((await send(fx.t.otlpUrl, await signedGet(fx.t.otlpUrl, '/v1/self/api-key', fx.a))).status, 429);

  // Another tenant is not affected: its ingest, its key and its sessions.
  assert.equal((await fx.send(await signedLogs(fx.t.otlpUrl, fx.b, marker('other-tenant')))).status, 200);
  assert.equal((await send(fx.t.otlpUrl, await signedGet(fx.t.otlpUrl, '/v1/self/api-key', fx.b))).status, 200);
  assert.equal((await send(fx.t.otlpUrl, await signedGet(fx.t.otlpUrl, '/v1/self/session', fx.b))).status, 200);
  // The flooding account's own ingest is governed by its usage plan, not by this bucket.
  assert.equal((await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, marker('flooder-ingest')))).status, 200);

  // Issuing those sessions wrote nothing (no registry row, no WAL record, no audit line).
  assert.deepEqual(await registryFiles(), filesBefore);
});

test('failed signatures on /v1/self/* are capped per client address; a valid signature from the same address still passes', async () => {
  const wrong = { accessKeyId: fx.sentinel.accessKeyId, secretAccessKey: randomBytes(30).toString('base64') };
  const statuses: number[] = [];
  let last = await send(fx.t.otlpUrl, await signedGet(fx.t.otlpUrl, '/v1/self/session', wrong));
  statuses.push(last.status);
  for (let i = 0; i < MAX_FAILURES + 1; i++) {
    last = await send(fx.t.otlpUrl, await signedGet(fx.t.otlpUrl, '/v1/self/session', wrong));
    statuses.push(last.status);
  }
  assert.deepEqual(statuses, [...Array<number>(MAX_FAILURES).fill(403), 429, 429]);
  assert.ok(Number(last.headers['retry-after']) >= 1);
  // Never a refusal of a valid signature (clients behind one NAT or load balancer share an address).
  assert.equal((await send(fx.t.otlpUrl, await signedGet(fx.t.otlpUrl, '/v1/self/api-key', fx.sentinel))).status, 200);
  // Per address: another client address still gets the plain answer.
  const elsewhere = await send(fx.t.otlpUrl, await signedGet(fx.t.otlpUrl, '/v1/self/session', wrong), { localAddress: '127.0.0.2' });
  assert.equal(elsewhere.status, 403);
});
