/**
 * Attack: `auth.mode: basic` with a wrong password (and its relatives: unknown user, no credentials,
 * a user mapped to no onboarded account, password guessing from one address).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { assertNothingStored, createAccount, logsRequest, marker, send, statusMessage, type Reply, type WireRequest } from '../helpers/signed-client.js';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';

const PASSWORDS = { 'user-a': 'correct horse battery staple', 'sentinel-user': 'sentinel-password', 'ghost-user': 'ghost-password' };

let t: TestHub;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e2e-basic-'));
  const htpasswd = join(dir, 'htpasswd');
  const lines = Object.entries(PASSWORDS).map(([user, password]) => `${user}:${bcrypt.hashSync(password, 10)}`);
  await writeFile(htpasswd, `# written by the test, as htpasswd -B would\n${lines.join('\n')}\n`, { mode: 0o600 });
  t = await startTestHub({
    auth: {
      mode: 'basic',
      basic: { htpasswdFile: htpasswd, users: { 'user-a': 'acct-a', 'sentinel-user': 'sentinel', 'ghost-user': 'never-created' } },
    },
  });
  await createAccount(t, 'acct-a');
  await createAccount(t, 'sentinel');
});

after(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

function withBasic(req: WireRequest, user: string, password: string): WireRequest {
  return { ...req, headers: { ...req.headers, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } };
}

const sendSentinel = (text: string): Promise<Reply> => send(t.otlpUrl, withBasic(logsRequest(t.otlpUrl, text), 'sentinel-user', PASSWORDS['sentinel-user']));
const nothingStored = (m: string): Promise<void> => assertNothingStored(t, m, sendSentinel, 'sentinel');

test('a wrong password: 403, nothing stored', async () => {
  const m = marker('basic-wrong');
  const r = await send(t.otlpUrl, withBasic(logsRequest(t.otlpUrl, m), 'user-a', 'Correct horse battery staple'));
  assert.equal(r.status, 403);
  assert.equal(statusMessage(r), 'Invalid user name or password');
  await nothingStored(m);
});

test('an unknown user: the same 403 (no user enumeration), nothing stored', async () => {
  const m = marker('basic-unknown');
  const r = await send(t.otlpUrl, withBasic(logsRequest(t.otlpUrl, m), 'mallory', PASSWORDS['user-a']));
  assert.equal(r.status, 403);
  assert.equal(statusMessage(r), 'Invalid user name or password');
  await nothingStored(m);
});

test('no credentials, or SigV4 where Basic is configured: 401, nothing stored', async () => {
  const m = marker('basic-none');
  const none = await send(t.otlpUrl, logsRequest(t.otlpUrl, m));
  assert.equal(none.status, 401);
  const req = logsRequest(t.otlpUrl, m);
  const sigv4 = await send(t.otlpUrl, { ...req, headers: { ...req.headers, authorization: 'AWS4-HMAC-SHA256 Credential=AKIAX/20250101/eu-central-1/execute-api/aws4_request, SignedHeaders=host, Signature=00' } });
  assert.equal(sigv4.status, 401);
  await nothingStored(m);
});

test('a correct password of a user mapped to an account that was never onboarded: 403, nothing stored', async () => {
  const m = marker('basic-ghost');
  const r = await send(t.otlpUrl, withBasic(logsRequest(t.otlpUrl, m), 'ghost-user', PASSWORDS['ghost-user']));
  assert.equal(r.status, 403);
  assert.match(statusMessage(r), /maps to account never-created, which does not exist/);
  await nothingStored(m);
});

test('the right password of a revoked account: 403; after restore it is stored under that account', async () => {
  assert.equal((await t.api('/api/accounts/acct-a/revoke', { method: 'POST' })).status, 200);
  const m = marker('basic-revoked');
  const r = await send(t.otlpUrl, withBasic(logsRequest(t.otlpUrl, m), 'user-a', PASSWORDS['user-a']));
  assert.equal(r.status, 403);
  assert.equal(statusMessage(r), 'Forbidden: the account is revoked');
  await nothingStored(m);
  assert.equal((await t.api('/api/accounts/acct-a/restore', { method: 'POST' })).status, 200);
  const ok = marker('basic-ok');
  assert.equal((await send(t.otlpUrl, withBasic(logsRequest(t.otlpUrl, ok), 'user-a', PASSWORDS['user-a']))).status, 200);
});

test('password guessing from one address: 429 with Retry-After for that address only', async () => {
  // 127.0.0.2 is loopback too on Linux: a second client address without leaving the machine.
  const guesser = { localAddress: '127.0.0.2' };
  let locked: Reply | undefined;
  for (let i = 0; i < 30 && locked === undefined; i++) {
    const r = await send(t.otlpUrl, withBasic(logsRequest(t.otlpUrl, marker('guess')), 'user-a', `guess-${i}`), guesser);
    if (r.status === 429) locked = r;
    else assert.equal(r.status, 403);
  }
  assert.ok(locked !== undefined, 'guessing is cut off');
  assert.ok(Number(locked.headers['retry-after']) >= 1, `Retry-After: ${String(locked.headers['retry-after'])}`);
  const right = await send(t.otlpUrl, withBasic(logsRequest(t.otlpUrl, marker('guess-right')), 'user-a', PASSWORDS['user-a']), guesser);
  assert.equal(right.status, 429, 'the locked-out address is refused even with the right password');
  const other = await sendSentinel(marker('other-address'));
  assert.equal(other.status, 200, 'another address is not affected');
});
