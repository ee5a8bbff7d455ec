/**
 * Attack: session credentials used after they expire, or with a token that is not theirs.
 * Expiry is tested twice: at registry + verifier level with an injected clock (exactly at the
 * boundary), and over HTTP against a running hub with a session that expires a second after it
 * is made (the hub's clock is real and the shortest TTL it issues is 60 s, so the test mints it
 * with the hub's master key, as the hub itself would have an hour earlier).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSessionCodec, deriveKeys, openAccountRegistry, parseMasterKey } from '../../src/accounts/index.js';
import { verifySigV4 } from '../../src/auth/index.js';
import {
  REGION,
  SERVICE,
  logsRequest,
  marker,
  send,
  signedGet,
  signedLogs,
  signWithSmithy,
  startSigV4Fixture,
  statusMessage,
  storedLogs,
  type SigV4Fixture,
  type SigningCredentials,
} from '../helpers/signed-client.js';
import { eventually } from '../helpers/test-hub.js';

let fx: SigV4Fixture;
before(async () => {
  fx = await startSigV4Fixture();
});
after(async () => {
  await fx.close();
});

interface Session extends Required<SigningCredentials> {
  expiration: string;
}

async function issueSession(): Promise<Session> {
  const r = await fx.send(await signedGet(fx.t.otlpUrl, '/v1/self/session', fx.a));
  assert.equal(r.status, 200, r.body.toString());
  return JSON.parse(r.body.toString()) as Session;
}

test('registry + verifier with an injected clock: accepted until the expiration instant, 403 expired from then on', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'e2e-session-clock-'));
  try {
    let now = new Date('2025-03-01T12:00:00Z');
    const registry = await openAccountRegistry({ dataDir, masterKey: randomBytes(32), now: () => now });
    const created = await registry.add({ id: 'acct-clock', name: 'clock' });
    const session = registry.issueSession(created.accessKeyId, 60);
    assert.equal(session.expiration, '2025-03-01T12:01:00.000Z');
    const verifyAt = async (at: Date) => {
      const signed = await signWithSmithy('https://hub.example', logsRequest('https://hub.example', 'x'), session, { signingDate: at });
      return verifySigV4(
        { method: signed.method, rawPath: signed.path, headers: signed.headers, body: signed.body },
        { region: REGION, service: SERVICE, maxSkewSeconds: 300, now: at, lookupKey: (id, token) => registry.lookupAccessKey(id, token) },
      );
    };
    now = new Date('2025-03-01T12:00:59Z');
    const before = await verifyAt(now);
    assert.ok(before.ok && before.accountId === 'acct-clock' && before.temporary, JSON.stringify(before));
    now = new Date('2025-03-01T12:01:00Z');
    const atExpiry = await verifyAt(now);
    assert.deepEqual(atExpiry, { ok: false, status: 403, code: 'E2E_FORBIDDEN', message: 'The security token included in the request is expired' });
    now = new Date('2025-03-01T13:00:00Z');
    const later = await verifyAt(now);
    assert.ok(!later.ok && later.status === 403 && later.message === 'The security token included in the request is expired');
    await registry.close();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('over HTTP: a session works until its expiration, then 403 expired and nothing stored', async () => {
  const session = await issueSession();
  assert.match(session.accessKeyId, /^ASIA/);
  const ok = marker('session-live');
  const live = await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, ok, { credentials: session }));
  assert.equal(live.status, 200, live.body.toString());
  await eventually(async () => (await storedLogs(fx.t, ok)).length === 1, 'the live session\'s log');

  // A session of the same account that expires in a few seconds, minted with the hub's master key the
  // way the hub mints them (sessions are stateless: nothing to edit in the registry).
  const masterKey = parseMasterKey(await readFile(join(fx.t.dataDir, 'master.key'), 'utf8'), 'master.key');
  const expiresAtMs = Date.now() + 5000;
  const minted = createSessionCodec(deriveKeys(masterKey)).mint({ parentAccessKeyId: fx.a.accessKeyId, accountId: fx.a.id, expiresAtMs });
  const short = { accessKeyId: minted.accessKeyId, secretAccessKey: minted.secretAccessKey, sessionToken: minted.sessionToken };
  const early = await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, marker('session-short-live'), { credentials: short }));
  assert.equal(early.status, 200, 'the short session works before it expires');
  await new Promise((r) => setTimeout(r, Math.max(0, expiresAtMs - Date.now()) + 100));

  const baseline = await fx.snapshot();
  const m = marker('session-expired');
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, m, { credentials: short }));
  assert.equal(r.status, 403);
  assert.equal(statusMessage(r), 'The security token included in the request is expired');
  await fx.assertNothingStored(m, baseline);
});

test('a tampered session token: 403 invalid, nothing stored', async () => {
  const session = await issueSession();
  const baseline = await fx.snapshot();
  const last = session.sessionToken.at(-1) === 'A' ? 'B' : 'A';
  const m = marker('session-tampered');
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, m, { credentials: { ...session, sessionToken: `${session.sessionToken.slice(0, -1)}${last}` } }));
  assert.equal(r.status, 403);
  assert.equal(statusMessage(r), 'The security token included in the request is invalid.');
  await fx.assertNothingStored(m, baseline);
});

test('session keys without x-amz-security-token, or with another session\'s token: 403, nothing stored', async () => {
  const session = await issueSession();
  const other = await issueSession();
  const baseline = await fx.snapshot();
  const m = marker('session-no-token');
  const { sessionToken: _dropped, ...keysOnly } = session;
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, m, { credentials: keysOnly }));
  assert.equal(r.status, 403);
  assert.equal(statusMessage(r), 'The security token included in the request is invalid.');
  const m2 = marker('session-swapped');
  const r2 = await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, m2, { credentials: { ...session, sessionToken: other.sessionToken } }));
  assert.equal(r2.status, 403);
  await fx.assertNothingStored(m, baseline);
  await fx.assertNothingStored(m2, baseline);
});

test('session credentials cannot mint further sessions', async () => {
  const session = await issueSession();
  const r = await send(fx.t.otlpUrl, await signedGet(fx.t.otlpUrl, '/v1/self/session', session));
  assert.equal(r.status, 403);
  assert.match(r.body.toString(), /session credentials cannot be used to create further sessions/);
});
