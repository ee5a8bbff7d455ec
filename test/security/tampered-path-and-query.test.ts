/** Attack: the request line (path, query) changed after signing: both are in the canonical request. */
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

test('signed for /v1/traces, sent to /v1/logs: 403 signature mismatch, nothing stored', async () => {
  const m = marker('path');
  const signed = await signedLogs(fx.t.otlpUrl, fx.a, m, { path: '/v1/traces' });
  assert.equal(signed.path, '/v1/traces');
  const r = await fx.send({ ...signed, path: '/v1/logs' });
  assert.equal(r.status, 403);
  assert.match(statusMessage(r), /signature we calculated does not match/);
  await fx.assertNothingStored(m);
});

test('a query parameter changed after signing: 403 signature mismatch, nothing stored', async () => {
  const m = marker('query');
  const signed = await signedLogs(fx.t.otlpUrl, fx.a, m, { path: '/v1/logs?tenant=orders' });
  assert.equal(signed.path, '/v1/logs?tenant=orders');
  const r = await fx.send({ ...signed, path: '/v1/logs?tenant=invoices' });
  assert.equal(r.status, 403);
  assert.match(statusMessage(r), /signature we calculated does not match/);
  await fx.assertNothingStored(m);
});

test('a query parameter added after signing: 403 signature mismatch, nothing stored', async () => {
  const m = marker('query-add');
  const signed = await signedLogs(fx.t.otlpUrl, fx.a, m);
  const r = await fx.send({ ...signed, path: '/v1/logs?debug=1' });
  assert.equal(r.status, 403);
  assert.match(statusMessage(r), /signature we calculated does not match/);
  await fx.assertNothingStored(m);
});

test('control: the same request with its signed query is accepted', async () => {
  const m = marker('query-ok');
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, m, { path: '/v1/logs?tenant=orders' }));
  assert.equal(r.status, 200, r.body.toString());
});
