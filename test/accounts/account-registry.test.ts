import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ACCESS_KEY_ID_PATTERN, openAccountRegistry } from '../../src/accounts/index.js';
import type { AccountChange } from '../../src/accounts/index.js';
import { E2eError, ConfigError } from '../../src/errors.js';
import { withRegistry } from '../helpers/account-registry.js';
import { withTempDir } from '../helpers/temp-dir.js';

const withDir = (fn: (dir: string) => Promise<void>): Promise<void> => withTempDir('e2e-accounts-', fn);

function clock(startIso: string): { now: () => Date; advanceSeconds(s: number): void } {
  let ms = Date.parse(startIso);
  return { now: () => new Date(ms), advanceSeconds: (s) => void (ms += s * 1000) };
}

async function code(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof E2eError) return err.code;
    throw err;
  }
  return undefined;
}

test('add returns AWS-shaped credentials and an API key; list and get never show secrets', () =>
  withDir((dataDir) =>
    withRegistry({ dataDir, masterKey: randomBytes(32) }, async (registry) => {
      const created = await registry.add({ id: '123456789012', name: 'Orders', plan: 'gold' });
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
      assert.deepEqual(registry.integrity(), { tamperedRows: 0, rowSetAltered: false, writeErrors: 0 });
    }),
  ));

