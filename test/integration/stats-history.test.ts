/**
 * Account statistics: the additive /api/stats fields (plan, status, quota, last seen, rejections by
 * rule) and /api/stats/history, counts within each step, kept on disk across a hub restart.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccount, send, signedLogs } from '../helpers/signed-client.js';
import { eventually, startTestHub, type TestHub } from '../helpers/test-hub.js';

const ACCOUNT = '123456789012';

/** OTLP JSON logs: `good` records with source.name, `bad` without (dropped by the default rule). */
async function sendLogs(t: TestHub, good: number, bad: number): Promise<void> {
  const record = (text: string) => ({ timeUnixNano: String(Date.now() * 1_000_000), body: { stringValue: text } });
  const resourceLogs = [];
  if (good > 0) {
    resourceLogs.push({
      resource: { attributes: [{ key: 'source.name', value: { stringValue: 'history-test' } }] },
      scopeLogs: [{ logRecords: Array.from({ length: good }, (_, i) => record(`good ${i}`)) }],
    });
  }
  if (bad > 0) resourceLogs.push({ resource: { attributes: [] }, scopeLogs: [{ logRecords: Array.from({ length: bad }, (_, i) => record(`bad ${i}`)) }] });
  const res = await fetch(`${t.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resourceLogs }) });
  assert.equal(res.status, 200, await res.text());
}

interface Point {
  timeUnixNano: string;
  accepted: { logRecords: number };
  rejected: { logRecords: number };
  rejectedByRule: Record<string, number>;
}

async function historyTotals(t: TestHub, since: bigint): Promise<{ accepted: number; rejected: number; byRule: Record<string, number>; points: Point[]; stepSeconds: number }> {
  const r = await t.api(`/api/stats/history?stepSeconds=10&since=${since}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const series = (r.json.series as { accountId: string; points: Point[] }[]).find((s) => s.accountId === ACCOUNT);
  const points = series?.points ?? [];
  const byRule: Record<string, number> = {};
  for (const p of points) for (const [k, v] of Object.entries(p.rejectedByRule)) byRule[k] = (byRule[k] ?? 0) + v;
  return {
    accepted: points.reduce((n, p) => n + p.accepted.logRecords, 0),
    rejected: points.reduce((n, p) => n + p.rejected.logRecords, 0),
    byRule,
    points,
    stepSeconds: r.json.stepSeconds,
  };
}

it('history counts within each step and survives a hub restart, as do the stats fields and viewer tokens', { timeout: 60_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'e2e-history-'));
  const since = BigInt(Date.now() - 60_000) * 1_000_000n;
  try {
    let t = await startTestHub({}, { dataDir });
    let viewerToken: string;
    try {
      await sendLogs(t, 3, 1);
      const stats = (await t.api('/api/stats')).json.accounts.find((a: { accountId: string }) => a.accountId === ACCOUNT);
      assert.equal(stats.accepted.logRecords, 3);
      assert.equal(stats.rejected.logRecords, 1);
      assert.deepEqual(stats.rejectedByRule, { 'logs.resource.source.name': 1 });
      const lastSeen = BigInt(stats.lastSeenUnixNano);
      assert.ok(lastSeen > since && lastSeen <= BigInt(Date.now()) * 1_000_000n);
      // auth.mode none: no registry entry, so plan and status are unknown.
      assert.equal(stats.plan, null);
      assert.equal(stats.quota, null);

      // Not yet flushed to disk, and already in the history.
      const before = await historyTotals(t, since);
      assert.equal(before.stepSeconds, 10);
      assert.deepEqual({ accepted: before.accepted, rejected: before.rejected, byRule: before.byRule }, { accepted: 3, rejected: 1, byRule: { 'logs.resource.source.name': 1 } });
      const created = await t.api('/api/tokens', { method: 'POST', body: { name: 'history viewer', accounts: [ACCOUNT] } });
      viewerToken = created.json.token;
    } finally {
      await t.close();
    }

    t = await startTestHub({}, { dataDir });
    try {
      const after = await historyTotals(t, since);
      assert.deepEqual({ accepted: after.accepted, rejected: after.rejected, byRule: after.byRule }, { accepted: 3, rejected: 1, byRule: { 'logs.resource.source.name': 1 } }, 'history read back from disk');
      await sendLogs(t, 2, 0);
      const more = await historyTotals(t, since);
      // Counts within steps: the sum over the window is what was sent, not a running total.
      assert.equal(more.accepted, 5);
      assert.equal(more.rejected, 1);
      const busy = more.points.filter((p) => p.accepted.logRecords > 0);
      assert.ok(busy.length >= 1 && busy.every((p) => p.accepted.logRecords <= 5));
      // Points are consecutive 10 s steps, oldest first, aligned to the step.
      const times = more.points.map((p) => BigInt(p.timeUnixNano));
      assert.ok(times.every((v, i) => v % 10_000_000_000n === 0n && (i === 0 || v - times[i - 1]! === 10_000_000_000n)));
      const totals = (await t.api('/api/stats')).json.accounts.find((a: { accountId: string }) => a.accountId === ACCOUNT);
      assert.equal(totals.accepted.logRecords, 5, 'totals survive the restart too');
      const who = await fetch(`${t.consoleUrl}/api/whoami`, { headers: { authorization: `Bearer ${viewerToken}` } });
      assert.equal(who.status, 200, 'viewer tokens survive a restart');
    } finally {
      await t.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

it('/api/stats shows plan, status, quota use and registry accounts that never sent', { timeout: 60_000 }, async () => {
  const t = await startTestHub({ auth: { mode: 'sigv4' }, usagePlans: { metered: { quota: { limit: 100, period: 'day' } } } });
  try {
    const a = await createAccount(t, 'acct-metered', 'metered');
    await createAccount(t, 'acct-idle');
    for (let i = 0; i < 2; i++) {
      const reply = await send(t.otlpUrl, await signedLogs(t.otlpUrl, a, `quota ${i}`));
      assert.equal(reply.status, 200);
    }
    await t.api(`/api/accounts/acct-idle/revoke`, { method: 'POST' });
    const accounts = await eventually(async () => {
      const r = await t.api('/api/stats');
      return r.json.accounts.length === 2 ? (r.json.accounts as Record<string, any>[]) : undefined;
    }, 'both accounts listed');
    const metered = accounts.find((x) => x.accountId === 'acct-metered')!;
    assert.equal(metered.plan, 'metered');
    assert.equal(metered.status, 'active');
    assert.equal(metered.quota.limit, 100);
    assert.equal(metered.quota.used, 2);
    assert.equal(metered.quota.period, 'day');
    const resets = BigInt(metered.quota.resetsAtUnixNano);
    assert.ok(resets > BigInt(Date.now()) * 1_000_000n && resets <= BigInt(Date.now() + 86_400_000) * 1_000_000n);
    const idle = accounts.find((x) => x.accountId === 'acct-idle')!;
    assert.deepEqual(
      { plan: idle.plan, status: idle.status, quota: idle.quota, lastSeen: idle.lastSeenUnixNano, accepted: idle.accepted },
      { plan: 'default', status: 'revoked', quota: null, lastSeen: null, accepted: { spans: 0, dataPoints: 0, logRecords: 0 } },
    );
  } finally {
    await t.close();
  }
});
