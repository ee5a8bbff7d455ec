/**
 * Upgrade from the single-file registry (`accounts.json`) of earlier versions: imported into
 * registry.duckdb on first start, in one transaction, then renamed `accounts.json.migrated`; a start
 * interrupted between the two finishes the job; a file that would overwrite accounts is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openAccountRegistry, sealSecret } from '../../src/accounts/index.js';
import type { AccountRegistry } from '../../src/accounts/index.js';
import { ConfigError } from '../../src/errors.js';
import { withRegistry } from '../helpers/account-registry.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { send, signedLogs } from '../helpers/signed-client.js';
import { startTestHub } from '../helpers/test-hub.js';
import { withTempDir } from '../helpers/temp-dir.js';

const withDir = (fn: (dir: string) => Promise<void>): Promise<void> => withTempDir('e2e-migrate-', fn);

interface LegacyAccount {
  id: string;
  name: string;
  plan: string;
  status: 'active' | 'revoked';
  apiKey: string;
  keys: { accessKeyId: string; secretAccessKey: string }[];
}

const LEGACY: LegacyAccount[] = [
  {
    id: '111111111111',
    name: 'Orders',
    plan: 'gold',
    status: 'active',
    apiKey: 'api-key-orders-0123456789abcdefghijklmnopq',
    keys: [
      { accessKeyId: 'AKIAORDERS2345674ABC', secretAccessKey: 'orders/secret/0123456789abcdefghijklmnopq' },
      { accessKeyId: 'AKIAORDERS234567ROT2', secretAccessKey: 'orders/secret/rotated/0123456789abcdefghij' },
    ],
  },
  {
    id: '222222222222',
    name: 'Invoices',
    plan: 'default',
    status: 'revoked',
    apiKey: 'api-key-invoices-0123456789abcdefghijklmno',
    keys: [{ accessKeyId: 'AKIAINVOICES2345ABCD', secretAccessKey: 'invoices/secret/0123456789abcdefghijklmno' }],
  },
];

/** An accounts.json exactly as the earlier registry wrote it (version 1). */
function legacyFile(masterKey: Buffer, accounts: LegacyAccount[] = LEGACY): string {
  const createdAt = '2025-01-02T03:04:05.000Z';
  return JSON.stringify(
    {
      version: 1,
      keyCheck: sealSecret(masterKey, 'e2e-o11y accounts.json key check', 'keyCheck'),
      accounts: accounts.map((a) => ({
        id: a.id,
        name: a.name,
        plan: a.plan,
        status: a.status,
        createdAt,
        apiKey: sealSecret(masterKey, a.apiKey, `apiKey:${a.id}`),
        credentials: a.keys.map((k) => ({ accessKeyId: k.accessKeyId, secretAccessKey: sealSecret(masterKey, k.secretAccessKey, `secret:${k.accessKeyId}`), createdAt })),
      })),
      sessions: [
        {
          accessKeyId: 'ASIASESSION234567ABC',
          parentAccessKeyId: 'AKIAORDERS2345674ABC',
          accountId: '111111111111',
          secretAccessKey: sealSecret(masterKey, 'session-secret', 'secret:ASIASESSION234567ABC'),
          sessionToken: sealSecret(masterKey, 'session-token', 'sessionToken:ASIASESSION234567ABC'),
          expiration: new Date(Date.now() + 3_600_000).toISOString(),
        },
      ],
    },
    null,
    2,
  );
}

function assertMigrated(r: AccountRegistry): void {
  assert.deepEqual(
    r.list().map((a) => ({ ...a })),
    LEGACY.map((a) => ({ id: a.id, name: a.name, plan: a.plan, status: a.status, createdAt: '2025-01-02T03:04:05.000Z' })),
  );
  for (const a of LEGACY) {
    assert.equal(r.apiKeyOf(a.id), a.apiKey);
    assert.equal(r.accountForApiKey(a.apiKey)?.id, a.id);
    for (const k of a.keys) {
      assert.deepEqual(r.lookupAccessKey(k.accessKeyId), { secretAccessKey: k.secretAccessKey, accountId: a.id, revoked: a.status === 'revoked' });
    }
  }
  assert.deepEqual(r.integrity(), { tamperedRows: 0, rowSetAltered: false, writeErrors: 0 });
}

