/**
 * Attack: plan names that are members of Object.prototype. `POST /api/accounts` with plan
 * `constructor`, `__proto__` or `hasOwnProperty` used to answer 201, and then every ingest request
 * of that account answered 500 (the plan lookup found a function instead of nothing). Now a plan
 * that is not configured is refused with 400 naming the configured plans, a plan is looked up by
 * name in a Map, and an account whose plan is missing from the config (removed later, or stored by
 * an earlier version) falls back to `default` with a warning — never a 500.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAccount, marker, signedLogs, startSigV4Fixture, type SigV4Fixture } from '../helpers/signed-client.js';

const RESERVED = ['constructor', '__proto__', 'hasOwnProperty'];
let fx: SigV4Fixture;

before(async () => {
  fx = await startSigV4Fixture({ usagePlans: { gold: { requestsPerSecond: 50, burst: 50 } } });
});
after(async () => {
  await fx.close();
});

test('POST /api/accounts with an unconfigured plan named like an Object.prototype member: 400 naming the configured plans, nothing created', async () => {
  for (const [i, plan] of [...RESERVED, 'toString', 'valueOf', 'isPrototypeOf'].entries()) {
    const id = `reserved-${i}`;
    const r = await fx.t.api('/api/accounts', { method: 'POST', body: { id, name: 'x', plan } });
    assert.equal(r.status, 400, `${plan}: ${r.status} ${JSON.stringify(r.json)}`);
    assert.equal(r.json.error.code, 'E2E_BAD_REQUEST');
    assert.equal(r.json.error.message, `unknown usage plan '${plan}'; configured plans: default, gold`);
    assert.equal((await fx.t.api(`/api/accounts/${id}`)).status, 404);
  }
});

const PLAN = { requestsPerSecond: 50, burst: 50, bytesPerSecond: 10_485_760, quota: { limit: 0, period: 'day' as const } };

test('a configured plan called constructor is an ordinary plan: 201, and its ingest gets 200', async () => {
  // Configured by a reload, as an operator would.
  fx.t.hub.security.setPlans({ gold: PLAN, constructor: PLAN });
  const acct = await createAccount(fx.t, 'plan-constructor', 'constructor');
  assert.equal((await fx.t.api('/api/accounts/plan-constructor')).json.plan, 'constructor');
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, acct, marker('constructor-plan')));
  assert.equal(r.status, 200, r.body.toString());
});

test('an account whose stored plan is not configured (each of the three names, or a plan removed from the config) ingests on the default plan, never 500', async () => {
  const registry = fx.t.hub.security.registry;
  assert.ok(registry !== undefined);
  for (const plan of RESERVED) {
    const id = `stored-${plan.replaceAll('_', '').toLowerCase()}`;
    const acct = await createAccount(fx.t, id, 'gold');
    // As an account created by an earlier version, or whose plan was removed from the config.
    await registry.update(id, { plan });
    fx.t.hub.security.setPlans({ gold: PLAN });
    for (let i = 0; i < 3; i++) {
      const r = await fx.send(await signedLogs(fx.t.otlpUrl, acct, marker(`stored-${i}`)));
      assert.equal(r.status, 200, `${plan}: ${r.status} ${r.body.toString()}`);
    }
  }
  // And a plan removed by a config reload.
  const gold = await createAccount(fx.t, 'plan-removed', 'gold');
  fx.t.hub.security.setPlans({});
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, gold, marker('plan-removed')));
  assert.equal(r.status, 200, r.body.toString());
  // GET /api/stats describes these accounts with the same plan lookup as the limiter: never a 500.
  const stats = await fx.t.api('/api/stats');
  assert.equal(stats.status, 200, JSON.stringify(stats.json));
  const stored = stats.json.accounts.find((a: { accountId: string }) => a.accountId === 'stored-constructor');
  assert.equal(stored?.plan, 'constructor');
});
