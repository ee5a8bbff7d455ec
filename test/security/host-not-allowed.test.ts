/**
 * Issue 9 §6: a request signed for another Host was accepted; there was no way to bind the hub to
 * its public names. With `otlp.allowedHosts` set, ingest answers 403 (E2E_FORBIDDEN) naming the
 * Host for any other Host header, before reading the body — a correct signature does not help.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNothingStored, marker, send, signedGet, signedLogs, startSigV4Fixture, statusMessage, type SigV4Fixture } from '../helpers/signed-client.js';
import { upload } from '../helpers/big-upload.js';

let fx: SigV4Fixture;
let port: number;
before(async () => {
  fx = await startSigV4Fixture({ otlp: { allowedHosts: ['hub.example.com', 'ingest.example.net:4318'] } });
  port = Number(new URL(fx.t.otlpUrl).port);
});
after(async () => {
  await fx.close();
});

/** The base URL a sender signs for; the request still goes to the test hub's port. */
const as = (host: string): string => `http://${host}`;

test('a correctly signed request for another Host: 403 naming the Host, nothing stored', async () => {
  const m = marker('other-host');
  const signed = await signedLogs(as(`evil.example.org:${port}`), fx.a, m);
  assert.equal(signed.headers['host'], `evil.example.org:${port}`);
  const r = await send(fx.t.otlpUrl, signed);
  assert.equal(r.status, 403);
  assert.match(statusMessage(r), /^Host "evil\.example\.org:\d+" is not a name of this hub \(otlp\.allowedHosts\)/);
  // The sentinel flush goes through an allowed name.
  await assertNothingStored(fx.t, m, async (text) => send(fx.t.otlpUrl, await signedLogs(as(`hub.example.com:${port}`), fx.sentinel, text)), fx.sentinel.id);
});

test('the loopback address the hub listens on is not one of its names either', async () => {
  const r = await send(fx.t.otlpUrl, await signedLogs(fx.t.otlpUrl, fx.a, marker('ip-host')));
  assert.equal(r.status, 403);
});

test('a request signed for an allowed name is accepted, on any port for a bare name', async () => {
  const m = marker('allowed-host');
  const r = await send(fx.t.otlpUrl, await signedLogs(as(`hub.example.com:${port}`), fx.a, m));
  assert.equal(r.status, 200, r.body.toString());
  const upper = await send(fx.t.otlpUrl, await signedLogs(as(`HUB.Example.COM:${port}`), fx.a, marker('allowed-upper')));
  assert.equal(upper.status, 200, upper.body.toString());
});

test('an entry with a port allows only that port', async () => {
  const r = await send(fx.t.otlpUrl, await signedLogs(as(`ingest.example.net:${port}`), fx.a, marker('wrong-port')));
  assert.equal(r.status, 403);
});

test('/v1/self/* is bound too; /healthz is not (load balancers probe by address)', async () => {
  const self = await send(fx.t.otlpUrl, await signedGet(as(`evil.example.org:${port}`), '/v1/self/api-key', { accessKeyId: fx.a.accessKeyId, secretAccessKey: fx.a.secretAccessKey }));
  assert.equal(self.status, 403);
  assert.match(self.body.toString(), /otlp\.allowedHosts/);
  const health = await fetch(`${fx.t.otlpUrl}/healthz`);
  assert.equal(health.status, 200);
});

test('checked before any body work: a 5 MiB body for another Host is refused from its headers and the client reads the 403', async () => {
  const r = await upload(`${fx.t.otlpUrl}/v1/logs`, 5 * 1024 * 1024, { 'content-type': 'application/x-protobuf', host: 'evil.example.org' }, 'chunks');
  assert.equal(r.status, 403, r.error);
  assert.equal(r.headers?.['connection'], 'close');
});
