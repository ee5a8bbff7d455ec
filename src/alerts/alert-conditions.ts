import { completedDurationMs, durationPercentiles, instanceStatus, type ProcessDefinition } from '../processes/index.js';
import type { InstanceRow } from '../store/types.js';
import { ruleThreshold, ruleWindowSeconds, type AccountAlertRule, type ProcessAlertRule } from './alert-config.js';

/** One rule's verdict on one target (a process, or an account) at one evaluation. */
export interface Observation {
  /** `process` or `account` label value. */
  target: string;
  active: boolean;
  value: number;
  summary: string;
  /** Set when the verdict concerns exactly one process instance (its page is the alert's link). */
  instanceKey?: string;
}

/** What an account rule looks at: counts within the rule's window, and the last accepted item. */
export interface AccountWindowFacts {
  accountId: string;
  lastSeenNs: bigint | null;
  acceptedItems: number;
  rejectedItems: number;
  throttledRequests: number;
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(3));

/**
 * A process rule over the instances that started within its window:
 * - `stuck`: number of stuck instances ≥ threshold (default 1);
 * - `errorRatio`: (failed + stuck) / instances ≥ threshold (default 0.05), with at least one instance;
 * - `durationP95`: p95 duration of completed instances, in seconds, ≥ threshold (default 300).
 */
export function evaluateProcessRule(rule: ProcessAlertRule, def: ProcessDefinition, rows: readonly InstanceRow[], nowNs: bigint): Observation {
  const threshold = ruleThreshold(rule);
  const window = ruleWindowSeconds(rule);
  const statuses = rows.map((r) => instanceStatus(r, def, nowNs));
  switch (rule.when) {
    case 'stuck': {
      const stuck = rows.filter((_, i) => statuses[i] === 'stuck');
      const active = stuck.length >= threshold && stuck.length > 0;
      const obs: Observation = {
        target: def.name,
        active,
        value: stuck.length,
        summary: `${stuck.length} ${def.name} instance(s) stuck (not complete after ${def.stuckAfterSeconds}s), started in the last ${window}s${stuck.length > 0 ? `: ${stuck.slice(0, 5).map((r) => r.key).join(', ')}${stuck.length > 5 ? ', …' : ''}` : ''}`,
      };
      const only = stuck.length === 1 ? stuck[0] : undefined;
      if (only !== undefined) obs.instanceKey = only.key;
      return obs;
    }
    case 'errorRatio': {
      const bad = statuses.filter((s) => s === 'failed' || s === 'stuck').length;
      const ratio = rows.length === 0 ? 0 : bad / rows.length;
      return {
        target: def.name,
        active: rows.length > 0 && ratio >= threshold,
        value: ratio,
        summary: `${def.name}: ${bad} of ${rows.length} instances failed or stuck in the last ${window}s (ratio ${fmt(ratio)}, threshold ${fmt(threshold)})`,
      };
    }
    case 'durationP95': {
      const durations: number[] = [];
      for (const r of rows) {
        const d = completedDurationMs(r);
        if (d !== undefined) durations.push(d);
      }
      const p95 = durationPercentiles(durations).p95;
      const seconds = p95 === null ? 0 : p95 / 1000;
      return {
        target: def.name,
        active: p95 !== null && seconds >= threshold,
        value: seconds,
        summary: `${def.name}: p95 duration ${fmt(seconds)}s over ${durations.length} completed instances in the last ${window}s (threshold ${fmt(threshold)}s)`,
      };
    }
  }
}

/**
 * An account rule over one account's window:
 * - `noData`: nothing accepted within the window (threshold unused);
 * - `rejectedRatio`: rejected / (accepted + rejected) items ≥ threshold (default 0.05), with at least one item;
 * - `throttled`: throttled requests ≥ threshold (default 1).
 */
export function evaluateAccountRule(rule: AccountAlertRule, facts: AccountWindowFacts, nowNs: bigint): Observation {
  const threshold = ruleThreshold(rule);
  const window = ruleWindowSeconds(rule);
  const id = facts.accountId;
  switch (rule.when) {
    case 'noData': {
      const silentSeconds = facts.lastSeenNs === null ? Number.POSITIVE_INFINITY : Number(nowNs - facts.lastSeenNs) / 1e9;
      return {
        target: id,
        active: silentSeconds > window,
        value: Number.isFinite(silentSeconds) ? silentSeconds : -1,
        summary: facts.lastSeenNs === null ? `account ${id} has sent no accepted data` : `account ${id} sent no accepted data for ${Math.round(silentSeconds)}s`,
      };
    }
    case 'rejectedRatio': {
      const total = facts.acceptedItems + facts.rejectedItems;
      const ratio = total === 0 ? 0 : facts.rejectedItems / total;
      return {
        target: id,
        active: total > 0 && ratio >= threshold,
        value: ratio,
        summary: `account ${id}: ${facts.rejectedItems} of ${total} items rejected by validation in the last ${window}s (ratio ${fmt(ratio)}, threshold ${fmt(threshold)})`,
      };
    }
    case 'throttled':
      return {
        target: id,
        active: facts.throttledRequests >= threshold && facts.throttledRequests > 0,
        value: facts.throttledRequests,
        summary: `account ${id}: ${facts.throttledRequests} requests throttled by its usage plan in the last ${window}s`,
      };
  }
}
