import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alertsConfigSchema, evaluateAccountRule, evaluateProcessRule, type AccountAlertRule, type ProcessAlertRule } from '../../src/alerts/index.js';
import { hubConfigSchema } from '../../src/config/index.js';
import { processesSchema, type ProcessDefinition } from '../../src/processes/index.js';
import type { InstanceRow } from '../../src/store/types.js';

const S = 1_000_000_000n;
const NOW = 1_700_000_000n * S;
const [DEF] = processesSchema.parse([
  { name: 'order', match: { attribute: 'p', equals: 'order' }, key: 'order.id', steps: [{ name: 'a', span: 'A' }, { name: 'b', span: 'B' }], stuckAfterSeconds: 60 },
]) as [ProcessDefinition];

function inst(key: string, kind: 'done' | 'failed' | 'stuck' | 'new', durationSeconds = 1): InstanceRow {
  const start = kind === 'stuck' ? NOW - 120n * S : NOW - 10n * S;
  return {
    key,
    startNs: start,
    endNs: start + BigInt(durationSeconds) * S,
    traceIds: [],
    accounts: [],
    steps: [
      { name: 'a', seen: true, error: false, startNs: start, endNs: start + S },
      { name: 'b', seen: kind === 'done', error: false, startNs: null, endNs: kind === 'done' ? start + BigInt(durationSeconds) * S : null },
    ],
    errorSpans: kind === 'failed' ? 1 : 0,
    spanCount: 2,
  };
}

const rules = (raw: unknown[]) => alertsConfigSchema.parse({ rules: raw }).rules;

describe('process rule conditions', () => {
  it('stuck: count of stuck instances against the threshold (default 1), naming the one instance', () => {
    const [rule] = rules([{ name: 'Stuck', process: 'order', when: 'stuck' }]) as [ProcessAlertRule];
    const one = evaluateProcessRule(rule, DEF, [inst('o1', 'stuck'), inst('o2', 'done')], NOW);
    assert.deepEqual([one.active, one.value, one.instanceKey], [true, 1, 'o1']);
    const two = evaluateProcessRule(rule, DEF, [inst('o1', 'stuck'), inst('o2', 'stuck')], NOW);
    assert.deepEqual([two.active, two.value, two.instanceKey], [true, 2, undefined]);
    assert.equal(evaluateProcessRule(rule, DEF, [inst('o2', 'done'), inst('o3', 'new')], NOW).active, false);
    const [three] = rules([{ name: 'Stuck', process: 'order', when: 'stuck', threshold: 3 }]) as [ProcessAlertRule];
    assert.equal(evaluateProcessRule(three, DEF, [inst('o1', 'stuck'), inst('o2', 'stuck')], NOW).active, false);
  });

  it('errorRatio: (failed + stuck) / instances, never active without instances', () => {
    const [rule] = rules([{ name: 'Errors', process: 'order', when: 'errorRatio', threshold: 0.5 }]) as [ProcessAlertRule];
    assert.equal(evaluateProcessRule(rule, DEF, [], NOW).active, false);
    const r = evaluateProcessRule(rule, DEF, [inst('a', 'failed'), inst('b', 'stuck'), inst('c', 'done'), inst('d', 'done')], NOW);
    assert.deepEqual([r.active, r.value], [true, 0.5]);
    assert.equal(evaluateProcessRule(rule, DEF, [inst('a', 'failed'), inst('c', 'done'), inst('d', 'done')], NOW).active, false);
  });

  it('durationP95: p95 of completed instances in seconds', () => {
    const [rule] = rules([{ name: 'Slow', process: 'order', when: 'durationP95', threshold: 5 }]) as [ProcessAlertRule];
    assert.equal(evaluateProcessRule(rule, DEF, [inst('a', 'done', 4), inst('b', 'stuck')], NOW).active, false);
    const slow = evaluateProcessRule(rule, DEF, [inst('a', 'done', 4), inst('b', 'done', 6)], NOW);
    assert.deepEqual([slow.active, slow.value], [true, 6]);
  });
});

describe('account rule conditions', () => {
  const facts = { accountId: 'acct', lastSeenNs: NOW - 100n * S, acceptedItems: 90, rejectedItems: 10, throttledRequests: 0 };
  it('noData: nothing accepted within the window; never seen counts as silent', () => {
    const [rule] = rules([{ name: 'Silent', account: '*', when: 'noData', windowSeconds: 60 }]) as [AccountAlertRule];
    assert.equal(evaluateAccountRule(rule, facts, NOW).active, true);
    assert.equal(evaluateAccountRule(rule, { ...facts, lastSeenNs: NOW - 30n * S }, NOW).active, false);
    assert.equal(evaluateAccountRule(rule, { ...facts, lastSeenNs: null }, NOW).active, true);
  });
  it('rejectedRatio and throttled', () => {
    const [ratio, throttled] = rules([
      { name: 'Rejects', account: 'acct', when: 'rejectedRatio', threshold: 0.1 },
      { name: 'Throttled', account: 'acct', when: 'throttled' },
    ]) as [AccountAlertRule, AccountAlertRule];
    assert.equal(evaluateAccountRule(ratio, facts, NOW).active, true);
    assert.equal(evaluateAccountRule(ratio, { ...facts, rejectedItems: 9 }, NOW).active, false);
    assert.equal(evaluateAccountRule(ratio, { ...facts, acceptedItems: 0, rejectedItems: 0 }, NOW).active, false);
    assert.equal(evaluateAccountRule(throttled, facts, NOW).active, false);
    assert.equal(evaluateAccountRule(throttled, { ...facts, throttledRequests: 1 }, NOW).active, true);
  });
});

describe('alerts config', () => {
  it('has defaults, refuses unknown conditions, reserved labels, duplicate names and rules on unknown processes', () => {
    const c = alertsConfigSchema.parse({});
    assert.deepEqual({ interval: c.evaluateIntervalSeconds, url: c.alertmanager.url, rules: c.rules }, { interval: 15, url: null, rules: [] });
    assert.equal(alertsConfigSchema.safeParse({ rules: [{ name: 'X', process: 'order', when: 'noData' }] }).success, false, 'noData is an account condition');
    assert.equal(alertsConfigSchema.safeParse({ rules: [{ name: 'X', account: '*', when: 'stuck' }] }).success, false);
    assert.equal(alertsConfigSchema.safeParse({ rules: [{ name: 'X', account: '*', when: 'noData', labels: { alertname: 'y' } }] }).success, false);
    assert.equal(alertsConfigSchema.safeParse({ rules: [{ name: 'X', account: '*', when: 'noData' }, { name: 'X', account: '*', when: 'throttled' }] }).success, false);
    assert.equal(alertsConfigSchema.safeParse({ alertmanager: { url: 'not a url' } }).success, false);
    const bad = hubConfigSchema.safeParse({ alerts: { rules: [{ name: 'X', process: 'nope', when: 'stuck' }] } });
    assert.equal(bad.success, false);
    assert.match(JSON.stringify(bad.error?.issues), /no process named 'nope'/);
  });
});
