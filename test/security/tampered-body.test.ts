/** Attack: a signed request whose body is changed in transit. SigV4 covers the payload hash. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { marker, signedLogs, startSigV4Fixture, statusMessage, type SigV4Fixture, type WireRequest } from '../helpers/signed-client.js';

let fx: SigV4Fixture;
before(async () => {
  fx = await startSigV4Fixture();
});
after(async () => {
  await fx.close();
});

/** Same length, one byte of the marker changed: still a decodable OTLP body. */
function tamperBody(req: WireRequest, original: string, replacement: string): WireRequest {
  const body = Buffer.from(req.body);
  const at = body.indexOf(original);
  assert.ok(at >= 0);
  body.write(replacement, at);
  return { ...req, body };
}

test('a body changed after signing, with x-amz-content-sha256: 403, nothing stored', async () => {
  const m = marker('body-sha');
  const tampered = marker('body-sha');
  const signed = await signedLogs(fx.t.otlpUrl, fx.a, m, { contentSha256: true });
  assert.ok(signed.headers['x-amz-content-sha256'] !== undefined);
  const r = await fx.send(tamperBody(signed, m, tampered));
  assert.equal(r.status, 403);
  assert.match(statusMessage(r), /x-amz-content-sha256' header does not match/);
  await fx.assertNothingStored(m);
  await fx.assertNothingStored(tampered);
});

test('a body changed after signing, without x-amz-content-sha256: 403 signature mismatch, nothing stored', async () => {
  const m = marker('body-nosha');
  const tampered = marker('body-nosha');
  const signed = await signedLogs(fx.t.otlpUrl, fx.a, m, { contentSha256: false });
  assert.equal(signed.headers['x-amz-content-sha256'], undefined);
  const r = await fx.send(tamperBody(signed, m, tampered));
  assert.equal(r.status, 403);
  assert.match(statusMessage(r), /signature we calculated does not match/);
  await fx.assertNothingStored(m);
  await fx.assertNothingStored(tampered);
});

test('a body and its x-amz-content-sha256 both replaced: 403 (the hash is a signed header), nothing stored', async () => {
  const m = marker('body-rehash');
  const tampered = marker('body-rehash');
  const signed = await signedLogs(fx.t.otlpUrl, fx.a, m, { contentSha256: true });
  const changed = tamperBody(signed, m, tampered);
  changed.headers['x-amz-content-sha256'] = createHash('sha256').update(changed.body).digest('hex');
  const r = await fx.send(changed);
  assert.equal(r.status, 403);
  assert.match(statusMessage(r), /signature we calculated does not match/);
  await fx.assertNothingStored(tampered);
});
