/**
 * Attack: a client without the required certificate on an mTLS ingest port
 * (`otlp.tls.requireClientCert: true` with `clientCa`). Also the account mapping: a verified client
 * certificate's subject CN must equal the account that the request authenticates as.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { connect } from 'node:tls';
import {
  assertNothingStored,
  createAccount,
  marker,
  send,
  signedGet,
  signedLogs,
  statusMessage,
  storedLogs,
  type Reply,
  type TestAccount,
  type TlsClientOptions,
} from '../helpers/signed-client.js';
import { eventually, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { createTestPki, type TestPki } from '../helpers/tls-certs.js';

let pki: TestPki;
let t: TestHub;
let base: string;
let a: TestAccount;
let b: TestAccount;
let sentinel: TestAccount;
let tlsA: TlsClientOptions;
let tlsB: TlsClientOptions;
let tlsSentinel: TlsClientOptions;

before(async () => {
  pki = await createTestPki();
  t = await startTestHub({
    auth: { mode: 'sigv4' },
    otlp: { tls: { cert: pki.server.certPath, key: pki.server.keyPath, clientCa: pki.ca.certPath, requireClientCert: true } },
  });
  base = `https://127.0.0.1:${t.hub.otlpAddress.port}`;
  [a, b, sentinel] = [await createAccount(t, 'acct-a'), await createAccount(t, 'acct-b'), await createAccount(t, 'sentinel')];
  const client = async (cn: string): Promise<TlsClientOptions> => {
    const c = await pki.issueClient(cn);
    return { ca: pki.ca.cert, cert: c.cert, key: c.key };
  };
  [tlsA, tlsB, tlsSentinel] = [await client('acct-a'), await client('acct-b'), await client('sentinel')];
});

after(async () => {
  await t?.close();
  await pki?.cleanup();
});

const nothingStored = (m: string): Promise<void> =>
  assertNothingStored(t, m, async (text) => send(base, await signedLogs(base, sentinel, text), { tls: tlsSentinel }), sentinel.id);

/**
 * The handshake must fail: the request rejects with a TLS/socket error and never gets an HTTP status.
 * `codes` are node's error codes the client may see (TLS 1.3 reports a missing certificate with the
 * certificate_required alert; a certificate the server does not trust ends in a reset or an alert).
 */
async function assertHandshakeRefused(attempt: Promise<Reply>, codes: RegExp): Promise<void> {
  const outcome = await attempt.then(
    (r) => r,
    (err: NodeJS.ErrnoException) => err,
  );
  assert.ok(outcome instanceof Error, `expected a failed handshake, got HTTP ${(outcome as Reply).status}`);
  assert.match(String(outcome.code), codes, `${String(outcome.code)}: ${outcome.message}`);
}

test('a validly signed request from a client without a certificate: handshake refused, nothing stored', async () => {
  const m = marker('tls-nocert');
  await assertHandshakeRefused(send(base, await signedLogs(base, a, m), { tls: { ca: pki.ca.cert } }), /^ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED$/);
  await nothingStored(m);
});

test('a client certificate from another CA (CN of a real account): handshake refused, nothing stored', async () => {
  const m = marker('tls-untrusted');
  const rogue = await pki.issueUntrustedClient('acct-a');
  await assertHandshakeRefused(send(base, await signedLogs(base, a, m), { tls: { ca: pki.ca.cert, cert: rogue.cert, key: rogue.key } }),
    /^(ECONNRESET|EPIPE|ERR_SSL_TLSV1_ALERT_UNKNOWN_CA|ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE|ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED)$/,
  );
  await nothingStored(m);
});

test('plain HTTP to the TLS port gets no HTTP answer', async () => {
  const m = marker('tls-plain');
  const outcome = await send(`http://127.0.0.1:${t.hub.otlpAddress.port}`, await signedLogs(base, a, m)).then(
    (r) => r.status,
    (err: Error) => err,
  );
  assert.ok(outcome instanceof Error, `plain HTTP must not be served, got HTTP ${String(outcome)}`);
  await nothingStored(m);
});

test("a certificate issued to account B carrying A's valid signature: 403, nothing stored", async () => {
  const m = marker('tls-wrong-cn');
  const r = await send(base, await signedLogs(base, a, m), { tls: tlsB });
  assert.equal(r.status, 403);
  assert.match(statusMessage(r), /client certificate does not belong to the account/);
  await nothingStored(m);
  const self = await send(base, await signedGet(base, '/v1/self/api-key', a), { tls: tlsB });
  assert.equal(self.status, 403, 'key distribution applies the same mapping');
  assert.ok(!self.body.toString().includes(a.apiKey));
});

test("the certificate whose CN is the account id, with the account's signature: 200 and stored", async () => {
  const m = marker('tls-ok');
  const r = await send(base, await signedLogs(base, a, m), { tls: tlsA });
  assert.equal(r.status, 200, r.body.toString());
  await eventually(async () => (await storedLogs(t, m)).length === 1, 'the mTLS log in the store');
  const self = await send(base, await signedGet(base, '/v1/self/api-key', a), { tls: tlsA });
  assert.equal(self.status, 200);
  assert.deepEqual(JSON.parse(self.body.toString()), { accountId: a.id, apiKey: a.apiKey });
  const bOk = await send(base, await signedLogs(base, b, marker('tls-ok-b')), { tls: tlsB });
  assert.equal(bOk.status, 200, bOk.body.toString());
});

/** SHA-256 fingerprint of the certificate the ingest port presents to a new connection. */
function serverFingerprint(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: t.hub.otlpAddress.port, ca: pki.ca.cert, cert: tlsA.cert, key: tlsA.key }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fp);
    });
    socket.on('error', reject);
  });
}

const fingerprintOf = (pem: Buffer): string => new X509Certificate(pem).fingerprint256;

test('a renewed server certificate is picked up without a restart: written in place, and swapped in by rename', async () => {
  assert.equal(await serverFingerprint(), fingerprintOf(pki.server.cert));
  const renewed = await pki.issueServer();
  await writeFile(pki.server.keyPath, renewed.key);
  await writeFile(pki.server.certPath, renewed.cert);
  await eventually(async () => (await serverFingerprint()) === fingerprintOf(renewed.cert), 'the renewed certificate (written in place)');

  // cert-manager, Kubernetes secret volumes and most deploy tools replace files by rename instead;
  // twice, because a watcher left on the replaced file's old inode would see only the first.
  for (let round = 0; round < 2; round++) {
    const again = await pki.issueServer();
    await rename(again.keyPath, pki.server.keyPath);
    await rename(again.certPath, pki.server.certPath);
    await eventually(async () => (await serverFingerprint()) === fingerprintOf(again.cert), `the renewed certificate (renamed over, round ${round + 1})`);
  }
  const m = marker('tls-renewed');
  assert.equal((await send(base, await signedLogs(base, a, m), { tls: tlsA })).status, 200);
});
