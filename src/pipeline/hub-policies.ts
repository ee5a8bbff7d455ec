import type { Signal } from '../otlp/model.js';
import { ACCOUNT_PLACEHOLDER, compileScanPolicy, type OtlpLimits, type ScanPolicy, type ScanRule } from '../otlp/scan/index.js';

/** Resource attribute naming the authenticated account; whatever the sender put there is replaced. */
export const ACCOUNT_ATTRIBUTE = 'e2e.account.id';

/** The hub's scan policy per signal: its validation rules, its limits, and the account stamp. */
export interface HubPolicies {
  forSignal(signal: Signal): ScanPolicy;
  /** Recompiles for new rules (config reload). */
  setRules(rules: readonly ScanRule[]): void;
}

export function createHubPolicies(limits: OtlpLimits, rules: readonly ScanRule[]): HubPolicies {
  let compiled: Record<Signal, ScanPolicy>;
  const compile = (r: readonly ScanRule[]): Record<Signal, ScanPolicy> => {
    const one = (signal: Signal): ScanPolicy =>
      compileScanPolicy({ signal, limits, rules: r, setResourceAttributes: { [ACCOUNT_ATTRIBUTE]: ACCOUNT_PLACEHOLDER } });
    return { traces: one('traces'), metrics: one('metrics'), logs: one('logs') };
  };
  compiled = compile(rules);
  return {
    forSignal: (signal) => compiled[signal],
    setRules(r) {
      compiled = compile(r);
    },
  };
}
