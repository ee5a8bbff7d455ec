/**
 * `e2e-o11y accounts add|list|rotate|revoke|restore` against a hub running as its own process, as an
 * operator would use them. Acceptance: `accounts revoke` cuts a sending account off in under 1 s
 * (measured from the CLI's exit to the first 403 the sender sees) while the hub keeps running.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listeningLine, startCli, type CliProcess } from '../helpers/cli.js';
import { send, signedLogs, statusMessage, type TestAccount } from '../helpers/signed-client.js';

let dir: string;
let dataDir: string;
let hub: CliProcess;
let otlpUrl: string;
let consoleUrl: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e2e-accounts-cli-'));
  dataDir = join(dir, 'data');
  const config = join(dir, 'hub.yaml');
  await writeFile(
    config,
    [
      `dataDir: ${JSON.stringify(dataDir)}`,
      'logLevel: warn',
      'otlp: { host: 127.0.0.1, port: 0 }',
      'console: { host: 127.0.0.1, port: 0 }',
      'auth: { mode: sigv4 }',
      '',
    ].join('\n'),
  );
  // The environment must not override the config or the admin token file under test.
  hub = startCli(['hub', '--config', config], { E2E_OTLP_PORT: undefined, E2E_CONSOLE_PORT: undefined, E2E_DATA_DIR: undefined, E2E_ADMIN_TOKEN: undefined });
  const ports = await hub.waitForLine(listeningLine);
  otlpUrl = `http://127.0.0.1:${ports.otlpPort}`;
  consoleUrl = `http://127.0.0.1:${ports.consolePort}`;
});

after(async () => {
  hub?.kill('SIGTERM');
  await hub?.exited;
  await rm(dir, { recursive: true, force: true });
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Date.now() when the process was seen to exit. */
  exitedAtMs: number;
}

async function accounts(...args: string[]): Promise<CliResult> {
  const p = startCli(['accounts', ...args, '--hub', consoleUrl, '--data-dir', dataDir], { E2E_ADMIN_TOKEN: undefined, E2E_CONSOLE_URL: undefined });
  const { code } = await p.exited;
  const exitedAtMs = Date.now();
  return { code, stdout: p.stdout.join('\n'), stderr: p.stderr.join('\n'), exitedAtMs };
}

const accountsById = new Map<string, TestAccount>();

test('the admin token file exists and the CLI reads it from --data-dir', async () => {
  const token = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
  assert.ok(token.length >= 32);
  const wrong = startCli(['accounts', 'list', '--hub', consoleUrl, '--token', 'not-the-token'], { E2E_ADMIN_TOKEN: undefined });
  assert.equal((await wrong.exited).code, 1);
  assert.match(wrong.stderr.join('\n'), /401/);
});

test('accounts add prints the account with its secrets, once', async () => {
  for (const id of ['acct-a', 'acct-b']) {
    const r = await accounts('add', '--id', id, '--name', `Account ${id}`);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as TestAccount & { status: string; plan: string };
    assert.equal(json.id, id);
    assert.equal(json.status, 'active');
    assert.equal(json.plan, 'default');
    assert.match(json.accessKeyId, /^AKIA/);
    accountsById.set(id, { id, apiKey: json.apiKey, accessKeyId: json.accessKeyId, secretAccessKey: json.secretAccessKey });
  }
  const dup = await accounts('add', '--id', 'acct-a', '--name', 'again');
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /409/);
});

test('accounts list shows both, as a table and as JSON, without secrets', async () => {
  const table = await accounts('list');
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^acct-a\s+Account acct-a\s+default\s+active\s+\d{4}-/m);
  assert.match(table.stdout, /^acct-b\s+/m);
  const json = await accounts('list', '--json');
  assert.equal(json.code, 0);
  assert.deepEqual((JSON.parse(json.stdout) as { accounts: { id: string }[] }).accounts.map((a) => a.id).sort(), ['acct-a', 'acct-b']);
  for (const a of accountsById.values()) {
    for (const s of [a.apiKey, a.secretAccessKey]) assert.ok(!table.stdout.includes(s) && !json.stdout.includes(s));
  }
});

test('accounts rotate prints a new key pair that works at once', async () => {
  const a = accountsById.get('acct-a')!;
  const r = await accounts('rotate', 'acct-a');
  assert.equal(r.code, 0, r.stderr);
  const pair = JSON.parse(r.stdout) as { accessKeyId: string; secretAccessKey: string };
  assert.notEqual(pair.accessKeyId, a.accessKeyId);
  const sent = await send(otlpUrl, await signedLogs(otlpUrl, a, 'rotated', { credentials: pair }));
  assert.equal(sent.status, 200, sent.body.toString());
  accountsById.set('acct-a', { ...a, ...pair });
});

test('accounts revoke cuts a sending account off in under 1 s while the hub keeps running; restore lets it send again', async (t) => {
  const a = accountsById.get('acct-a')!;
  const b = accountsById.get('acct-b')!;
  const replies: { atMs: number; status: number; message: string }[] = [];
  let stop = false;
  // A sender in a loop, one signed request after another, as an agent with a backlog does.
  const sender = (async () => {
    const deadlineMs = Date.now() + 25_000;
    for (let i = 0; !stop && Date.now() < deadlineMs; i++) {
      const r = await send(otlpUrl, await signedLogs(otlpUrl, a, `loop-${i}`));
      replies.push({ atMs: Date.now(), status: r.status, message: r.status === 200 ? '' : statusMessage(r) });
    }
  })();
  const waitFor = async (what: string, check: () => boolean): Promise<void> => {
    for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(check(), what);
  };
  try {
    await waitFor('the sender is accepted before the revocation', () => replies.filter((r) => r.status === 200).length >= 3);

    const revoke = await accounts('revoke', 'acct-a');
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.match(revoke.stdout, /acct-a revoked/);
    await waitFor('the sender sees a 403', () => replies.some((r) => r.status === 403));
    const first403 = replies.find((r) => r.status === 403)!;
    const cutOffMs = first403.atMs - revoke.exitedAtMs;
    t.diagnostic(`first 403 ${cutOffMs} ms after accounts revoke exited`);
    assert.ok(cutOffMs < 1000, `cut off ${cutOffMs} ms after accounts revoke returned`);
    assert.match(first403.message, /revoked/);
    assert.ok(replies.every((r) => r.status === 200 || r.status === 403), `only 200 and 403: ${[...new Set(replies.map((r) => r.status))].join(',')}`);

    // The hub kept running and serves other accounts.
    assert.equal(hub.child.exitCode, null);
    assert.equal(hub.child.signalCode, null);
    assert.equal((await send(otlpUrl, await signedLogs(otlpUrl, b, 'b-during-revoke'))).status, 200);
    const listed = await accounts('list', '--json');
    assert.equal((JSON.parse(listed.stdout) as { accounts: { id: string; status: string }[] }).accounts.find((x) => x.id === 'acct-a')?.status, 'revoked');

    const countBefore = replies.length;
    const restore = await accounts('restore', 'acct-a');
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /acct-a restored/);
    await waitFor('the sender is accepted again after restore', () => replies.slice(countBefore).some((r) => r.status === 200));
  } finally {
    stop = true;
    await sender;
  }
});

test('an unknown account: the CLI exits 1 naming the error, the hub keeps running', async () => {
  const r = await accounts('revoke', 'nobody');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /404 .*nobody/);
  const usage = await accounts('rotate');
  assert.equal(usage.code, 2);
  assert.equal(hub.child.exitCode, null);
});
