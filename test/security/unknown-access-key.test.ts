/** Attack: credentials the hub never issued, or a key pair that was deleted after rotation. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { marker, signedLogs, startSigV4Fixture, statusMessage, type SigV4Fixture } from '../helpers/signed-client.js';

let fx: SigV4Fixture;
before(async () => {
  fx = await startSigV4Fixture();
});
after(async () => {
  await fx.close();
});

test('an access key id the hub never issued: 403 invalid security token, nothing stored', async () => {
  const m = marker('unknown-key');
  const credentials = { accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64') };
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, m, { credentials }));
  assert.equal(r.status, 403);
  assert.equal(statusMessage(r), 'The security token included in the request is invalid.');
  assert.ok(!r.body.toString().includes(credentials.accessKeyId.slice(4)), 'the reply does not echo the key');
  await fx.assertNothingStored(m);
});

test('a known access key id with a wrong secret: 403 signature mismatch, nothing stored', async () => {
  const m = marker('wrong-secret');
  const credentials = { accessKeyId: fx.a.accessKeyId, secretAccessKey: randomBytes(30).toString('base64') };
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, m, { credentials }));
  assert.equal(r.status, 403);
  assert.match(statusMessage(r), /signature we calculated does not match/);
  assert.ok(!r.body.toString().includes(fx.a.secretAccessKey), 'the reply never contains the secret');
  await fx.assertNothingStored(m);
});

test('a key pair deleted after rotation: 403 at once, the new pair works', async () => {
  const rotated = await fx.t.api(`/api/accounts/${fx.b.id}/credentials`, { method: 'POST' });
  assert.equal(rotated.status, 201);
  const fresh = rotated.json as { accessKeyId: string; secretAccessKey: string };
  const del = await fx.t.api(`/api/accounts/${fx.b.id}/credentials/${fx.b.accessKeyId}`, { method: 'DELETE' });
  assert.equal(del.status, 200);
  const m = marker('deleted-key');
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, fx.b, m));
  assert.equal(r.status, 403);
  assert.equal(statusMessage(r), 'The security token included in the request is invalid.');
  await fx.assertNothingStored(m);
  const ok = await fx.send(await signedLogs(fx.t.otlpUrl, fx.b, marker('fresh-key'), { credentials: fresh }));
  assert.equal(ok.status, 200, ok.body.toString());
});
