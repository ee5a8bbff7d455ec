import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACCESS_KEY_ID_PATTERN, createAccountRegistry } from '../../src/accounts/index.js';
import type { AccountChange } from '../../src/accounts/index.js';
import { E2eError, ConfigError } from '../../src/errors.js';

async function withDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-accounts-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function clock(startIso: string): { now: () => Date; advanceSeconds(s: number): void } {
  let ms = Date.parse(startIso);
  return { now: () => new Date(ms), advanceSeconds: (s) => void (ms += s * 1000) };
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof E2eError) return err.code;
    throw err;
  }
  return undefined;
}

test('add returns AWS-shaped credentials and an API key; list and get never show secrets', () =>
  withDir((dataDir) => {
    const registry = createAccountRegistry({ dataDir, masterKey: randomBytes(32) });
    const created = registry.add({ id: '123456789012', name: 'Orders', plan: 'gold' });
    assert.match(created.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.match(created.accessKeyId, ACCESS_KEY_ID_PATTERN);
    assert.equal(created.secretAccessKey.length, 40);
    assert.match(created.apiKey, /^[A-Za-z0-9_-]{40,}$/);
    assert.deepEqual(Object.keys(created.account).sort(), ['createdAt', 'id', 'name', 'plan', 'status']);
    assert.equal(created.account.status, 'active');
    assert.deepEqual(registry.list(), [created.account]);
    assert.deepEqual(registry.get('123456789012'), created.account);
    assert.equal(JSON.stringify(registry.list()).includes(created.secretAccessKey), false);
    assert.deepEqual(registry.lookupAccessKey(created.accessKeyId), {
      secretAccessKey: created.secretAccessKey,
      accountId: '123456789012',
      revoked: false,
    });
    assert.equal(registry.accountForApiKey(created.apiKey)?.id, '123456789012');
    assert.equal(registry.accountForApiKey(created.apiKey + 'x'), undefined);
    assert.equal(registry.apiKeyOf('123456789012'), created.apiKey);
    assert.equal(registry.lookupAccessKey('AKIAAAAAAAAAAAAAAAAA'), undefined);
  }));

test('bad input is E2E_BAD_REQUEST and a duplicate id is E2E_CONFLICT', () =>
  withDir((dataDir) => {
    const registry = createAccountRegistry({ dataDir, masterKey: randomBytes(32) });
    assert.equal(code(() => registry.add({ id: 'Upper' })), 'E2E_BAD_REQUEST');
    assert.equal(code(() => registry.add({ id: '' })), 'E2E_BAD_REQUEST');
    assert.equal(code(() => registry.add({ id: 'a'.repeat(65) })), 'E2E_BAD_REQUEST');
    assert.equal(code(() => registry.add({ id: 42 })), 'E2E_BAD_REQUEST');
    assert.equal(code(() => registry.add({ id: 'ok', name: 7 })), 'E2E_BAD_REQUEST');
    assert.equal(code(() => registry.add({ id: 'ok', plan: 'bad plan' })), 'E2E_BAD_REQUEST');
    registry.add({ id: 'on-prem-dc1' });
    assert.equal(registry.get('on-prem-dc1')?.plan, 'default');
    assert.equal(code(() => registry.add({ id: 'on-prem-dc1' })), 'E2E_CONFLICT');
    assert.equal(code(() => registry.revoke('missing')), 'E2E_NOT_FOUND');
  }));

test('state survives re-creation; the file holds no plaintext secret and is mode 0600', () =>
  withDir(async (dataDir) => {
    const masterKey = randomBytes(32);
    const first = createAccountRegistry({ dataDir, masterKey });
    const a = first.add({ id: '111111111111', name: 'A' });
    const b = first.add({ id: '222222222222', name: 'B', plan: 'bronze' });
    const rotated = first.rotate('111111111111');
    const session = first.issueSession(b.accessKeyId, 900);
    first.revoke('222222222222');

    const text = await readFile(join(dataDir, 'accounts.json'), 'utf8');
    for (const secret of [a.secretAccessKey, a.apiKey, b.secretAccessKey, b.apiKey, rotated.secretAccessKey, session.secretAccessKey, session.sessionToken]) {
      assert.equal(text.includes(secret), false, 'plaintext secret in accounts.json');
    }
    assert.equal((await stat(join(dataDir, 'accounts.json'))).mode & 0o777, 0o600);

    const second = createAccountRegistry({ dataDir, masterKey });
    assert.deepEqual(second.list(), first.list());
    assert.equal(second.lookupAccessKey(a.accessKeyId)?.secretAccessKey, a.secretAccessKey);
    assert.equal(second.lookupAccessKey(rotated.accessKeyId)?.secretAccessKey, rotated.secretAccessKey);
    assert.equal(second.lookupAccessKey(b.accessKeyId)?.revoked, true);
    assert.equal(second.accountForApiKey(b.apiKey)?.status, 'revoked');
    const s = second.lookupAccessKey(session.accessKeyId);
    assert.equal(s?.sessionToken, session.sessionToken);
    assert.equal(s?.expiresAt?.toISOString(), session.expiration);
  }));

test('a wrong master key fails to load with a clear error', () =>
  withDir((dataDir) => {
    createAccountRegistry({ dataDir, masterKey: randomBytes(32) }).add({ id: 'x' });
    assert.throws(
      () => createAccountRegistry({ dataDir, masterKey: randomBytes(32) }),
      (err: unknown) => err instanceof ConfigError && /cannot decrypt with this master key/.test(err.message),
    );
  }));

test('an empty registry written with one key also refuses another key', () =>
  withDir((dataDir) => {
    const registry = createAccountRegistry({ dataDir, masterKey: randomBytes(32) });
    registry.add({ id: 'x' });
    registry.rotate('x');
    const creds = registry.credentialsOf('x');
    for (const c of creds) registry.deleteCredential('x', c.accessKeyId);
    assert.throws(() => createAccountRegistry({ dataDir, masterKey: randomBytes(32) }), ConfigError);
  }));

test('a corrupt file is a ConfigError naming the file', () =>
  withDir(async (dataDir) => {
    await writeFile(join(dataDir, 'accounts.json'), '{"version":1,');
    assert.throws(
      () => createAccountRegistry({ dataDir, masterKey: randomBytes(32) }),
      (err: unknown) => err instanceof ConfigError && err.message.includes('accounts.json'),
    );
  }));

test('revoke and restore flip the lookup at once and notify listeners', () =>
  withDir((dataDir) => {
    const registry = createAccountRegistry({ dataDir, masterKey: randomBytes(32) });
    const changes: AccountChange[] = [];
    const off = registry.onChange((c) => changes.push(c));
    const a = registry.add({ id: 'acct' });
    assert.equal(registry.revoke('acct').status, 'revoked');
    assert.equal(registry.lookupAccessKey(a.accessKeyId)?.revoked, true);
    assert.equal(registry.accountForApiKey(a.apiKey)?.status, 'revoked');
    assert.equal(registry.restore('acct').status, 'active');
    assert.equal(registry.lookupAccessKey(a.accessKeyId)?.revoked, false);
    off();
    registry.revoke('acct');
    assert.deepEqual(
      changes.map((c) => c.action),
      ['account.add', 'account.revoke', 'account.restore'],
    );
  }));

test('rotate keeps the old key working until it is deleted; rotateApiKey replaces the API key', () =>
  withDir((dataDir) => {
    const registry = createAccountRegistry({ dataDir, masterKey: randomBytes(32), maxCredentialsPerAccount: 2 });
    const a = registry.add({ id: 'acct' });
    const next = registry.rotate('acct');
    assert.notEqual(next.accessKeyId, a.accessKeyId);
    assert.ok(registry.lookupAccessKey(a.accessKeyId));
    assert.ok(registry.lookupAccessKey(next.accessKeyId));
    assert.equal(code(() => registry.rotate('acct')), 'E2E_CONFLICT');
    registry.deleteCredential('acct', a.accessKeyId);
    assert.equal(registry.lookupAccessKey(a.accessKeyId), undefined);
    assert.ok(registry.lookupAccessKey(next.accessKeyId));
    assert.equal(code(() => registry.deleteCredential('acct', a.accessKeyId)), 'E2E_NOT_FOUND');
    assert.deepEqual(
      registry.credentialsOf('acct').map((c) => c.accessKeyId),
      [next.accessKeyId],
    );
    const newApiKey = registry.rotateApiKey('acct');
    assert.notEqual(newApiKey, a.apiKey);
    assert.equal(registry.accountForApiKey(a.apiKey), undefined);
    assert.equal(registry.accountForApiKey(newApiKey)?.id, 'acct');
    assert.equal(registry.apiKeyOf('acct'), newApiKey);
  }));

test('sessions: ASIA keys with a token, expiry by the injected clock, pruning, and deletion with the parent key', () =>
  withDir((dataDir) => {
    const c = clock('2025-03-01T10:00:00Z');
    const masterKey = randomBytes(32);
    const registry = createAccountRegistry({ dataDir, masterKey, now: c.now });
    const a = registry.add({ id: 'acct' });
    const s = registry.issueSession(a.accessKeyId, 600);
    assert.match(s.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
    assert.equal(s.expiration, '2025-03-01T10:10:00.000Z');
    assert.equal(s.secretAccessKey.length, 40);
    const info = registry.lookupAccessKey(s.accessKeyId);
    assert.deepEqual(info, {
      secretAccessKey: s.secretAccessKey,
      accountId: 'acct',
      sessionToken: s.sessionToken,
      expiresAt: new Date('2025-03-01T10:10:00Z'),
      revoked: false,
    });
    assert.equal(code(() => registry.issueSession(s.accessKeyId)), 'E2E_FORBIDDEN');
    assert.equal(code(() => registry.issueSession(a.accessKeyId, 5)), 'E2E_BAD_REQUEST');
    assert.equal(code(() => registry.issueSession('AKIANOSUCHKEY0000000')), 'E2E_NOT_FOUND');

    c.advanceSeconds(601);
    // Still known (so the verifier can say "expired") until the next prune.
    assert.ok(registry.lookupAccessKey(s.accessKeyId));
    const s2 = registry.issueSession(a.accessKeyId);
    assert.equal(registry.lookupAccessKey(s.accessKeyId), undefined, 'expired session pruned on issue');
    const reopened = createAccountRegistry({ dataDir, masterKey, now: c.now });
    assert.equal(reopened.lookupAccessKey(s2.accessKeyId)?.sessionToken, s2.sessionToken);

    registry.revoke('acct');
    assert.equal(registry.lookupAccessKey(s2.accessKeyId)?.revoked, true);
    assert.equal(code(() => registry.issueSession(a.accessKeyId)), 'E2E_FORBIDDEN');
    registry.restore('acct');
    registry.deleteCredential('acct', a.accessKeyId);
    assert.equal(registry.lookupAccessKey(s2.accessKeyId), undefined, 'session deleted with its parent key');
  }));

test('reload picks up a file written by another instance', () =>
  withDir((dataDir) => {
    const masterKey = randomBytes(32);
    const one = createAccountRegistry({ dataDir, masterKey });
    const two = createAccountRegistry({ dataDir, masterKey });
    const changes: string[] = [];
    two.onChange((c) => changes.push(c.action));
    const a = one.add({ id: 'acct' });
    assert.equal(two.get('acct'), undefined);
    two.reload();
    assert.equal(two.get('acct')?.id, 'acct');
    assert.equal(two.lookupAccessKey(a.accessKeyId)?.secretAccessKey, a.secretAccessKey);
    assert.deepEqual(changes, ['reload']);
  }));

test('update changes name and plan', () =>
  withDir((dataDir) => {
    const registry = createAccountRegistry({ dataDir, masterKey: randomBytes(32) });
    registry.add({ id: 'acct', name: 'Old' });
    assert.deepEqual(
      { ...registry.update('acct', { plan: 'gold' }) },
      { ...registry.get('acct'), name: 'Old', plan: 'gold' },
    );
    assert.equal(code(() => registry.update('acct', { plan: '' })), 'E2E_BAD_REQUEST');
  }));

test('audit log: one JSON line per admin action, mode 0600, without secrets', () =>
  withDir(async (dataDir) => {
    const c = clock('2025-03-01T10:00:00Z');
    const registry = createAccountRegistry({ dataDir, masterKey: randomBytes(32), now: c.now });
    const a = registry.add({ id: 'acct', name: 'A' }, 'alice');
    const r = registry.rotate('acct', 'bob');
    registry.revoke('acct');
    registry.restore('acct');
    const apiKey = registry.rotateApiKey('acct');
    registry.deleteCredential('acct', a.accessKeyId);
    const s = registry.issueSession(r.accessKeyId);
    const path = join(dataDir, 'audit.log');
    const text = await readFile(path, 'utf8');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => l['action']),
      ['account.add', 'credential.create', 'account.revoke', 'account.restore', 'apiKey.rotate', 'credential.delete', 'session.issue'],
    );
    assert.deepEqual(Object.keys(lines[0] as object).sort(), ['accountId', 'action', 'actor', 'details', 'time']);
    assert.equal(lines[0]?.['actor'], 'alice');
    assert.equal(lines[1]?.['actor'], 'bob');
    assert.equal(lines[2]?.['actor'], 'admin');
    assert.equal(lines[0]?.['time'], '2025-03-01T10:00:00.000Z');
    for (const secret of [a.secretAccessKey, a.apiKey, r.secretAccessKey, apiKey, s.secretAccessKey, s.sessionToken]) {
      assert.equal(text.includes(secret), false, 'secret in audit log');
    }
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  }));
