/** Attack: short-lived session credentials of an account that has since been revoked. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { marker, send, signedGet, signedLogs, startSigV4Fixture, statusMessage, storedLogs, type SigV4Fixture, type SigningCredentials } from '../helpers/signed-client.js';
import { eventually } from '../helpers/test-hub.js';

let fx: SigV4Fixture;
before(async () => {
  fx = await startSigV4Fixture();
});
after(async () => {
  await fx.close();
});

async function issueSession(creds: SigningCredentials): Promise<Required<SigningCredentials>> {
  const r = await send(fx.t.otlpUrl, await signedGet(fx.t.otlpUrl, '/v1/self/session', creds));
  assert.equal(r.status, 200, r.body.toString());
  return JSON.parse(r.body.toString()) as Required<SigningCredentials>;
}

test('a session issued before revocation: 403 after revoke (no new sessions either), nothing stored; works again after restore', async () => {
  const session = await issueSession(fx.a);
  const before = marker('rs-before');
  assert.equal((await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, before, { credentials: session }))).status, 200);
  await eventually(async () => (await storedLogs(fx.t, before)).length === 1, 'the log sent before revocation');

  const baseline = await fx.snapshot();
  assert.equal((await fx.t.api(`/api/accounts/${fx.a.id}/revoke`, { method: 'POST' })).status, 200);
  const m = marker('rs-revoked');
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, m, { credentials: session }));
  assert.equal(r.status, 403);
  assert.equal(statusMessage(r), 'The security token included in the request is invalid. The access key or its account is revoked.');
  const mint = await send(fx.t.otlpUrl, await signedGet(fx.t.otlpUrl, '/v1/self/session', fx.a));
  assert.equal(mint.status, 403);
  assert.ok(!/sessionToken/.test(mint.body.toString()));

  await fx.assertNothingStored(m, baseline);

  assert.equal((await fx.t.api(`/api/accounts/${fx.a.id}/restore`, { method: 'POST' })).status, 200);
  assert.equal((await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, marker('rs-restored'), { credentials: session }))).status, 200);
});

test('deleting the long-term key ends the sessions issued from it: 403, nothing stored', async () => {
  const session = await issueSession(fx.b);
  const baseline = await fx.snapshot();
  assert.equal((await fx.t.api(`/api/accounts/${fx.b.id}/credentials`, { method: 'POST' })).status, 201);
  assert.equal((await fx.t.api(`/api/accounts/${fx.b.id}/credentials/${fx.b.accessKeyId}`, { method: 'DELETE' })).status, 200);
  const m = marker('rs-deleted-parent');
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, fx.b, m, { credentials: session }));
  assert.equal(r.status, 403);
  assert.equal(statusMessage(r), 'The security token included in the request is invalid.');
  await fx.assertNothingStored(m, baseline);
});
