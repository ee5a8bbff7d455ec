/**
 * Attack: edit the registry while the hub is stopped — re-activate a revoked account, move a key
 * pair to another account, give an account another plan. Before, the hub loaded such edits
 * silently. Now each row carries a MAC under a key derived from the master key: after the restart
 * the edited rows are refused (not used to authenticate, on real sockets), logged, counted in
 * `registry.integrity()` and written to the audit log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { hubConfigSchema, validateConfig } from '../../src/config/index.js';
import { startHub, type Hub } from '../../src/hub/hub.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { createAccount, marker, send, signedLogs, statusMessage, type TestAccount } from '../helpers/signed-client.js';
import { startTestHub, testHubRawConfig } from '../helpers/test-hub.js';

const OVERRIDES = { auth: { mode: 'sigv4' }, usagePlans: { gold: { requestsPerSecond: 100, burst: 100 } } };

async function tamper(dataDir: string, statements: string[]): Promise<void> {
  const instance = await DuckDBInstance.create(join(dataDir, 'registry.duckdb'));
  const connection = await instance.connect();
  try {
    for (const s of statements) {
      const r = await connection.run(s);
      assert.equal(r.rowsChanged, 1, s);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

test('rows edited while the hub was stopped are refused after the restart, and reported', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'e2e-tampered-registry-'));
  let restarted: Hub | undefined;
  try {
    const first = await startTestHub(OVERRIDES, { dataDir });
    let a: TestAccount, b: TestAccount, revoked: TestAccount, planned: TestAccount;
    let moved: { accessKeyId: string; secretAccessKey: string };
    try {
      a = await createAccount(first, 'acct-a');
      b = await createAccount(first, 'acct-b');
      revoked = await createAccount(first, 'acct-revoked');
      planned = await createAccount(first, 'acct-plan', 'gold');
      const rotated = await first.api('/api/accounts/acct-a/credentials', { method: 'POST' });
      assert.equal(rotated.status, 201);
      moved = rotated.json as { accessKeyId: string; secretAccessKey: string };
      assert.equal((await first.api('/api/accounts/acct-revoked/revoke', { method: 'POST' })).status, 200);
      for (const acct of [a, planned]) assert.equal((await send(first.otlpUrl, await signedLogs(first.otlpUrl, acct, marker('before')))).status, 200);
    } finally {
      await first.close();
    }

    await tamper(dataDir, [
      "UPDATE accounts SET status = 'active' WHERE id = 'acct-revoked'",
      `UPDATE credentials SET account_id = 'acct-b' WHERE access_key_id = '${moved.accessKeyId}'`,
      "UPDATE accounts SET plan = 'default' WHERE id = 'acct-plan'",
    ]);

    const log = captureLogger();
    const config = validateConfig(hubConfigSchema, testHubRawConfig(dataDir, OVERRIDES), 'test');
    restarted = await startHub(config, log.logger);
    const otlpUrl = `http://127.0.0.1:${restarted.otlpAddress.port}`;
    const ingest = async (acct: TestAccount, options: Parameters<typeof signedLogs>[3] = {}) => send(otlpUrl, await signedLogs(otlpUrl, acct, marker('after'), options));

    // Revoked stays revoked.
    const r1 = await ingest(revoked);
    assert.equal(r1.status, 403);
    assert.match(statusMessage(r1), /revoked/);
    // The moved key pair authenticates neither as the account it was moved to nor as its own.
    assert.equal((await ingest(b, { credentials: moved })).status, 403);
    assert.equal((await ingest(a, { credentials: moved })).status, 403);
    // An account whose row was edited is held as revoked rather than run on the edited values.
    assert.equal((await ingest(planned)).status, 403);
    // Everything untouched keeps working.
    assert.equal((await ingest(a)).status, 200);
    assert.equal((await ingest(b)).status, 200);

    assert.deepEqual(restarted.security.registry?.integrity(), { tamperedRows: 3, rowSetAltered: false, writeErrors: 0 });
    const consoleUrl = `http://127.0.0.1:${restarted.consoleAddress.port}`;
    const listing = (await (await fetch(`${consoleUrl}/api/accounts`, { headers: { authorization: `Bearer ${restarted.adminToken}` } })).json()) as { accounts: { id: string; status: string }[] };
    assert.deepEqual(
      listing.accounts.filter((x) => x.id === 'acct-revoked' || x.id === 'acct-plan').map((x) => `${x.id}:${x.status}`).sort(),
      ['acct-plan:revoked', 'acct-revoked:revoked'],
    );

    const findings = log.lines().filter((l) => l['level'] === 50 && /integrity check/.test(String(l['msg'])));
    assert.deepEqual(findings.map((l) => `${String(l['table'])}:${String(l['key'])}`).sort(), ['accounts:acct-plan', 'accounts:acct-revoked', `credentials:${moved.accessKeyId}`]);
    const audit = (await readFile(join(dataDir, 'audit.log'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { actor: string; action: string; accountId: string | null });
    assert.deepEqual(
      audit.filter((e) => e.action === 'registry.tampered').map((e) => `${e.actor}:${e.accountId ?? ''}`).sort(),
      ['hub:acct-b', 'hub:acct-plan', 'hub:acct-revoked'],
    );
    for (const secret of [a.secretAccessKey, b.secretAccessKey, moved.secretAccessKey, revoked.secretAccessKey, a.apiKey, b.apiKey]) {
      assert.ok(!log.text().includes(secret), 'a secret in the hub log');
    }
  } finally {
    await restarted?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
