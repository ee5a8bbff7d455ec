import { alertsConfigSchema } from '../alerts/index.js';
import type { HubConfig } from '../config/index.js';
import { processesSchema } from '../processes/index.js';
import { ORDER_PROCESS } from './business-process.js';

/** The demo's alert rules (no Alertmanager by default: they show in the console's alerts view). */
export const DEMO_ALERT_RULES = [
  { name: 'OrdersStuck', process: 'order', when: 'stuck', threshold: 1, windowSeconds: 3600, forSeconds: 30 },
  { name: 'OrderErrors', process: 'order', when: 'errorRatio', threshold: 0.1, windowSeconds: 300, forSeconds: 60 },
  { name: 'AccountSilent', account: '*', when: 'noData', windowSeconds: 300, forSeconds: 300 },
] as const;

/**
 * The demo hub's config: the given one, plus the order process and the demo alert rules when the
 * config defines no processes (resp. no alert rules) of its own.
 */
export function withDemoDefinitions(config: HubConfig): HubConfig {
  const processes = config.processes.length > 0 ? config.processes : processesSchema.parse([ORDER_PROCESS]);
  const alerts =
    config.alerts.rules.length > 0 || !processes.some((p) => p.name === 'order')
      ? config.alerts
      : alertsConfigSchema.parse({ ...config.alerts, rules: DEMO_ALERT_RULES });
  return { ...config, processes, alerts };
}
