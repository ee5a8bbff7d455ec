/** Attack: a revoked (cut-off) account keeps sending with its still-valid keys. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { marker, send, signedGet, signedLogs, startSigV4Fixture, statsOf, statusMessage, storedLogs, type SigV4Fixture } from '../helpers/signed-client.js';
import { eventually } from '../helpers/test-hub.js';

let fx: SigV4Fixture;
before(async () => {
  fx = await startSigV4Fixture();
});
after(async () => {
  await fx.close();
});

test('a revoked account: 403 on ingest and on key distribution, nothing stored; restore lets it send again', async () => {
  const revoked = await fx.t.api(`/api/accounts/${fx.a.id}/revoke`, { method: 'POST' });
  assert.equal(revoked.status, 200);
  assert.equal((revoked.json as { status: string }).status, 'revoked');

  const m = marker('revoked');
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, m));
  assert.equal(r.status, 403);
  assert.match(statusMessage(r), /^The security token included in the request is invalid\. The access key or its account is revoked\.$/);
  const self = await send(fx.t.otlpUrl, await signedGet(fx.t.otlpUrl, '/v1/self/api-key', fx.a));
  assert.equal(self.status, 403);
  assert.ok(!self.body.toString().includes(fx.a.apiKey), 'a revoked account cannot fetch its API key');
  await fx.assertNothingStored(m);
  assert.ok(((await statsOf(fx.t, fx.a.id))?.deniedRequests ?? 0) >= 1, 'the denial is counted for the account');

  const restored = await fx.t.api(`/api/accounts/${fx.a.id}/restore`, { method: 'POST' });
  assert.equal(restored.status, 200);
  const again = marker('restored');
  const ok = await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, again));
  assert.equal(ok.status, 200, ok.body.toString());
  await eventually(async () => (await storedLogs(fx.t, again)).length === 1, 'the restored account\'s log');
});