test('first start imports accounts.json, renames it accounts.json.migrated, and says so', () =>
  withDir(async (dataDir) => {
    const masterKey = randomBytes(32);
    await writeFile(join(dataDir, 'accounts.json'), legacyFile(masterKey), { mode: 0o600 });
    const log = captureLogger();
    await withRegistry({ dataDir, masterKey, logger: log.logger }, async (r) => assertMigrated(r));
    await assert.rejects(stat(join(dataDir, 'accounts.json')), { code: 'ENOENT' });
    assert.equal((await stat(join(dataDir, 'accounts.json.migrated'))).mode & 0o777, 0o600);
    const lines = log.lines();
    assert.ok(lines.some((l) => l['accounts'] === 2 && l['credentials'] === 3 && /migrated from accounts\.json/.test(String(l['msg']))), log.text());
    assert.ok(lines.some((l) => l['level'] === 40 && l['droppedSessions'] === 1), 'the dropped live session is a warning');
    const audit = await readFile(join(dataDir, 'audit.log'), 'utf8');
    assert.match(audit, /"action":"registry\.migrate"/);
    for (const a of LEGACY) for (const k of a.keys) assert.ok(!audit.includes(k.secretAccessKey) && !log.text().includes(k.secretAccessKey));

    // Later starts use the database alone.
    await withRegistry({ dataDir, masterKey }, async (r) => {
      assertMigrated(r);
      await r.restore('222222222222');
      assert.equal(r.lookupAccessKey('AKIAINVOICES2345ABCD')?.revoked, false);
    });
  }));

test('a start interrupted after the import but before the rename finishes the rename without importing twice', () =>
  withDir(async (dataDir) => {
    const masterKey = randomBytes(32);
    await writeFile(join(dataDir, 'accounts.json'), legacyFile(masterKey), { mode: 0o600 });
    await withRegistry({ dataDir, masterKey }, async () => undefined);
    // The state a crash between COMMIT and rename leaves: the imported database and the file.
    await copyFile(join(dataDir, 'accounts.json.migrated'), join(dataDir, 'accounts.json'));
    await withRegistry({ dataDir, masterKey }, async (r) => assertMigrated(r));
    await assert.rejects(stat(join(dataDir, 'accounts.json')), { code: 'ENOENT' });
  }));

test('an accounts.json beside a registry that already holds other accounts is refused, changing nothing', () =>
  withDir(async (dataDir) => {
    const masterKey = randomBytes(32);
    await withRegistry({ dataDir, masterKey }, (r) => r.add({ id: 'newer' }));
    await writeFile(join(dataDir, 'accounts.json'), legacyFile(masterKey), { mode: 0o600 });
    await assert.rejects(
      openAccountRegistry({ dataDir, masterKey }),
      (err: unknown) => err instanceof ConfigError && err.message.includes('accounts.json') && err.message.includes('registry.duckdb'),
    );
    await stat(join(dataDir, 'accounts.json'));
    await rm(join(dataDir, 'accounts.json'));
    await withRegistry({ dataDir, masterKey }, async (r) => assert.deepEqual(r.list().map((a) => a.id), ['newer']));
  }));

test('an accounts.json sealed under another master key, or corrupt, is a ConfigError naming the file', () =>
  withDir(async (dataDir) => {
    await writeFile(join(dataDir, 'accounts.json'), legacyFile(randomBytes(32)), { mode: 0o600 });
    await assert.rejects(
      openAccountRegistry({ dataDir, masterKey: randomBytes(32) }),
      (err: unknown) => err instanceof ConfigError && /accounts\.json: cannot decrypt with this master key/.test(err.message),
    );
    await writeFile(join(dataDir, 'accounts.json'), '{"version":1,', { mode: 0o600 });
    await assert.rejects(
      openAccountRegistry({ dataDir, masterKey: randomBytes(32) }),
      (err: unknown) => err instanceof ConfigError && err.message.includes('accounts.json'),
    );
  }));

test('a hub started on a data directory of an earlier version accepts the migrated credentials on a real socket', () =>
  withDir(async (dataDir) => {
    const masterKey = randomBytes(32);
    await writeFile(join(dataDir, 'master.key'), masterKey.toString('hex') + '\n', { mode: 0o600 });
    await writeFile(join(dataDir, 'accounts.json'), legacyFile(masterKey), { mode: 0o600 });
    const t = await startTestHub({ auth: { mode: 'sigv4' }, usagePlans: { gold: { requestsPerSecond: 100, burst: 100 } } }, { dataDir });
    try {
      const orders = { id: '111111111111', apiKey: LEGACY[0]!.apiKey, ...LEGACY[0]!.keys[0]! };
      const ok = await send(t.otlpUrl, await signedLogs(t.otlpUrl, orders, 'migrated-ok'));
      assert.equal(ok.status, 200, ok.body.toString());
      const invoices = { id: '222222222222', apiKey: LEGACY[1]!.apiKey, ...LEGACY[1]!.keys[0]! };
      assert.equal((await send(t.otlpUrl, await signedLogs(t.otlpUrl, invoices, 'migrated-revoked'))).status, 403);
    } finally {
      await t.close();
    }
  }));
