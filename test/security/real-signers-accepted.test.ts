/**
 * Positive paths: requests signed by the two independent real signers (@smithy/signature-v4 as the
 * AWS SDK and the agent use, and aws4) travel over real HTTP and are accepted and stored, with and
 * without a signed `x-amz-content-sha256`; session credentials with `x-amz-security-token` too.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { marker, send, signedGet, signedLogs, signWithAws4, signWithSmithy, startSigV4Fixture, storedLogs, type SigV4Fixture, type WireRequest } from '../helpers/signed-client.js';
import { eventually } from '../helpers/test-hub.js';

let fx: SigV4Fixture;
before(async () => {
  fx = await startSigV4Fixture();
});
after(async () => {
  await fx.close();
});

async function assertStored(m: string, accountId: string): Promise<void> {
  const logs = await eventually(async () => {
    const found = await storedLogs(fx.t, m);
    return found.length === 1 ? (found as { accountId: string }[]) : undefined;
  }, `log ${m}`);
  assert.equal(logs[0]?.accountId, accountId);
}

for (const signer of ['smithy', 'aws4'] as const) {
  for (const contentSha256 of [true, false]) {
    test(`${signer}, ${contentSha256 ? 'with' : 'without'} x-amz-content-sha256: 200 and stored under the account`, async () => {
      const m = marker(`${signer}-${String(contentSha256)}`);
      const req = await signedLogs(fx.t.otlpUrl, fx.a, m, { signer, contentSha256 });
      const names = Object.keys(req.headers).map((h) => h.toLowerCase());
      assert.equal(names.includes('x-amz-content-sha256'), contentSha256);
      const r = await fx.send(req);
      assert.equal(r.status, 200, r.body.toString());
      await assertStored(m, fx.a.id);
    });
  }
}

test('JSON bodies and gzip: the signature covers the compressed bytes on the wire', async () => {
  for (const signer of ['smithy', 'aws4'] as const) {
    const m = marker(`gzip-${signer}`);
    const plain = await signedLogs(fx.t.otlpUrl, fx.b, m, { format: 'json', apiKey: null });
    const unsigned: WireRequest = {
      method: 'POST',
      path: '/v1/logs',
      headers: { host: new URL(fx.t.otlpUrl).host, 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-api-key': fx.b.apiKey },
      body: gzipSync(plain.body),
    };
    const req = signer === 'smithy' ? await signWithSmithy(fx.t.otlpUrl, unsigned, fx.b) : signWithAws4(fx.t.otlpUrl, unsigned, fx.b);
    const r = await fx.send(req);
    assert.equal(r.status, 200, r.body.toString());
    await assertStored(m, fx.b.id);
  }
});

test('session credentials from /v1/self/session with x-amz-security-token: accepted by both signers', async () => {
  const issued = await send(fx.t.otlpUrl, await signedGet(fx.t.otlpUrl, '/v1/self/session', fx.a));
  assert.equal(issued.status, 200, issued.body.toString());
  const session = JSON.parse(issued.body.toString()) as { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string };
  assert.match(session.accessKeyId, /^ASIA/);
  const ttlMs = Date.parse(session.expiration) - Date.now();
  assert.ok(ttlMs > 3500_000 && ttlMs <= 3600_000, `default session lifetime is 1 h, got ${ttlMs} ms`);
  for (const signer of ['smithy', 'aws4'] as const) {
    const m = marker(`session-${signer}`);
    const req = await signedLogs(fx.t.otlpUrl, fx.a, m, { signer, credentials: session });
    const token = Object.entries(req.headers).find(([k]) => k.toLowerCase() === 'x-amz-security-token')?.[1];
    assert.equal(token, session.sessionToken);
    const r = await fx.send(req);
    assert.equal(r.status, 200, r.body.toString());
    await assertStored(m, fx.a.id);
  }
});
