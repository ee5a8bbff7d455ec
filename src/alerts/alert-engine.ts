import type { Logger } from 'pino';
import type { ProcessCatalog } from '../processes/index.js';
import { toStoreDefinition } from '../processes/index.js';
import type { StatsHistory } from '../stats/index.js';
import type { EmbeddedStore } from '../store/types.js';
import { isProcessRule, ruleWindowSeconds, type AlertsConfig } from './alert-config.js';
import { evaluateAccountRule, evaluateProcessRule, type AccountWindowFacts, type Observation } from './alert-conditions.js';
import { advanceAlert, resolveGone, type AlertState } from './alert-state.js';
import { createAlertmanagerClient, type AlertmanagerAlert, type AlertmanagerClient } from './alertmanager-client.js';

/** An alert as `GET /api/alerts` lists it. */
export interface AlertListing {
  name: string;
  state: 'firing' | 'resolved';
  labels: Record<string, string>;
  summary: string;
  startsAt: string;
  endsAt: string | null;
  generatorURL: string;
}

export interface AlertEngineOptions {
  /** The alerts config in force (read at every evaluation, so reloads apply at the next one). */
  config: () => AlertsConfig;
  processes: ProcessCatalog;
  store: EmbeddedStore | undefined;
  /** Every account an `account: "*"` rule watches. */
  accounts: () => readonly string[];
  /** When the account's last item was accepted (unix ns), or null. */
  lastSeenNs: (accountId: string) => bigint | null;
  history: StatsHistory | undefined;
  /** Base of the alerts' links, e.g. http://console.example:3000 (no trailing slash). */
  publicUrl: string;
  logger: Logger;
  now?: () => number;
}

export interface AlertEngine {
  list(): AlertListing[];
  /** Runs one evaluation now (tests; the timer runs them every `evaluateIntervalSeconds`). */
  evaluateNow(): Promise<void>;
  stop(): Promise<void>;
}

/** Instances read per process rule evaluation. */
const MAX_RULE_INSTANCES = 50_000;

/**
 * Evaluates the alert rules on its own timer (the next run is scheduled when the previous one ended,
 * so a slow store or Alertmanager never piles runs up), tracks each alert's lifecycle and posts
 * firing alerts (every evaluation, as Prometheus re-sends, with endsAt a few intervals ahead so
 * Alertmanager resolves them by itself if the hub goes away) and resolved ones (until accepted).
 */
