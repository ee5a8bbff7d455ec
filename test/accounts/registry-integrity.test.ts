/**
 * Attack: the registry database edited while the hub is stopped. Every row carries a MAC under a
 * key derived from the master key, so an edited row is refused at load (never used to
 * authenticate), logged without secrets, counted and written to the audit log; rows added, removed
 * or put back in an older version change the set digest and are reported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { withRegistry } from '../helpers/account-registry.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { withTempDir } from '../helpers/temp-dir.js';

const withDir = (fn: (dir: string) => Promise<void>): Promise<void> => withTempDir('e2e-integrity-', fn);

/** Runs SQL on the registry file directly, as someone with access to the disk would. */
async function sql<T = unknown[]>(dataDir: string, statement: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(join(dataDir, 'registry.duckdb'));
  try {
    const connection = await instance.connect();
    try {
      return (await connection.runAndReadAll(statement)).getRowsJS() as T[];
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

async function auditActions(dataDir: string): Promise<{ action: string; accountId: string | null; details: Record<string, unknown> }[]> {
  const text = await readFile(join(dataDir, 'audit.log'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { action: string; accountId: string | null; details: Record<string, unknown> });
}

test('edited rows (revoked flipped to active, a key moved to another account, a plan changed) are refused, logged, counted and audited', () =>
  withDir(async (dataDir) => {
    const masterKey = randomBytes(32);
    const setup = await withRegistry({ dataDir, masterKey }, async (r) => {
      const a = await r.add({ id: 'acct-a', name: 'A' });
      const moved = await r.rotate('acct-a');
      const b = await r.add({ id: 'acct-b', name: 'B' });
      const revoked = await r.add({ id: 'acct-revoked', name: 'R' });
      await r.revoke('acct-revoked');
      const planned = await r.add({ id: 'acct-plan', name: 'P', plan: 'bronze' });
      return { a, moved, b, revoked, planned };
    });
    const secrets = [setup.a.secretAccessKey, setup.a.apiKey, setup.moved.secretAccessKey, setup.b.secretAccessKey, setup.b.apiKey, setup.revoked.secretAccessKey, setup.revoked.apiKey];

    await sql(dataDir, "UPDATE accounts SET status = 'active' WHERE id = 'acct-revoked'");
    await sql(dataDir, `UPDATE credentials SET account_id = 'acct-b' WHERE access_key_id = '${setup.moved.accessKeyId}'`);
    await sql(dataDir, "UPDATE accounts SET plan = 'platinum' WHERE id = 'acct-plan'");

    const log = captureLogger();
    await withRegistry({ dataDir, masterKey, logger: log.logger }, async (r) => {
      assert.deepEqual(r.integrity(), { tamperedRows: 3, rowSetAltered: false, writeErrors: 0 });
      // Revoked stays revoked: the edited row is not believed, and its keys are refused.
      assert.equal(r.get('acct-revoked')?.status, 'revoked');
      assert.equal(r.lookupAccessKey(setup.revoked.accessKeyId)?.revoked, true);
      assert.equal(r.accountForApiKey(setup.revoked.apiKey)?.status, 'revoked');
      // The moved key authenticates as nobody (neither the account it was moved to nor its own).
      assert.equal(r.lookupAccessKey(setup.moved.accessKeyId), undefined);
      assert.deepEqual(r.credentialsOf('acct-b').map((c) => c.accessKeyId), [setup.b.accessKeyId]);
      // An account whose row was edited in any way is held as revoked, not run on the edited plan.
      assert.equal(r.get('acct-plan')?.status, 'revoked');
      assert.equal(r.lookupAccessKey(setup.planned.accessKeyId)?.revoked, true);
      // Untouched rows work as before.
      assert.equal(r.lookupAccessKey(setup.a.accessKeyId)?.revoked, false);
      assert.equal(r.lookupAccessKey(setup.b.accessKeyId)?.revoked, false);
    });

    const errors = log.lines().filter((l) => l['level'] === 50);
    assert.deepEqual(errors.map((e) => `${String(e['table'])}:${String(e['key'])}`).sort(), [
      'accounts:acct-plan',
      'accounts:acct-revoked',
      `credentials:${setup.moved.accessKeyId}`,
    ]);
    for (const e of errors) assert.match(String(e['msg']), /integrity check/);
    const tampered = (await auditActions(dataDir)).filter((e) => e.action === 'registry.tampered');
    assert.deepEqual(tampered.map((e) => `${String(e.details['table'])}:${String(e.details['key'])}`).sort(), [
      'accounts:acct-plan',
      'accounts:acct-revoked',
      `credentials:${setup.moved.accessKeyId}`,
    ]);
    const audit = await readFile(join(dataDir, 'audit.log'), 'utf8');
    for (const s of secrets) {
      assert.ok(!log.text().includes(s), 'a secret in the log');
      assert.ok(!audit.includes(s), 'a secret in the audit log');
    }

    // The admin settles each finding; the registry then verifies clean again. Nothing but revoke or
    // restore may re-sign a refused account row (that would bless its edited status).
    await withRegistry({ dataDir, masterKey }, async (r) => {
      await assert.rejects(r.rotateApiKey('acct-revoked'), { code: 'E2E_CONFLICT' });
      await assert.rejects(r.update('acct-revoked', { name: 'x' }), { code: 'E2E_CONFLICT' });
      assert.equal(r.get('acct-revoked')?.status, 'revoked');
      assert.equal((await r.revoke('acct-revoked')).status, 'revoked');
      assert.equal((await r.restore('acct-plan')).status, 'active');
      await r.deleteCredential('acct-b', setup.moved.accessKeyId);
    });
    await withRegistry({ dataDir, masterKey }, async (r) => {
      assert.deepEqual(r.integrity(), { tamperedRows: 0, rowSetAltered: false, writeErrors: 0 });
      assert.equal(r.get('acct-plan')?.plan, 'platinum', 'restore re-signed the row as the admin saw it');
      assert.equal(r.lookupAccessKey(setup.planned.accessKeyId)?.revoked, false);
      assert.equal(r.get('acct-revoked')?.status, 'revoked');
    });
  }));

test('a MAC copied from another row and a MAC recomputed without the key are refused', () =>
  withDir(async (dataDir) => {
    const masterKey = randomBytes(32);
    const setup = await withRegistry({ dataDir, masterKey }, async (r) => ({ a: await r.add({ id: 'acct-a' }), b: await r.add({ id: 'acct-b' }), c: await r.add({ id: 'acct-c' }) }));
    // b takes a's MAC; c gets a hash of its columns computed by someone without the key.
    await sql(dataDir, "UPDATE accounts SET mac = (SELECT mac FROM accounts WHERE id = 'acct-a') WHERE id = 'acct-b'");
    await sql(dataDir, "UPDATE accounts SET mac = sha256(id || name || plan || status) WHERE id = 'acct-c'");
    await withRegistry({ dataDir, masterKey }, async (r) => {
      assert.equal(r.integrity().tamperedRows, 2);
      assert.equal(r.integrity().rowSetAltered, true, 'the MAC column changed, so the set digest differs');
      assert.equal(r.lookupAccessKey(setup.a.accessKeyId)?.revoked, false);
      assert.equal(r.lookupAccessKey(setup.b.accessKeyId)?.revoked, true);
      assert.equal(r.lookupAccessKey(setup.c.accessKeyId)?.revoked, true);
    });
  }));

test('rows removed or put back from an older copy change the set digest: reported once, then re-based', () =>
  withDir(async (dataDir) => {
    const masterKey = randomBytes(32);
    const { a, b } = await withRegistry({ dataDir, masterKey }, async (r) => ({ a: await r.add({ id: 'acct-a' }), b: await r.add({ id: 'acct-b' }) }));
    // An older, validly signed version of acct-a's row (active), kept before the revocation.
    const [old] = await sql<string[]>(dataDir, "SELECT * FROM accounts WHERE id = 'acct-a'");
    await withRegistry({ dataDir, masterKey }, (r) => r.revoke('acct-a'));
    assert.ok(old !== undefined);
    await sql(dataDir, "DELETE FROM accounts WHERE id = 'acct-a'");
    await sql(dataDir, `INSERT INTO accounts VALUES (${old.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')})`);
    await sql(dataDir, "DELETE FROM accounts WHERE id = 'acct-b'");

    const log = captureLogger();
    await withRegistry({ dataDir, masterKey, logger: log.logger }, async (r) => {
      const integrity = r.integrity();
      assert.equal(integrity.rowSetAltered, true);
      // acct-b's key row now names a missing account: refused.
      assert.equal(integrity.tamperedRows, 1);
      assert.equal(r.get('acct-b'), undefined);
      assert.ok(r.lookupAccessKey(a.accessKeyId) !== undefined);
    });
    assert.ok(log.lines().some((l) => l['level'] === 50 && /added, removed or replaced/.test(String(l['msg']))));
    assert.equal((await auditActions(dataDir)).filter((e) => e.action === 'registry.rowSetAltered').length, 1);

    await withRegistry({ dataDir, masterKey }, async (r) => {
      assert.equal(r.integrity().rowSetAltered, false, 're-based after the report');
      assert.equal(r.integrity().tamperedRows, 1);
      // The orphaned key row can be removed under the account it names.
      await r.deleteCredential('acct-b', b.accessKeyId);
    });
    await withRegistry({ dataDir, masterKey }, async (r) => assert.deepEqual(r.integrity(), { tamperedRows: 0, rowSetAltered: false, writeErrors: 0 }));
    assert.equal((await auditActions(dataDir)).filter((e) => e.action === 'registry.rowSetAltered').length, 1);
  }));
