/**
 * Alert rules on business processes and accounts: the `alerts:` config, the pure conditions and
 * lifecycle, the engine that evaluates them on a timer, and the Alertmanager v2 client.
 */
export {
  alertsConfigSchema,
  alertRuleSchema,
  isProcessRule,
  ruleThreshold,
  ruleWindowSeconds,
  CONDITION_DEFAULTS,
  PROCESS_CONDITIONS,
  ACCOUNT_CONDITIONS,
} from './alert-config.js';
export type { AlertsConfig, AlertRule, ProcessAlertRule, AccountAlertRule, ProcessCondition, AccountCondition } from './alert-config.js';
export { evaluateProcessRule, evaluateAccountRule } from './alert-conditions.js';
export type { Observation, AccountWindowFacts } from './alert-conditions.js';
export { advanceAlert, resolveGone } from './alert-state.js';
export type { AlertState, AlertIdentity } from './alert-state.js';
export { createAlertmanagerClient, isRetryableStatus, backoffMs } from './alertmanager-client.js';
export type { AlertmanagerAlert, AlertmanagerClient, AlertmanagerClientOptions, PostOutcome } from './alertmanager-client.js';
export { startAlertEngine } from './alert-engine.js';
export type { AlertEngine, AlertEngineOptions, AlertListing } from './alert-engine.js';
