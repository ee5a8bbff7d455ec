/**
 * The accounts admin API (console port, admin token): onboarding, listing without secrets, key
 * rotation and deletion, revoke/restore, the audit log, and encryption at rest of the registry.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { marker, send, signedLogs, type TestAccount } from '../helpers/signed-client.js';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';

let t: TestHub;
/** Every secret the API handed out, to search for where none may appear. */
const secrets: string[] = [];

before(async () => {
  t = await startTestHub({ auth: { mode: 'sigv4' }, usagePlans: { gold: { requestsPerSecond: 500, burst: 1000 } } });
});
after(async () => {
  await t.close();
});

async function add(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await t.api('/api/accounts', { method: 'POST', body });
  return { status: r.status, json: r.json as Record<string, unknown> };
}

function remember(...values: unknown[]): void {
  for (const v of values) if (typeof v === 'string') secrets.push(v);
}

test('POST /api/accounts: 201 with the secrets, once', async () => {
  const r = await add({ id: '111122223333', name: 'Orders', plan: 'gold' });
  assert.equal(r.status, 201);
  assert.deepEqual(Object.keys(r.json).sort(), ['accessKeyId', 'apiKey', 'id', 'name', 'plan', 'secretAccessKey', 'status']);
  assert.equal(r.json['id'], '111122223333');
  assert.equal(r.json['name'], 'Orders');
  assert.equal(r.json['plan'], 'gold');
  assert.equal(r.json['status'], 'active');
  assert.match(String(r.json['accessKeyId']), /^AKIA[A-Z0-9]{16}$/);
  assert.ok(String(r.json['secretAccessKey']).length >= 40);
  assert.ok(String(r.json['apiKey']).length >= 20);
  remember(r.json['apiKey'], r.json['secretAccessKey']);
  const noPlan = await add({ id: '444455556666', name: 'Invoices' });
  assert.equal(noPlan.status, 201);
  assert.equal(noPlan.json['plan'], 'default');
  remember(noPlan.json['apiKey'], noPlan.json['secretAccessKey']);
});

test('409 on a duplicate id; the first account keeps its keys', async () => {
  const r = await add({ id: '111122223333', name: 'Again' });
  assert.equal(r.status, 409);
  assert.equal((r.json['error'] as { code?: string } | undefined)?.code, 'E2E_CONFLICT');
  const list = await t.api('/api/accounts');
  assert.equal((list.json as { accounts: { id: string; name: string }[] }).accounts.find((x) => x.id === '111122223333')?.name, 'Orders');
});

test('400 on bad input and on an unknown plan', async () => {
  const bad: unknown[] = [
    {},
    { name: 'no id' },
    { id: 'UPPER', name: 'x' },
    { id: 'a/b', name: 'x' },
    { id: '', name: 'x' },
    { id: 'x'.repeat(65), name: 'x' },
    { id: 12345, name: 'x' },
    { id: 'ok-id', name: 7 },
    { id: 'ok-id', name: 'x', plan: 42 },
    { id: 'ok-id', name: 'x', plan: 'platinum' },
    [],
    'text',
  ];
  for (const body of bad) {
    const r = await add(body);
    assert.equal(r.status, 400, `${JSON.stringify(body)} -> ${r.status} ${JSON.stringify(r.json)}`);
  }
  const unknownPlan = await add({ id: 'ok-id', name: 'x', plan: 'platinum' });
  assert.match(JSON.stringify(unknownPlan.json), /unknown usage plan 'platinum'/);
  const raw = await fetch(`${t.consoleUrl}/api/accounts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.hub.adminToken}`, 'content-type': 'application/json' },
    body: '{"id": "broken",',
  });
  assert.equal(raw.status, 400);
  assert.equal((await t.api('/api/accounts/ok-id')).status, 404, 'nothing was created by a bad request');
});

test('the admin API needs the admin token', async () => {
  const none = await fetch(`${t.consoleUrl}/api/accounts`);
  assert.equal(none.status, 401);
  const wrong = await fetch(`${t.consoleUrl}/api/accounts`, { method: 'POST', headers: { authorization: 'Bearer not-the-token' }, body: '{"id":"x1","name":"x"}' });
  assert.equal(wrong.status, 401);
  assert.equal((await t.api('/api/accounts/x1')).status, 404);
});

test('GET /api/accounts lists accounts without any secret', async () => {
  const res = await fetch(`${t.consoleUrl}/api/accounts`, { headers: { authorization: `Bearer ${t.hub.adminToken}` } });
  assert.equal(res.status, 200);
  const text = await res.text();
  const json = JSON.parse(text) as { accounts: Record<string, unknown>[] };
  assert.deepEqual(json.accounts.map((a) => a['id']).sort(), ['111122223333', '444455556666']);
  for (const a of json.accounts) assert.deepEqual(Object.keys(a).sort(), ['createdAt', 'id', 'name', 'plan', 'status']);
  for (const s of secrets) assert.ok(!text.includes(s), 'a secret appears in the listing');
  const one = await fetch(`${t.consoleUrl}/api/accounts/111122223333`, { headers: { authorization: `Bearer ${t.hub.adminToken}` } });
  const oneText = await one.text();
  assert.equal(one.status, 200);
  for (const s of secrets) assert.ok(!oneText.includes(s));
});

