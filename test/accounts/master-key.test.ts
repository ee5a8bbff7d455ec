import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadOrCreateAdminToken, loadOrCreateMasterKey, openSecret, sealSecret } from '../../src/accounts/index.js';
import { ConfigError } from '../../src/errors.js';
import { withTempDir } from '../helpers/temp-dir.js';

const withDir = (fn: (dir: string) => Promise<void>): Promise<void> => withTempDir('e2e-keys-', fn);

test('master key: created once with mode 0600, then read back', () =>
  withDir(async (dir) => {
    const dataDir = join(dir, 'data');
    const key = loadOrCreateMasterKey(dataDir);
    assert.equal(key.length, 32);
    const path = join(dataDir, 'master.key');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await readFile(path, 'utf8')).trim(), key.toString('hex'));
    assert.deepEqual(loadOrCreateMasterKey(dataDir), key);
  }));

test('master key from the environment: hex or base64 of 32 bytes; anything else is a ConfigError', () =>
  withDir(async (dir) => {
    const raw = randomBytes(32);
    assert.deepEqual(loadOrCreateMasterKey(dir, raw.toString('hex')), raw);
    assert.deepEqual(loadOrCreateMasterKey(dir, raw.toString('base64')), raw);
    assert.deepEqual(loadOrCreateMasterKey(dir, raw.toString('base64url')), raw);
    assert.throws(() => loadOrCreateMasterKey(dir, 'abc'), ConfigError);
    assert.throws(() => loadOrCreateMasterKey(dir, randomBytes(16).toString('base64')), /E2E_MASTER_KEY/);
    await assert.rejects(stat(join(dir, 'master.key')), 'no file written when the env provides the key');
  }));

test('admin token: created once with mode 0600; env overrides; short env tokens refused', () =>
  withDir(async (dir) => {
    const token = loadOrCreateAdminToken(dir);
    assert.ok(token.length >= 32);
    assert.equal((await stat(join(dir, 'admin.token'))).mode & 0o777, 0o600);
    assert.equal(loadOrCreateAdminToken(dir), token);
    assert.equal(loadOrCreateAdminToken(dir, 'an-admin-token-from-env'), 'an-admin-token-from-env');
    assert.throws(() => loadOrCreateAdminToken(dir, 'short'), ConfigError);
  }));

test('sealed secrets: random IV per value, bound to their context and key', () => {
  const key = randomBytes(32);
  const a = sealSecret(key, 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', 'secret:AKIA1');
  const b = sealSecret(key, 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', 'secret:AKIA1');
  assert.notEqual(a, b);
  assert.equal(openSecret(key, a, 'secret:AKIA1'), 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
  assert.equal(openSecret(key, a, 'secret:AKIA2'), undefined);
  assert.equal(openSecret(randomBytes(32), a, 'secret:AKIA1'), undefined);
  const bytes = Buffer.from(a, 'base64');
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
  assert.equal(openSecret(key, bytes.toString('base64'), 'secret:AKIA1'), undefined);
});
