/** Key distribution: `GET /v1/self/api-key` returns the signer's own API key and nothing else. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { logsRequest, send, signedGet, startSigV4Fixture, type SigV4Fixture } from '../helpers/signed-client.js';

let fx: SigV4Fixture;
before(async () => {
  fx = await startSigV4Fixture();
});
after(async () => {
  await fx.close();
});

test('each account gets exactly its own key; no other account\'s secret appears', async () => {
  for (const [self, other] of [[fx.a, fx.b], [fx.b, fx.a]] as const) {
    const r = await send(fx.t.otlpUrl, await signedGet(fx.t.otlpUrl, '/v1/self/api-key', self));
    assert.equal(r.status, 200, r.body.toString());
    assert.deepEqual(JSON.parse(r.body.toString()), { accountId: self.id, apiKey: self.apiKey });
    const text = r.body.toString();
    for (const secret of [other.apiKey, other.secretAccessKey, self.secretAccessKey, fx.sentinel.apiKey]) assert.ok(!text.includes(secret));
  }
});

test('a query string cannot ask for another account', async () => {
  const r = await send(fx.t.otlpUrl, await signedGet(fx.t.otlpUrl, `/v1/self/api-key?accountId=${fx.b.id}`, fx.a));
  assert.equal(r.status, 200, r.body.toString());
  assert.deepEqual(JSON.parse(r.body.toString()), { accountId: fx.a.id, apiKey: fx.a.apiKey });
});

test('unsigned: 401; unknown key: 403; neither reveals a key', async () => {
  const unsigned = await send(fx.t.otlpUrl, { ...logsRequest(fx.t.otlpUrl, ''), method: 'GET', path: '/v1/self/api-key', body: new Uint8Array(0) });
  assert.equal(unsigned.status, 401);
  const unknown = await send(
    fx.t.otlpUrl,
    await signedGet(fx.t.otlpUrl, '/v1/self/api-key', { accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64') }),
  );
  assert.equal(unknown.status, 403);
  for (const r of [unsigned, unknown]) for (const acct of [fx.a, fx.b, fx.sentinel]) assert.ok(!r.body.toString().includes(acct.apiKey));
});

test('after the API key is rotated, the self route hands out the new one', async () => {
  const registry = fx.t.hub.security.registry;
  assert.ok(registry !== undefined);
  const fresh = await registry.rotateApiKey(fx.b.id, 'test');
  const r = await send(fx.t.otlpUrl, await signedGet(fx.t.otlpUrl, '/v1/self/api-key', fx.b));
  assert.deepEqual(JSON.parse(r.body.toString()), { accountId: fx.b.id, apiKey: fresh });
});