export function startAlertEngine(options: AlertEngineOptions): AlertEngine {
  const now = options.now ?? Date.now;
  const { logger } = options;
  const alerts = new Map<string, AlertState>();
  let client: { key: string; client: AlertmanagerClient } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const warned = new Set<string>();

  const warnOnce = (key: string, fields: Record<string, unknown>, msg: string): void => {
    if (warned.has(key)) return;
    warned.add(key);
    logger.warn(fields, msg);
  };

  const clientFor = (config: AlertsConfig): AlertmanagerClient | undefined => {
    const am = config.alertmanager;
    if (am.url === null) return undefined;
    const key = JSON.stringify(am);
    if (client?.key !== key) {
      client = { key, client: createAlertmanagerClient({ url: am.url, timeoutMs: am.timeoutSeconds * 1000, headers: am.headers, logger }) };
    }
    return client.client;
  };

  const link = (path: string): string => `${options.publicUrl}${path}`;

  async function accountFacts(ids: readonly string[], windowSeconds: number, nowMs: number): Promise<Map<string, AccountWindowFacts>> {
    const out = new Map<string, AccountWindowFacts>();
    for (const id of ids) out.set(id, { accountId: id, lastSeenNs: options.lastSeenNs(id), acceptedItems: 0, rejectedItems: 0, throttledRequests: 0 });
    if (options.history === undefined || ids.length === 0) return out;
    const untilNs = BigInt(nowMs) * 1_000_000n;
    // Steps of 10 s (the history's granularity) up to ~1000 of them; longer windows are approximate at step edges.
    const stepSeconds = Math.max(10, Math.ceil(windowSeconds / 1000));
    const series = await options.history.query({ accounts: ids, since: untilNs - BigInt(windowSeconds) * 1_000_000_000n, until: untilNs + 1n, stepSeconds });
    for (const s of series) {
      const f = out.get(s.accountId);
      if (f === undefined) continue;
      for (const p of s.points) {
        f.acceptedItems += p.accepted.spans + p.accepted.dataPoints + p.accepted.logRecords;
        f.rejectedItems += p.rejected.spans + p.rejected.dataPoints + p.rejected.logRecords;
        f.throttledRequests += p.throttledRequests;
      }
    }
    return out;
  }

  async function evaluate(): Promise<void> {
    const config = options.config();
    const nowMs = now();
    const nowNs = BigInt(nowMs) * 1_000_000n;
    const observed = new Set<string>();

    const apply = (ruleName: string, forSeconds: number, extraLabels: Record<string, string>, kind: 'process' | 'account', obs: Observation, url: string): void => {
      const id = `${ruleName}\u0000${kind}\u0000${obs.target}`;
      observed.add(id);
      const prev = alerts.get(id);
      const next = advanceAlert(prev, { id, rule: ruleName, labels: { ...extraLabels, alertname: ruleName, [kind]: obs.target }, generatorURL: url }, obs, forSeconds, nowMs);
      if (next === undefined) alerts.delete(id);
      else {
        alerts.set(id, next);
        if (next.state === 'firing' && prev?.state !== 'firing') logger.info({ alert: ruleName, [kind]: obs.target, summary: obs.summary }, 'alert firing');
        if (next.state === 'resolved' && prev?.state === 'firing') logger.info({ alert: ruleName, [kind]: obs.target }, 'alert resolved');
      }
    };

    for (const rule of config.rules) {
      const windowSeconds = ruleWindowSeconds(rule);
      if (isProcessRule(rule)) {
        const def = options.processes.get(rule.process);
        if (def === undefined || options.store === undefined) {
          warnOnce(`rule:${rule.name}`, { alert: rule.name, process: rule.process }, options.store === undefined ? 'alert rule needs the embedded store; not evaluated' : 'alert rule names an unknown process; not evaluated');
          continue;
        }
        const rows = await options.store.processInstances(toStoreDefinition(def), {
          since: nowNs - BigInt(windowSeconds) * 1_000_000_000n,
          until: nowNs + 1n,
          limit: MAX_RULE_INSTANCES,
        });
        const obs = evaluateProcessRule(rule, def, rows, nowNs);
        const url =
          obs.instanceKey === undefined
            ? link(`/processes/${encodeURIComponent(def.name)}`)
            : link(`/processes/${encodeURIComponent(def.name)}/instances/${encodeURIComponent(obs.instanceKey)}`);
        apply(rule.name, rule.forSeconds, rule.labels, 'process', { ...obs, summary: rule.summary ?? obs.summary }, url);
      } else {
        const ids = rule.account === '*' ? options.accounts() : [rule.account];
        const facts = await accountFacts(ids, windowSeconds, nowMs);
        for (const f of facts.values()) {
          const obs = evaluateAccountRule(rule, f, nowNs);
          apply(rule.name, rule.forSeconds, rule.labels, 'account', { ...obs, summary: rule.summary ?? obs.summary }, link(`/accounts/${encodeURIComponent(f.accountId)}`));
        }
      }
    }

    for (const [id, prev] of alerts) {
      if (observed.has(id)) continue;
      const next = resolveGone(prev, nowMs);
      if (next === undefined) alerts.delete(id);
      else alerts.set(id, next);
    }
    for (const [id, a] of alerts) {
      if (a.state === 'resolved' && !a.resolveUnsent && a.resolvedAtMs !== null && nowMs - a.resolvedAtMs > config.keepResolvedSeconds * 1000) alerts.delete(id);
    }

    const am = clientFor(config);
    const resolvedToSend = [...alerts.values()].filter((a) => a.state === 'resolved' && a.resolveUnsent);
    if (am === undefined) {
      for (const a of resolvedToSend) a.resolveUnsent = false;
      return;
    }
    // Alertmanager resolves a firing alert by itself at endsAt unless it is re-sent: a few intervals ahead.
    const firingEndsAt = new Date(nowMs + Math.max(4 * config.evaluateIntervalSeconds, 60) * 1000).toISOString();
    const batch: AlertmanagerAlert[] = [];
    for (const a of alerts.values()) {
      if (a.state === 'firing' || (a.state === 'resolved' && a.resolveUnsent)) {
        batch.push({
          labels: a.labels,
          annotations: { summary: a.summary },
          startsAt: new Date(a.activeSinceMs).toISOString(),
          endsAt: a.state === 'firing' ? firingEndsAt : new Date(a.resolvedAtMs ?? nowMs).toISOString(),
          generatorURL: a.generatorURL,
        });
      }
    }
    if (batch.length === 0) return;
    if ((await am.post(batch)) === 'sent') for (const a of resolvedToSend) a.resolveUnsent = false;
  }

  const runOnce = (): Promise<void> => {
    running ??= evaluate()
      .catch((err: unknown) => logger.warn({ err }, 'alert evaluation failed; retrying at the next interval'))
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      void runOnce().then(schedule);
    }, options.config().evaluateIntervalSeconds * 1000);
    timer.unref();
  };
  schedule();

  return {
    list() {
      const out: AlertListing[] = [];
      for (const a of alerts.values()) {
        if (a.state === 'pending') continue;
        out.push({
          name: a.rule,
          state: a.state,
          labels: { ...a.labels },
          summary: a.summary,
          startsAt: new Date(a.activeSinceMs).toISOString(),
          endsAt: a.resolvedAtMs === null ? null : new Date(a.resolvedAtMs).toISOString(),
          generatorURL: a.generatorURL,
        });
      }
      return out.sort((x, y) => (x.state === y.state ? y.startsAt.localeCompare(x.startsAt) : x.state === 'firing' ? -1 : 1));
    },
    evaluateNow: runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
