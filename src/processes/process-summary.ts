import type { InstanceRow } from '../store/types.js';
import type { ProcessDefinition } from './process-config.js';
import { completedDurationMs, instanceStatus, type InstanceStatus } from './instance-status.js';

export interface DurationPercentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface ProcessSummary {
  name: string;
  instances: number;
  completed: number;
  failed: number;
  stuck: number;
  inFlight: number;
  durationMs: DurationPercentiles;
  steps: { name: string; seen: number; failed: number }[];
  slo: { met: boolean; p95DurationMs: number | null; errorRatio: number; maxDurationSeconds: number; maxErrorRatio: number };
}

/**
 * Nearest-rank percentile (the smallest value with at least p% of the values at or below it) of
 * ascending `sorted`; null for no values.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? null;
}

export function durationPercentiles(durationsMs: readonly number[]): DurationPercentiles {
  const sorted = [...durationsMs].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

export function countStatuses(rows: readonly InstanceRow[], def: ProcessDefinition, nowNs: bigint): Record<InstanceStatus, number> {
  const counts: Record<InstanceStatus, number> = { completed: 0, failed: 0, stuck: 0, inFlight: 0 };
  for (const row of rows) counts[instanceStatus(row, def, nowNs)]++;
  return counts;
}

/**
 * The figures of `GET /api/processes` for one process over the instances of a window. Steps count
 * instances (`seen`: the step's span was seen; `failed`: it had status ERROR). `slo.met`: the
 * completed instances' p95 duration is within `maxDurationSeconds` (true when none completed) and
 * (failed + stuck) / instances is at most `maxErrorRatio` (0 when there are no instances).
 */
export function summariseProcess(def: ProcessDefinition, rows: readonly InstanceRow[], nowNs: bigint): ProcessSummary {
  const counts = countStatuses(rows, def, nowNs);
  const durations: number[] = [];
  for (const row of rows) {
    const d = completedDurationMs(row);
    if (d !== undefined) durations.push(d);
  }
  const durationMs = durationPercentiles(durations);
  const steps = def.steps.map((step, i) => {
    let seen = 0;
    let failed = 0;
    for (const row of rows) {
      const s = row.steps[i];
      if (s?.seen === true) seen++;
      if (s?.error === true) failed++;
    }
    return { name: step.name, seen, failed };
  });
  const errorRatio = rows.length === 0 ? 0 : (counts.failed + counts.stuck) / rows.length;
  const durationOk = durationMs.p95 === null || durationMs.p95 <= def.slo.maxDurationSeconds * 1000;
  return {
    name: def.name,
    instances: rows.length,
    ...counts,
    durationMs,
    steps,
    slo: {
      met: durationOk && errorRatio <= def.slo.maxErrorRatio,
      p95DurationMs: durationMs.p95,
      errorRatio,
      maxDurationSeconds: def.slo.maxDurationSeconds,
      maxErrorRatio: def.slo.maxErrorRatio,
    },
  };
}