test('credentials: a new pair works alongside the old one until the old one is deleted', async () => {
  const created = await add({ id: '777788889999', name: 'Rotation' });
  assert.equal(created.status, 201);
  remember(created.json['apiKey'], created.json['secretAccessKey']);
  const account = created.json as unknown as TestAccount;
  const rotated = await t.api(`/api/accounts/${account.id}/credentials`, { method: 'POST' });
  assert.equal(rotated.status, 201);
  const pair = rotated.json as { id: string; accessKeyId: string; secretAccessKey: string };
  assert.equal(pair.id, account.id);
  assert.notEqual(pair.accessKeyId, account.accessKeyId);
  remember(pair.secretAccessKey);

  const sendWith = async (credentials: { accessKeyId: string; secretAccessKey: string }) =>
    (await send(t.otlpUrl, await signedLogs(t.otlpUrl, account, marker('rot'), { credentials }))).status;
  assert.equal(await sendWith(account), 200);
  assert.equal(await sendWith(pair), 200);

  const del = await t.api(`/api/accounts/${account.id}/credentials/${account.accessKeyId}`, { method: 'DELETE' });
  assert.equal(del.status, 200);
  assert.equal(await sendWith(account), 403);
  assert.equal(await sendWith(pair), 200);
  assert.equal((await t.api(`/api/accounts/${account.id}/credentials/${account.accessKeyId}`, { method: 'DELETE' })).status, 404);
  assert.equal((await t.api('/api/accounts/nobody/credentials', { method: 'POST' })).status, 404);
  assert.ok(!JSON.stringify(del.json).includes(pair.secretAccessKey));
});

test('revoke and restore show in the listing', async () => {
  assert.equal((await t.api('/api/accounts/444455556666/revoke', { method: 'POST' })).status, 200);
  const listed = async () => ((await t.api('/api/accounts')).json as { accounts: { id: string; status: string }[] }).accounts.find((a) => a.id === '444455556666')?.status;
  assert.equal(await listed(), 'revoked');
  assert.equal((await t.api('/api/accounts/444455556666/restore', { method: 'POST' })).status, 200);
  assert.equal(await listed(), 'active');
  assert.equal((await t.api('/api/accounts/nobody/revoke', { method: 'POST' })).status, 404);
});

test('the audit log records every admin action, without secrets', async () => {
  const text = await readFile(join(t.dataDir, 'audit.log'), 'utf8');
  const entries = text.trim().split('\n').map((l) => JSON.parse(l) as { time: string; actor: string; action: string; accountId: string | null });
  const actions = entries.map((e) => `${e.action} ${e.accountId ?? ''}`);
  for (const expected of [
    'account.add 111122223333',
    'account.add 444455556666',
    'account.add 777788889999',
    'credential.create 777788889999',
    'credential.delete 777788889999',
    'account.revoke 444455556666',
    'account.restore 444455556666',
  ]) {
    assert.ok(actions.some((a) => a.startsWith(expected)), `missing audit entry '${expected}' in ${actions.join(', ')}`);
  }
  for (const e of entries) {
    assert.ok(!Number.isNaN(Date.parse(e.time)), 'each entry has a time');
    assert.ok(e.actor.length > 0, 'each entry names who did it');
  }
  assert.ok(!actions.some((a) => a.includes('ok-id') || a.includes('x1')), 'refused requests changed nothing');
  for (const s of secrets) assert.ok(!text.includes(s), 'a secret appears in the audit log');
});

test('the registry database holds no plaintext secret and is readable by the owner only', async () => {
  const names = (await readdir(t.dataDir)).filter((n) => n.startsWith('registry.duckdb'));
  assert.ok(names.includes('registry.duckdb'));
  assert.ok(secrets.length >= 7);
  for (const name of names) {
    const bytes = await readFile(join(t.dataDir, name));
    for (const s of secrets) assert.ok(!bytes.includes(s), `a plaintext secret in ${name}`);
    assert.equal((await stat(join(t.dataDir, name))).mode & 0o777, 0o600, name);
  }
  assert.equal((await stat(t.dataDir)).mode & 0o777, 0o700);
});

test('a malformed percent-encoding in an account path is 400, not 500', async () => {
  for (const path of ['/api/accounts/%E0%A4%A', '/api/accounts/%E0%A4%A/revoke', '/api/accounts/111122223333/credentials/%ZZ']) {
    const method = path.endsWith('revoke') ? 'POST' : path.includes('credentials') ? 'DELETE' : 'GET';
    const r = await t.api(path, { method });
    assert.equal(r.status, 400, `${method} ${path} -> ${r.status} ${JSON.stringify(r.json)}`);
    assert.equal(r.json?.error?.code, 'E2E_BAD_REQUEST');
  }
});