test('bad input is E2E_BAD_REQUEST and a duplicate id is E2E_CONFLICT, also when sent at once', () =>
  withDir((dataDir) =>
    withRegistry({ dataDir, masterKey: randomBytes(32) }, async (registry) => {
      assert.equal(await code(() => registry.add({ id: 'Upper' })), 'E2E_BAD_REQUEST');
      assert.equal(await code(() => registry.add({ id: '' })), 'E2E_BAD_REQUEST');
      assert.equal(await code(() => registry.add({ id: 'a'.repeat(65) })), 'E2E_BAD_REQUEST');
      assert.equal(await code(() => registry.add({ id: 42 })), 'E2E_BAD_REQUEST');
      assert.equal(await code(() => registry.add({ id: 'ok', name: 7 })), 'E2E_BAD_REQUEST');
      assert.equal(await code(() => registry.add({ id: 'ok', plan: 'bad plan' })), 'E2E_BAD_REQUEST');
      await registry.add({ id: 'on-prem-dc1' });
      assert.equal(registry.get('on-prem-dc1')?.plan, 'default');
      assert.equal(await code(() => registry.add({ id: 'on-prem-dc1' })), 'E2E_CONFLICT');
      assert.equal(await code(() => registry.revoke('missing')), 'E2E_NOT_FOUND');
      // Changes are serialised: of two concurrent adds of one id, exactly one wins.
      const both = await Promise.allSettled([registry.add({ id: 'race' }), registry.add({ id: 'race' })]);
      assert.deepEqual(both.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      assert.equal(registry.list().filter((a) => a.id === 'race').length, 1);
    }),
  ));

test('state survives re-opening; the database holds no plaintext secret and is mode 0600', () =>
  withDir(async (dataDir) => {
    const masterKey = randomBytes(32);
    const secrets: string[] = [];
    const first = await withRegistry({ dataDir, masterKey }, async (registry) => {
      const a = await registry.add({ id: '111111111111', name: 'A' });
      const b = await registry.add({ id: '222222222222', name: 'B', plan: 'bronze' });
      const rotated = await registry.rotate('111111111111');
      await registry.revoke('222222222222');
      secrets.push(a.secretAccessKey, a.apiKey, b.secretAccessKey, b.apiKey, rotated.secretAccessKey);
      return { a, b, rotated, list: registry.list() };
    });
    for (const name of await readdir(dataDir)) {
      if (!name.startsWith('registry.duckdb')) continue;
      const bytes = await readFile(join(dataDir, name));
      for (const secret of secrets) assert.equal(bytes.includes(secret), false, `plaintext secret in ${name}`);
      assert.equal((await stat(join(dataDir, name))).mode & 0o777, 0o600, name);
    }
    await withRegistry({ dataDir, masterKey }, async (second) => {
      assert.deepEqual(second.list(), first.list);
      assert.equal(second.lookupAccessKey(first.a.accessKeyId)?.secretAccessKey, first.a.secretAccessKey);
      assert.equal(second.lookupAccessKey(first.rotated.accessKeyId)?.secretAccessKey, first.rotated.secretAccessKey);
      assert.equal(second.lookupAccessKey(first.b.accessKeyId)?.revoked, true);
      assert.equal(second.accountForApiKey(first.b.apiKey)?.status, 'revoked');
      assert.deepEqual(second.integrity(), { tamperedRows: 0, rowSetAltered: false, writeErrors: 0 });
    });
  }));

test('a wrong master key fails to open with a clear error', () =>
  withDir(async (dataDir) => {
    await withRegistry({ dataDir, masterKey: randomBytes(32) }, (r) => r.add({ id: 'x' }));
    await assert.rejects(
      openAccountRegistry({ dataDir, masterKey: randomBytes(32) }),
      (err: unknown) => err instanceof ConfigError && /cannot decrypt with this master key/.test(err.message),
    );
  }));

test('an empty registry written with one key also refuses another key', () =>
  withDir(async (dataDir) => {
    await withRegistry({ dataDir, masterKey: randomBytes(32) }, async () => undefined);
    await assert.rejects(openAccountRegistry({ dataDir, masterKey: randomBytes(32) }), ConfigError);
  }));

test('a database another registry holds open, in this process or another, is a ConfigError naming the file', () =>
  withDir(async (dataDir) => {
    const masterKey = randomBytes(32);
    await withRegistry({ dataDir, masterKey }, async () => {
      await assert.rejects(openAccountRegistry({ dataDir, masterKey }), (err: unknown) => err instanceof ConfigError && err.message.includes('registry.duckdb'));
      const moduleUrl = new URL('../../src/accounts/index.js', import.meta.url).href;
      const script = `import(${JSON.stringify(moduleUrl)}).then((m) => m.openAccountRegistry({ dataDir: ${JSON.stringify(dataDir)}, masterKey: Buffer.from(${JSON.stringify(masterKey.toString('hex'))}, 'hex') })).then(() => console.log('opened'), (e) => console.log(e.name + ': ' + e.message))`;
      const child = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
      assert.match(child.stdout, /^ConfigError: .*registry\.duckdb is in use by another process/);
    });
    // Closed: it opens again.
    await withRegistry({ dataDir, masterKey }, async () => undefined);
  }));

test('revoke and restore flip the lookup at once and notify listeners', () =>
  withDir((dataDir) =>
    withRegistry({ dataDir, masterKey: randomBytes(32) }, async (registry) => {
      const changes: AccountChange[] = [];
      const off = registry.onChange((c) => changes.push(c));
      const a = await registry.add({ id: 'acct' });
      assert.equal((await registry.revoke('acct')).status, 'revoked');
      assert.equal(registry.lookupAccessKey(a.accessKeyId)?.revoked, true);
      assert.equal(registry.accountForApiKey(a.apiKey)?.status, 'revoked');
      assert.equal((await registry.restore('acct')).status, 'active');
      assert.equal(registry.lookupAccessKey(a.accessKeyId)?.revoked, false);
      off();
      await registry.revoke('acct');
      assert.deepEqual(
        changes.map((c) => c.action),
        ['account.add', 'account.revoke', 'account.restore'],
      );
    }),
  ));

test('rotate keeps the old key working until it is deleted; rotateApiKey replaces the API key', () =>
  withDir((dataDir) =>
    withRegistry({ dataDir, masterKey: randomBytes(32), maxCredentialsPerAccount: 2 }, async (registry) => {
      const a = await registry.add({ id: 'acct' });
      const next = await registry.rotate('acct');
      assert.notEqual(next.accessKeyId, a.accessKeyId);
      assert.ok(registry.lookupAccessKey(a.accessKeyId));
      assert.ok(registry.lookupAccessKey(next.accessKeyId));
      assert.equal(await code(() => registry.rotate('acct')), 'E2E_CONFLICT');
      await registry.deleteCredential('acct', a.accessKeyId);
      assert.equal(registry.lookupAccessKey(a.accessKeyId), undefined);
      assert.ok(registry.lookupAccessKey(next.accessKeyId));
      assert.equal(await code(() => registry.deleteCredential('acct', a.accessKeyId)), 'E2E_NOT_FOUND');
      assert.deepEqual(
        registry.credentialsOf('acct').map((c) => c.accessKeyId),
        [next.accessKeyId],
      );
      const newApiKey = await registry.rotateApiKey('acct');
      assert.notEqual(newApiKey, a.apiKey);
      assert.equal(registry.accountForApiKey(a.apiKey), undefined);
      assert.equal(registry.accountForApiKey(newApiKey)?.id, 'acct');
      assert.equal(registry.apiKeyOf('acct'), newApiKey);
    }),
  ));

test('sessions: ASIA keys known through their token, expiry by the injected clock, death with the account or parent key', () =>
  withDir(async (dataDir) => {
    const c = clock('2025-03-01T10:00:00Z');
    const masterKey = randomBytes(32);
    const a = await withRegistry({ dataDir, masterKey, now: c.now }, async (registry) => {
      const a = await registry.add({ id: 'acct' });
      await registry.add({ id: 'other' });
      const s = registry.issueSession(a.accessKeyId, 600);
      assert.match(s.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
      assert.equal(s.expiration, '2025-03-01T10:10:00.000Z');
      assert.equal(s.secretAccessKey.length, 40);
      assert.deepEqual(registry.lookupAccessKey(s.accessKeyId, s.sessionToken), {
        secretAccessKey: s.secretAccessKey,
        accountId: 'acct',
        sessionToken: s.sessionToken,
        expiresAt: new Date('2025-03-01T10:10:00Z'),
        revoked: false,
      });
      // Without its token, with another session's token, or with an altered token: unknown.
      const other = registry.issueSession(a.accessKeyId, 600);
      assert.equal(registry.lookupAccessKey(s.accessKeyId), undefined);
      assert.equal(registry.lookupAccessKey(s.accessKeyId, other.sessionToken), undefined);
      const flipped = `${s.sessionToken.slice(0, 10)}${s.sessionToken[10] === 'A' ? 'B' : 'A'}${s.sessionToken.slice(11)}`;
      assert.equal(registry.lookupAccessKey(s.accessKeyId, flipped), undefined);
      assert.equal(registry.lookupAccessKey(s.accessKeyId, 'x'.repeat(5000)), undefined);
      assert.equal(await code(() => registry.issueSession(s.accessKeyId)), 'E2E_FORBIDDEN');
      assert.equal(await code(() => registry.issueSession(a.accessKeyId, 5)), 'E2E_BAD_REQUEST');
      assert.equal(await code(() => registry.issueSession('AKIANOSUCHKEY0000000')), 'E2E_NOT_FOUND');

      // Expiry is the verifier's decision; the registry still says when.
      c.advanceSeconds(601);
      assert.equal(registry.lookupAccessKey(s.accessKeyId, s.sessionToken)?.expiresAt?.getTime(), Date.parse('2025-03-01T10:10:00Z'));

      const s2 = registry.issueSession(a.accessKeyId);
      await registry.revoke('acct');
      assert.equal(registry.lookupAccessKey(s2.accessKeyId, s2.sessionToken)?.revoked, true);
      assert.equal(await code(() => registry.issueSession(a.accessKeyId)), 'E2E_FORBIDDEN');
      await registry.restore('acct');
      assert.equal(registry.lookupAccessKey(s2.accessKeyId, s2.sessionToken)?.revoked, false);
      return { a, s2 };
    });
    // Stateless, so a session outlives a restart without having been stored.
    await withRegistry({ dataDir, masterKey, now: c.now }, async (reopened) => {
      assert.equal(reopened.lookupAccessKey(a.s2.accessKeyId, a.s2.sessionToken)?.secretAccessKey, a.s2.secretAccessKey);
      await reopened.rotate('acct');
      await reopened.deleteCredential('acct', a.a.accessKeyId);
      assert.equal(reopened.lookupAccessKey(a.s2.accessKeyId, a.s2.sessionToken), undefined, 'session ends with its parent key');
    });
    // Another master key cannot read the token.
    await rm(join(dataDir, 'registry.duckdb'));
    await withRegistry({ dataDir, masterKey: randomBytes(32), now: c.now }, async (fresh) => {
      assert.equal(fresh.lookupAccessKey(a.s2.accessKeyId, a.s2.sessionToken), undefined);
    });
  }));

test('issuing sessions writes nothing: database, WAL and audit log are untouched', () =>
  withDir((dataDir) =>
    withRegistry({ dataDir, masterKey: randomBytes(32) }, async (registry) => {
      const a = await registry.add({ id: 'acct' });
      const files = async () =>
        Promise.all(
          ['registry.duckdb', 'registry.duckdb.wal', 'audit.log'].map(async (name) => {
            const s = await stat(join(dataDir, name)).catch(() => undefined);
            return `${name}:${s?.size ?? '-'}:${s?.mtimeMs ?? '-'}`;
          }),
        );
      const before = await files();
      for (let i = 0; i < 200; i++) registry.issueSession(a.accessKeyId);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(await files(), before);
    }),
  ));

test('update changes name and plan', () =>
  withDir((dataDir) =>
    withRegistry({ dataDir, masterKey: randomBytes(32) }, async (registry) => {
      await registry.add({ id: 'acct', name: 'Old' });
      assert.deepEqual({ ...(await registry.update('acct', { plan: 'gold' })) }, { ...registry.get('acct'), name: 'Old', plan: 'gold' });
      assert.equal(await code(() => registry.update('acct', { plan: '' })), 'E2E_BAD_REQUEST');
    }),
  ));

test('audit log: one JSON line per admin action, mode 0600, without secrets', () =>
  withDir(async (dataDir) => {
    const c = clock('2025-03-01T10:00:00Z');
    await withRegistry({ dataDir, masterKey: randomBytes(32), now: c.now }, async (registry) => {
      const a = await registry.add({ id: 'acct', name: 'A' }, 'alice');
      const r = await registry.rotate('acct', 'bob');
      await registry.revoke('acct');
      await registry.restore('acct');
      const apiKey = await registry.rotateApiKey('acct');
      await registry.deleteCredential('acct', a.accessKeyId);
      const s = registry.issueSession(r.accessKeyId);
      const path = join(dataDir, 'audit.log');
      const text = await readFile(path, 'utf8');
      const lines = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(
        lines.map((l) => l['action']),
        ['account.add', 'credential.create', 'account.revoke', 'account.restore', 'apiKey.rotate', 'credential.delete'],
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
    });
  }));
