/** Attack: valid SigV4 of account A with the API key of account B (e.g. to spend B's usage plan). */
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

test("A's signature with B's x-api-key: 403, nothing stored for either account", async () => {
  const m = marker('other-key');
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, m, { apiKey: fx.b.apiKey }));
  assert.equal(r.status, 403);
  assert.equal(statusMessage(r), 'Forbidden: the x-api-key belongs to another account than the signing key');
  assert.ok(!r.body.toString().includes(fx.b.apiKey));
  await fx.assertNothingStored(m);
});

test('an x-api-key that belongs to no account: 403, nothing stored', async () => {
  const m = marker('bogus-key');
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, m, { apiKey: `${fx.a.apiKey.slice(0, -1)}${fx.a.apiKey.endsWith('A') ? 'B' : 'A'}` }));
  assert.equal(r.status, 403);
  assert.equal(statusMessage(r), 'Forbidden: the x-api-key is not valid');
  await fx.assertNothingStored(m);
});

test("B's API key rotated away does not work for B either", async () => {
  // Not part of the console API contract, so via the registry the hub uses.
  const registry = fx.t.hub.security.registry;
  assert.ok(registry !== undefined);
  const old = fx.b.apiKey;
  await registry.rotateApiKey(fx.b.id, 'test');
  const m = marker('rotated-key');
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, fx.b, m, { apiKey: old }));
  assert.equal(r.status, 403);
  assert.equal(statusMessage(r), 'Forbidden: the x-api-key is not valid');
  await fx.assertNothingStored(m);
});
