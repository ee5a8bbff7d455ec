import type { Signal } from '../model.js';
import { ITEM_LIMITS, limitText, type ItemLimit, type OtlpLimits } from './limits.js';
import type { OptIn } from './opt-in.js';

/**
 * What one pass over a request does besides checking it: the validation rules that drop items,
 * the resource attributes it stamps, the data point attributes it adds when absent, and an opt-in
 * filter (the agent's: what may leave the account). Compiled once per configuration, not per
 * request: keys become byte strings the scanner compares without decoding.
 */
export interface ScanRule {
  signal: Signal;
  attribute: string;
  /** 'resource' checks resource attributes; anything else the item's own attributes. */
  on: 'resource' | 'datapoint' | 'record' | 'span';
}

export interface ScanPolicyOptions {
  signal: Signal;
  limits: OtlpLimits;
  rules?: readonly ScanRule[];
  /** Set on every resource, replacing whatever the sender put there (the value is appended last). */
  setResourceAttributes?: Readonly<Record<string, string>>;
  /** Added to every resource that lacks a non-empty value for the key. */
  defaultResourceAttributes?: Readonly<Record<string, string>>;
  /** Added to every metric data point that lacks a non-empty value for the key. */
  defaultPointAttributes?: Readonly<Record<string, string>>;
  optIn?: OptIn;
}

/** Why an item was dropped: a validation rule, or an item-level limit. */
export interface Reason {
  /** Metric label and message name, e.g. `logs.resource.source.name` or `limits.maxAttributeKeyBytes`. */
  name: string;
  /** The partial_success phrase after "N spans rejected by …". */
  text: string;
}

export interface CompiledRule {
  onResource: boolean;
  /** Index into the resource or item key table. */
  key: number;
  reason: number;
}

/** A policy with keys as bytes and reasons as indexes. */
export interface ScanPolicy {
  readonly signal: Signal;
  readonly limits: OtlpLimits;
  readonly rules: readonly CompiledRule[];
  /** Keys looked up in resource attribute lists; the first `resourceRuleKeys` serve rules. */
  readonly resourceKeys: readonly Uint8Array[];
  /** Keys looked up in item attribute lists. */
  readonly itemKeys: readonly Uint8Array[];
  /** Resource key indexes to remove and re-add (set), with the encoded values appended. */
  readonly setKeys: readonly number[];
  readonly setAttributes: readonly [string, string][];
  /** Resource key indexes added when absent. */
  readonly defaultResourceKeys: readonly number[];
  readonly defaultResourceAttributes: readonly [string, string][];
  /** Item key indexes added to data points when absent. */
  readonly defaultPointKeys: readonly number[];
  readonly defaultPointAttributes: readonly [string, string][];
  readonly optIn: OptIn | undefined;
  /** Item keys (indexes) of the opt-in attribute conditions, resource and item side. */
  readonly optInResourceKeys: readonly number[];
  readonly optInItemKeys: readonly number[];
  readonly optInValues: readonly string[];
  readonly reasons: readonly Reason[];
  /** Reason index of each item-level limit. */
  readonly limitReason: Readonly<Record<ItemLimit, number>>;
}

const ITEM_NOUN: Record<Signal, string> = { traces: 'spans', metrics: 'data points', logs: 'log records' };

/** The noun a signal's items are counted in ("spans", "data points", "log records"). */
export function itemNoun(signal: Signal): string {
  return ITEM_NOUN[signal];
}

/** Stable, human-readable rule name used in partial_success messages and metric labels. */
export function ruleName(rule: ScanRule): string {
  return `${rule.signal}.${rule.on}.${rule.attribute}`;
}

export function compileScanPolicy(options: ScanPolicyOptions): ScanPolicy {
  const resourceKeys: string[] = [];
  const itemKeys: string[] = [];
  const keyIndex = (table: string[], key: string): number => {
    const i = table.indexOf(key);
    if (i !== -1) return i;
    table.push(key);
    return table.length - 1;
  };
  const reasons: Reason[] = [];
  const rules: CompiledRule[] = [];
  for (const rule of options.rules ?? []) {
    if (rule.signal !== options.signal) continue;
    const onResource = rule.on === 'resource';
    const name = ruleName(rule);
    let reason = reasons.findIndex((r) => r.name === name);
    if (reason === -1) {
      reasons.push({ name, text: `rule ${name}: ${rule.on} attribute '${rule.attribute}' is required` });
      reason = reasons.length - 1;
    }
    rules.push({ onResource, key: keyIndex(onResource ? resourceKeys : itemKeys, rule.attribute), reason });
  }
  const limitReason = {} as Record<ItemLimit, number>;
  for (const limit of ITEM_LIMITS) {
    reasons.push({ name: `limits.${limit}`, text: `limit ${limit}: ${limitText(limit, options.limits)}` });
    limitReason[limit] = reasons.length - 1;
  }
  const setAttributes = Object.entries(options.setResourceAttributes ?? {});
  const defaultResourceAttributes = Object.entries(options.defaultResourceAttributes ?? {}).filter(([k]) => !(k in (options.setResourceAttributes ?? {})));
  const defaultPointAttributes = options.signal === 'metrics' ? Object.entries(options.defaultPointAttributes ?? {}) : [];
  const setKeys = setAttributes.map(([k]) => keyIndex(resourceKeys, k));
  const defaultResourceKeys = defaultResourceAttributes.map(([k]) => keyIndex(resourceKeys, k));
  const defaultPointKeys = defaultPointAttributes.map(([k]) => keyIndex(itemKeys, k));

  const optIn = options.optIn;
  const conditions = optIn === undefined ? [] : options.signal === 'logs' ? optIn.logAttributes : options.signal === 'traces' ? optIn.traceAttributes : [];
  const optInResourceKeys = conditions.map(([k]) => keyIndex(resourceKeys, k));
  const optInItemKeys = conditions.map(([k]) => keyIndex(itemKeys, k));

  const encode = (keys: string[]): Uint8Array[] => keys.map((k) => new Uint8Array(Buffer.from(k, 'utf8')));
  return {
    signal: options.signal,
    limits: options.limits,
    rules,
    resourceKeys: encode(resourceKeys),
    itemKeys: encode(itemKeys),
    setKeys,
    setAttributes,
    defaultResourceKeys,
    defaultResourceAttributes,
    defaultPointKeys,
    defaultPointAttributes,
    optIn,
    optInResourceKeys,
    optInItemKeys,
    optInValues: conditions.map(([, v]) => v),
    reasons,
    limitReason,
  };
}
