import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { createBasicVerifier, createFailedAttemptLimiter, loadHtpasswdFile, parseHtpasswd } from '../../src/auth/index.js';
import { ConfigError } from '../../src/errors.js';

// Cost 4 keeps the test fast; the verifier accepts any cost.
const aliceHash = bcrypt.hashSync('alice-password', 4);
const bobHash = bcrypt.hashSync('bob password:with colon', 4).replace(/^\$2b\$/, '$2y$');
const carolHash = bcrypt.hashSync('carol', 4).replace(/^\$2b\$/, '$2a$');
const htpasswd = `# generated for the test\nalice:${aliceHash}\n\nbob:${bobHash}\r\ncarol:${carolHash}\n`;

function basic(user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
}

test('parses $2a$, $2b$ and $2y$ entries from a file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-htpasswd-'));
  try {
    const path = join(dir, '.htpasswd');
    await writeFile(path, htpasswd);
    const users = loadHtpasswdFile(path);
    assert.deepEqual([...users.keys()], ['alice', 'bob', 'carol']);
    assert.equal(users.get('bob'), bobHash);
    assert.throws(() => loadHtpasswdFile(join(dir, 'missing')), ConfigError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('other schemes are refused at load with the line and scheme named', () => {
  assert.throws(() => parseHtpasswd('alice:$apr1$abc$def\n', 'users.htpasswd'), /users\.htpasswd:1: user 'alice' uses Apache MD5/);
  assert.throws(() => parseHtpasswd(`ok:${aliceHash}\nbob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n`), /htpasswd:2: .*SHA-1/);
  assert.throws(() => parseHtpasswd('carol:plaintext\n'), /only bcrypt/);
  assert.throws(() => parseHtpasswd('no-colon-line\n'), ConfigError);
  assert.throws(() => parseHtpasswd(`a:${aliceHash}\na:${aliceHash}\n`), /appears twice/);
});

test('verifyBasic accepts the right passwords and refuses the rest', async () => {
  const verifier = createBasicVerifier({ users: parseHtpasswd(htpasswd) });
  assert.deepEqual(await verifier.verifyBasic(basic('alice', 'alice-password'), '127.0.0.1'), { ok: true, user: 'alice' });
  assert.deepEqual(await verifier.verifyBasic(basic('bob', 'bob password:with colon'), '127.0.0.1'), { ok: true, user: 'bob' });
  assert.deepEqual(await verifier.verifyBasic(basic('carol', 'carol'), '127.0.0.1'), { ok: true, user: 'carol' });
  // Cached success still checks the password.
  assert.deepEqual(await verifier.verifyBasic(basic('alice', 'alice-password'), '127.0.0.1'), { ok: true, user: 'alice' });
  const wrong = await verifier.verifyBasic(basic('alice', 'nope'), '127.0.0.1');
  assert.deepEqual(wrong, { ok: false, status: 403, message: 'Invalid user name or password' });
  const unknown = await verifier.verifyBasic(basic('mallory', 'alice-password'), '127.0.0.1');
  assert.deepEqual(unknown, wrong, 'unknown user and wrong password look the same');
  for (const header of [undefined, '', 'Bearer abc', 'Basic !!!', 'Basic ' + Buffer.from('nocolon').toString('base64')]) {
    const outcome = await verifier.verifyBasic(header, '127.0.0.1');
    assert.equal(outcome.ok, false);
    if (!outcome.ok) assert.equal(outcome.status, 401, String(header));
  }
});

test('10 failures per minute from one address give 429 with Retry-After; other addresses are unaffected', async () => {
  let nowMs = Date.parse('2025-01-01T00:00:00Z');
  const verifier = createBasicVerifier({ users: parseHtpasswd(htpasswd), now: () => nowMs, maxFailures: 10, failureWindowMs: 60_000 });
  for (let i = 0; i < 10; i++) {
    const outcome = await verifier.verifyBasic(basic('alice', `guess-${i}`), '10.0.0.1');
    assert.equal(outcome.ok ? 0 : outcome.status, 403);
    nowMs += 1000;
  }
  // Even the right password is refused while the address is blocked.
  const blocked = await verifier.verifyBasic(basic('alice', 'alice-password'), '10.0.0.1');
  assert.deepEqual(blocked, {
    ok: false,
    status: 429,
    message: 'Too many failed authentication attempts from this address; retry after 50 s',
    retryAfterSeconds: 50,
  });
  assert.deepEqual(await verifier.verifyBasic(basic('alice', 'alice-password'), '10.0.0.2'), { ok: true, user: 'alice' });
  nowMs += 50_000;
  assert.deepEqual(await verifier.verifyBasic(basic('alice', 'alice-password'), '10.0.0.1'), { ok: true, user: 'alice' });
});

test('the failed-attempt limiter forgets old addresses beyond its bound', () => {
  let nowMs = 0;
  const limiter = createFailedAttemptLimiter({ maxFailures: 1, windowMs: 60_000, now: () => nowMs, maxAddresses: 2 });
  limiter.recordFailure('a');
  limiter.recordFailure('b');
  assert.equal(limiter.check('a').ok, false);
  limiter.recordFailure('c');
  assert.equal(limiter.check('a').ok, true, 'oldest address evicted');
  assert.equal(limiter.check('c').ok, false);
  nowMs = 60_000;
  assert.equal(limiter.check('c').ok, true, 'window over');
});
