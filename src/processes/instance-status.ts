import type { InstanceRow } from '../store/types.js';
import type { ProcessDefinition } from './process-config.js';

export type InstanceStatus = 'completed' | 'failed' | 'stuck' | 'inFlight';
export const INSTANCE_STATUSES: readonly InstanceStatus[] = ['completed', 'failed', 'stuck', 'inFlight'];

export type StepStatus = 'ok' | 'error' | 'missing';

const NS_PER_SECOND = 1_000_000_000n;

/**
 * DESIGN's rule, applied in this order: `completed` when its last step was seen; `failed` when any
 * of its spans has status ERROR; `stuck` when neither and its first span started more than
 * `stuckAfterSeconds` before `nowNs`; else `inFlight`. So a completed instance with an error span
 * (a retried payment) counts as completed.
 */
export function instanceStatus(row: InstanceRow, def: Pick<ProcessDefinition, 'stuckAfterSeconds'>, nowNs: bigint): InstanceStatus {
  const last = row.steps[row.steps.length - 1];
  if (last?.seen === true) return 'completed';
  if (row.errorSpans > 0) return 'failed';
  const stuckAfterNs = BigInt(Math.round(def.stuckAfterSeconds * 1e9));
  if (nowNs - row.startNs > stuckAfterNs) return 'stuck';
  return 'inFlight';
}

/**
 * Duration of an instance in milliseconds: for a completed one, from the start of its first span to
 * the end of its last step's span (work after the last step, e.g. a notification, is not counted);
 * otherwise from its first span's start to the latest span end seen so far.
 */
export function instanceDurationMs(row: InstanceRow): number {
  const last = row.steps[row.steps.length - 1];
  const endNs = last?.seen === true && last.endNs !== null ? last.endNs : row.endNs;
  return nsToMs(endNs - row.startNs);
}

/** The duration of a completed instance, or undefined when it has not completed. */
export function completedDurationMs(row: InstanceRow): number | undefined {
  const last = row.steps[row.steps.length - 1];
  return last?.seen === true ? instanceDurationMs(row) : undefined;
}

export function stepStatus(step: InstanceRow['steps'][number]): StepStatus {
  return !step.seen ? 'missing' : step.error ? 'error' : 'ok';
}

export function nsToMs(ns: bigint): number {
  return Math.max(0, Number(ns) / 1e6);
}

export function secondsToNs(seconds: number): bigint {
  return BigInt(Math.round(seconds * 1e9));
}

export { NS_PER_SECOND };
