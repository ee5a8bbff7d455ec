/**
 * The data directory holds the master key, the admin token, the sealed registry and the audit log.
 * A fresh one is created 0700 with those files 0600; an existing one that other local users could
 * read (left by an earlier version, a backup restore, a loose umask) is tightened at start, and the
 * operator is told.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubConfigSchema, validateConfig } from '../../src/config/index.js';
import { startHub } from '../../src/hub/hub.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { testHubRawConfig } from '../helpers/test-hub.js';

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

async function withHub(dataDir: string, fn: (consoleUrl: string, adminToken: string) => Promise<void>): Promise<ReturnType<typeof captureLogger>> {
  const log = captureLogger();
  const hub = await startHub(validateConfig(hubConfigSchema, testHubRawConfig(dataDir, { auth: { mode: 'sigv4' } }), 'test'), log.logger);
  try {
    await fn(`http://127.0.0.1:${hub.consoleAddress.port}`, hub.adminToken);
  } finally {
    await hub.close();
  }
  return log;
}

async function addAccount(consoleUrl: string, adminToken: string, id: string): Promise<void> {
  const r = await fetch(`${consoleUrl}/api/accounts`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ id, name: id }) });
  assert.equal(r.status, 201);
}

test('a fresh data directory is 0700 and the key, token, registry and audit files in it are 0600', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'e2e-modes-'));
  const dataDir = join(parent, 'data');
  try {
    const log = await withHub(dataDir, (url, token) => addAccount(url, token, 'acct'));
    assert.equal(await mode(dataDir), 0o700);
    for (const name of ['master.key', 'admin.token', 'registry.duckdb', 'audit.log']) assert.equal(await mode(join(dataDir, name)), 0o600, name);
    assert.ok(!log.lines().some((l) => /tightened/.test(String(l['msg']))), 'nothing to tighten in a fresh directory');
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});

test('an existing data directory readable by others is tightened at start, with a warning per path', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'e2e-modes-'));
  const dataDir = join(parent, 'data');
  try {
    await mkdir(dataDir);
    await chmod(dataDir, 0o755);
    await writeFile(join(dataDir, 'master.key'), randomBytes(32).toString('hex') + '\n');
    await writeFile(join(dataDir, 'admin.token'), randomBytes(32).toString('base64url') + '\n');
    await writeFile(join(dataDir, 'audit.log'), '');
    for (const name of ['master.key', 'admin.token', 'audit.log']) await chmod(join(dataDir, name), 0o644);

    const log = await withHub(dataDir, (url, token) => addAccount(url, token, 'acct'));
    assert.equal(await mode(dataDir), 0o700);
    for (const name of ['master.key', 'admin.token', 'audit.log', 'registry.duckdb']) assert.equal(await mode(join(dataDir, name)), 0o600, name);
    const warnings = log.lines().filter((l) => l['level'] === 40 && /tightened/.test(String(l['msg'])));
    assert.deepEqual(
      warnings.map((w) => `${String(w['dataDir'] ?? w['file'])}:${String(w['previousMode'])}`).sort(),
      [`${dataDir}/admin.token:0644`, `${dataDir}/audit.log:0644`, `${dataDir}/master.key:0644`, `${dataDir}:0755`].sort(),
    );

    // Once tight, later starts say nothing.
    const again = await withHub(dataDir, async () => undefined);
    assert.ok(!again.lines().some((l) => /tightened/.test(String(l['msg']))));
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});
