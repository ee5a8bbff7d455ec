/**
 * Attack (issue 9 §4): slowloris — thousands of connections sending one header byte per second.
 * Unlimited, they exhausted file descriptors: both ports reset every new connection and the hub's
 * own file writes failed with EMFILE. The hub here runs with `ulimit -n 2048`, so 3,000 attack
 * connections would exhaust it without limits; per-client and total connection limits (the total
 * fitted to the open-files limit) keep both ports serving other clients and the hub's files working.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { hubConfigSchema } from '../../src/config/index.js';
import { eventually } from '../helpers/test-hub.js';
import { marker, send, signedLogs, type TestAccount } from '../helpers/signed-client.js';
import { getFrom, sample, slowloris, type Slowloris } from '../helpers/raw-http.js';
import { startHubProcess, type HubProcess } from '../helpers/hub-process.js';

const OPEN_FILES_LIMIT = 2048;
// The defaults: the hub below runs with them.
const { otlp: { maxConnectionsPerClient: PER_CLIENT }, console: { maxConnectionsPerClient: CONSOLE_PER_CLIENT } } = hubConfigSchema.parse({});

let hub: HubProcess;
let account: TestAccount;
const attacks: Slowloris[] = [];
before(async () => {
  hub = await startHubProcess({ config: { auth: { mode: 'sigv4' } }, openFilesLimit: OPEN_FILES_LIMIT });
  const r = await fetch(`${hub.consoleUrl}/api/accounts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'acct-slow', name: 'slowloris victim' }),
  });
  assert.equal(r.status, 201);
  account = (await r.json()) as TestAccount;
});
after(async () => {
  for (const a of attacks) a.stop();
  await hub.close();
});

/** Runs `f` and returns its result with how long it took. */
async function timed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await f();
  return { value, ms: performance.now() - started };
}

test('during a 3,000-connection slowloris from 127.0.0.1, a signed request and the console answer another client within 2 s', { timeout: 120_000 }, async () => {
  const attack = await slowloris(hub.otlpPort, 3000);
  const consoleAttack = await slowloris(hub.consolePort, 500);
  attacks.push(attack, consoleAttack);
  // Another client (Linux routes all of 127/8 to lo): a signed export and a console API call.
  const m = marker('during-slowloris');
  const signed = await signedLogs(hub.otlpUrl, account, m);
  const ingest = await timed(() => send(hub.otlpUrl, signed, { localAddress: '127.0.0.2' }));
  assert.equal(ingest.value.status, 200, ingest.value.body.toString());
  assert.ok(ingest.ms < 2000, `signed request answered in ${ingest.ms.toFixed(0)} ms`);

  const auth = { authorization: `Bearer ${hub.adminToken}` };
  const api = await timed(() => getFrom(`${hub.consoleUrl}/api/stats`, { localAddress: '127.0.0.2', headers: auth }));
  assert.equal(api.value.status, 200, api.value.body);
  assert.ok(api.ms < 2000, `console answered in ${api.ms.toFixed(0)} ms`);

  // The hub's own files keep working: the accepted request went through the queue into the store.
  await eventually(async () => {
    const r = await getFrom(`${hub.consoleUrl}/api/logs?contains=${m}`, { localAddress: '127.0.0.2', headers: auth });
    return r.status === 200 && (JSON.parse(r.body) as { logs: unknown[] }).logs.length === 1;
  }, 'the log in the store');

  // The per-client limits hold: the attack's other connections were refused at once.
  await eventually(async () => attack.open() <= PER_CLIENT, `at most ${PER_CLIENT} attack connections open on ingest (${attack.open()})`);
  await eventually(async () => consoleAttack.open() <= CONSOLE_PER_CLIENT, `at most ${CONSOLE_PER_CLIENT} open on the console (${consoleAttack.open()})`);
  // What the operator sees: refusals counted per server and reason, open connections bounded.
  const metrics = (await getFrom(`${hub.consoleUrl}/metrics`, { localAddress: '127.0.0.2' })).body;
  assert.ok((sample(metrics, 'e2e_http_connections_refused_total{server="otlp",reason="max_connections_per_client"}') ?? 0) >= 2000, 'ingest refusals counted');
  assert.ok((sample(metrics, 'e2e_http_connections_refused_total{server="console",reason="max_connections_per_client"}') ?? 0) >= 400, 'console refusals counted');
  assert.ok((sample(metrics, 'e2e_http_open_connections{server="otlp"}') ?? Infinity) <= PER_CLIENT + 5);
  assert.equal(hub.stderr.filter((l) => l.includes('EMFILE')).length, 0, hub.stderr.join('\n'));
});

test('attack connections from many addresses stop at the total limit fitted to the open-files limit; the console still answers', { timeout: 120_000 }, async () => {
  for (const a of attacks.splice(0)) a.stop();
  // 24 attacker addresses × 100 connections = 2,400, more than the 2048 descriptors the hub has.
  const spread = await Promise.all(Array.from({ length: 24 }, (_, i) => slowloris(hub.otlpPort, 100, { localAddress: `127.0.1.${i + 1}`, batch: 100 })));
  attacks.push(...spread);
  const auth = { authorization: `Bearer ${hub.adminToken}` };
  const metrics = await eventually(async () => {
    const text = (await getFrom(`${hub.consoleUrl}/metrics`, { localAddress: '127.0.0.2' })).body;
    return (sample(text, 'e2e_http_connections_refused_total{server="otlp",reason="max_connections"}') ?? 0) > 0 ? text : undefined;
  }, 'refusals at the total limit');
  const open = sample(metrics, 'e2e_http_open_connections{server="otlp"}') ?? Infinity;
  assert.ok(open <= OPEN_FILES_LIMIT - 512, `${open} open ingest connections leave descriptors for the hub's files`);
  const api = await timed(() => getFrom(`${hub.consoleUrl}/api/stats`, { localAddress: '127.0.0.2', headers: auth }));
  assert.equal(api.value.status, 200);
  assert.ok(api.ms < 2000, `console answered in ${api.ms.toFixed(0)} ms`);
  // The header timeout (otlp.headersTimeoutSeconds, 10 s) cuts the attack: new clients get in, and a
  // signed export is written to the queue.
  const m = marker('after-timeout');
  const signed = await signedLogs(hub.otlpUrl, account, m);
  await eventually(async () => (await send(hub.otlpUrl, signed, { localAddress: '127.0.0.2' })).status === 200, 'a signed request accepted once the header timeout closed the attack', 40_000);
  await eventually(async () => spread.every((a) => a.open() === 0), 'the hub closed every slowloris connection (header timeout)', 30_000);
  assert.ok(hub.stderr.some((l) => l.includes('connection limit reached')), 'refusals are logged');
  assert.equal(hub.stderr.filter((l) => l.includes('EMFILE')).length, 0, hub.stderr.join('\n'));
});
