/** Attack: a valid signature scoped to another service (e.g. a key signed for S3 replayed here). */
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

for (const service of ['s3', 'execute-api-x', 'sts']) {
  test(`credential scope service '${service}' instead of execute-api: 403, nothing stored`, async () => {
    const m = marker(`service-${service}`);
    const signed = await signedLogs(fx.t.otlpUrl, fx.a, m, { service });
    assert.match(signed.headers['authorization'] ?? '', new RegExp(`/eu-central-1/${service}/aws4_request`));
    const r = await fx.send(signed);
    assert.equal(r.status, 403);
    assert.match(statusMessage(r), /Credential should be scoped to correct service: 'execute-api'/);
    await fx.assertNothingStored(m);
  });
}
