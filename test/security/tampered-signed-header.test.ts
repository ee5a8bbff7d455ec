/** Attack: a signed header changed after signing (the signature covers every listed header). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { logsRequest, marker, signWithSmithy, startSigV4Fixture, statusMessage, type SigV4Fixture } from '../helpers/signed-client.js';

let fx: SigV4Fixture;
before(async () => {
  fx = await startSigV4Fixture();
});
after(async () => {
  await fx.close();
});

const creds = (): { accessKeyId: string; secretAccessKey: string } => ({ accessKeyId: fx.a.accessKeyId, secretAccessKey: fx.a.secretAccessKey });

test('a custom signed header changed after signing: 403 signature mismatch, nothing stored', async () => {
  const m = marker('hdr-custom');
  const unsigned = logsRequest(fx.t.otlpUrl, m);
  unsigned.headers['x-api-key'] = fx.a.apiKey;
  unsigned.headers['x-e2e-route'] = 'orders';
  const signed = await signWithSmithy(fx.t.otlpUrl, unsigned, creds());
  assert.match(signed.headers['authorization'] ?? '', /SignedHeaders=[^,]*x-e2e-route/);
  const r = await fx.send({ ...signed, headers: { ...signed.headers, 'x-e2e-route': 'invoices' } });
  assert.equal(r.status, 403);
  assert.match(statusMessage(r), /signature we calculated does not match/);
  await fx.assertNothingStored(m);
});

test('x-amz-date moved by one second after signing: 403 signature mismatch, nothing stored', async () => {
  const m = marker('hdr-date');
  const unsigned = logsRequest(fx.t.otlpUrl, m);
  unsigned.headers['x-api-key'] = fx.a.apiKey;
  const signingDate = new Date(Math.floor(Date.now() / 1000) * 1000 - 10_000);
  const signed = await signWithSmithy(fx.t.otlpUrl, unsigned, creds(), { signingDate });
  const moved = new Date(signingDate.getTime() + 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  assert.notEqual(signed.headers['x-amz-date'], moved);
  const r = await fx.send({ ...signed, headers: { ...signed.headers, 'x-amz-date': moved } });
  assert.equal(r.status, 403);
  assert.match(statusMessage(r), /signature we calculated does not match/);
  await fx.assertNothingStored(m);
});

test('the signed x-api-key swapped for another account\'s key: 403, nothing stored', async () => {
  const m = marker('hdr-apikey');
  const unsigned = logsRequest(fx.t.otlpUrl, m);
  unsigned.headers['x-api-key'] = fx.a.apiKey;
  const signed = await signWithSmithy(fx.t.otlpUrl, unsigned, creds());
  const r = await fx.send({ ...signed, headers: { ...signed.headers, 'x-api-key': fx.b.apiKey } });
  assert.equal(r.status, 403);
  assert.match(statusMessage(r), /signature we calculated does not match/);
  await fx.assertNothingStored(m);
});
