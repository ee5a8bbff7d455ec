/** Attack: a correctly signed request without the API key (auth.apiKey.required, the default). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { logsRequest, marker, signedLogs, startSigV4Fixture, statusMessage, type SigV4Fixture } from '../helpers/signed-client.js';

let fx: SigV4Fixture;
before(async () => {
  fx = await startSigV4Fixture();
});
after(async () => {
  await fx.close();
});

test('no x-api-key header: 401 naming the header, nothing stored', async () => {
  const m = marker('no-key');
  const signed = await signedLogs(fx.t.otlpUrl, fx.a, m, { apiKey: null });
  assert.equal(signed.headers['x-api-key'], undefined);
  const r = await fx.send(signed);
  assert.equal(r.status, 401);
  assert.match(statusMessage(r), /^Missing x-api-key header/);
  await fx.assertNothingStored(m);
});

test('an empty x-api-key header: 401, nothing stored', async () => {
  const m = marker('empty-key');
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, m, { apiKey: '' }));
  assert.equal(r.status, 401);
  assert.match(statusMessage(r), /^Missing x-api-key header/);
  await fx.assertNothingStored(m);
});

test('neither signature nor API key: 401 Missing Authentication Token, nothing stored', async () => {
  const m = marker('anonymous');
  const r = await fx.send(logsRequest(fx.t.otlpUrl, m));
  assert.equal(r.status, 401);
  assert.match(statusMessage(r), /^Missing Authentication Token/);
  await fx.assertNothingStored(m);
});

test('an API key without a signature: 401, nothing stored', async () => {
  const m = marker('key-only');
  const req = logsRequest(fx.t.otlpUrl, m);
  req.headers['x-api-key'] = fx.a.apiKey;
  const r = await fx.send(req);
  assert.equal(r.status, 401);
  await fx.assertNothingStored(m);
});
