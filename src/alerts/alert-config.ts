import { z } from 'zod';
import { uniqueNames } from '../config/unique-names.js';

/**
 * `alerts:` in the hub config (DESIGN "Alerts"): rules on processes and accounts, evaluated by the
 * hub every `evaluateIntervalSeconds`, posted to Alertmanager when `alertmanager.url` is set.
 */
export const PROCESS_CONDITIONS = ['stuck', 'errorRatio', 'durationP95'] as const;
export const ACCOUNT_CONDITIONS = ['noData', 'rejectedRatio', 'throttled'] as const;
export type ProcessCondition = (typeof PROCESS_CONDITIONS)[number];
export type AccountCondition = (typeof ACCOUNT_CONDITIONS)[number];

/** Threshold and window defaults per condition (see docs/notes/processes.md for the meaning). */
export const CONDITION_DEFAULTS: Record<ProcessCondition | AccountCondition, { threshold: number; windowSeconds: number }> = {
  stuck: { threshold: 1, windowSeconds: 3600 },
  errorRatio: { threshold: 0.05, windowSeconds: 300 },
  durationP95: { threshold: 300, windowSeconds: 300 },
  noData: { threshold: 0, windowSeconds: 300 },
  rejectedRatio: { threshold: 0.05, windowSeconds: 300 },
  throttled: { threshold: 1, windowSeconds: 300 },
};

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const common = {
  name: z.string().regex(NAME, 'an alert name is a Prometheus-style name: A-Z, a-z, 0-9, _ (not starting with a digit), at most 128'),
  threshold: z.number().min(0).optional(),
  windowSeconds: z.number().int().min(10).max(31 * 86_400).optional(),
  forSeconds: z.number().min(0).max(31 * 86_400).default(0),
  /** Extra labels on the alert, e.g. { severity: page }. */
  labels: z
    .record(z.string().regex(LABEL_NAME, 'label names are A-Z, a-z, 0-9, _'), z.string().max(1024))
    .default({})
    .refine((l) => !('alertname' in l) && !('process' in l) && !('account' in l), 'labels alertname, process and account are set by the hub'),
  summary: z.string().max(1024).optional(),
};

const processRuleSchema = z.object({ ...common, process: z.string().min(1), when: z.enum(PROCESS_CONDITIONS) }).strict();
/** `account: "*"` watches every account, one alert per account. */
const accountRuleSchema = z.object({ ...common, account: z.string().min(1).max(64), when: z.enum(ACCOUNT_CONDITIONS) }).strict();

export const alertRuleSchema = z.union([processRuleSchema, accountRuleSchema]);

export const alertsConfigSchema = z
  .object({
    evaluateIntervalSeconds: z.number().min(1).max(3600).default(15),
    alertmanager: z
      .object({
        url: z.string().url().nullable().default(null),
        timeoutSeconds: z.number().positive().max(60).default(5),
        headers: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .prefault({}),
    /** How long resolved alerts stay listed by GET /api/alerts. */
    keepResolvedSeconds: z.number().min(0).default(3600),
    rules: z
      .array(alertRuleSchema)
      .max(500)
      .default([])
      .superRefine(uniqueNames('alert rule name')),
  })
  .strict();

export type AlertsConfig = z.infer<typeof alertsConfigSchema>;
export type AlertRule = z.infer<typeof alertRuleSchema>;
export type ProcessAlertRule = z.infer<typeof processRuleSchema>;
export type AccountAlertRule = z.infer<typeof accountRuleSchema>;

export function isProcessRule(rule: AlertRule): rule is ProcessAlertRule {
  return 'process' in rule;
}

export function ruleThreshold(rule: AlertRule): number {
  return rule.threshold ?? CONDITION_DEFAULTS[rule.when].threshold;
}

export function ruleWindowSeconds(rule: AlertRule): number {
  return rule.windowSeconds ?? CONDITION_DEFAULTS[rule.when].windowSeconds;
}
