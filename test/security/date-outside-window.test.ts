/**
 * Attack: replaying a captured request later, or pre-signing one for the future. X-Amz-Date must be
 * within auth.sigv4.maxSkewSeconds (default 300 s, as AWS) of the hub's clock.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { marker, signedLogs, startSigV4Fixture, statusMessage, type SigV4Fixture } from '../helpers/signed-client.js';

let fx: SigV4Fixture;
before(async () => {
  fx = await startSigV4Fixture();
});
after(async () => {
  await fx.close();
});

test('signed 6 minutes ago (a replay): 403 Signature expired, nothing stored', async () => {
  const m = marker('date-past');
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, m, { signingDate: new Date(Date.now() - 6 * 60_000) }));
  assert.equal(r.status, 403);
  assert.match(statusMessage(r), /^Signature expired: \d{8}T\d{6}Z is now earlier than/);
  await fx.assertNothingStored(m);
});

test('signed 6 minutes ahead: 403 Signature not yet current, nothing stored', async () => {
  const m = marker('date-future');
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, m, { signingDate: new Date(Date.now() + 6 * 60_000) }));
  assert.equal(r.status, 403);
  assert.match(statusMessage(r), /^Signature not yet current/);
  await fx.assertNothingStored(m);
});

test('a tighter configured window (maxSkewSeconds 60) refuses 2 minutes, accepts 30 seconds', async () => {
  const tight = await startSigV4Fixture({ auth: { sigv4: { maxSkewSeconds: 60 } } });
  try {
    const m = marker('date-tight');
    const r = await tight.send(await signedLogs(tight.t.otlpUrl, tight.a, m, { signingDate: new Date(Date.now() - 120_000) }));
    assert.equal(r.status, 403);
    assert.match(statusMessage(r), /Signature expired/);
    await tight.assertNothingStored(m);
    const ok = await tight.send(await signedLogs(tight.t.otlpUrl, tight.a, marker('date-ok'), { signingDate: new Date(Date.now() - 30_000) }));
    assert.equal(ok.status, 200, ok.body.toString());
  } finally {
    await tight.close();
  }
});
