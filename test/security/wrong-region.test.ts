/** Attack: a valid signature scoped to another region (a key used against the wrong endpoint). */
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

test('credential scope us-east-1 on a hub configured for eu-central-1: 403, nothing stored', async () => {
  const m = marker('region');
  const signed = await signedLogs(fx.t.otlpUrl, fx.a, m, { region: 'us-east-1' });
  assert.match(signed.headers['authorization'] ?? '', /\/us-east-1\/execute-api\/aws4_request/);
  const r = await fx.send(signed);
  assert.equal(r.status, 403);
  assert.match(statusMessage(r), /Credential should be scoped to a valid region, not 'us-east-1'/);
  await fx.assertNothingStored(m);
});

test('a hub configured for another region refuses the default one', async () => {
  const other = await startSigV4Fixture({ auth: { sigv4: { region: 'eu-west-1' } } });
  try {
    const m = marker('region-cfg');
    const r = await other.send(await signedLogs(other.t.otlpUrl, other.a, m));
    assert.equal(r.status, 403);
    assert.match(statusMessage(r), /not 'eu-central-1'/);
    const ok = await other.send(await signedLogs(other.t.otlpUrl, other.a, marker('region-ok'), { region: 'eu-west-1' }));
    assert.equal(ok.status, 200, ok.body.toString());
  } finally {
    await other.close();
  }
});
