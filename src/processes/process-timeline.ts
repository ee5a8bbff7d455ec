import type { InstanceRow } from '../store/types.js';
import type { ProcessDefinition } from './process-config.js';
import { completedDurationMs, instanceStatus } from './instance-status.js';
import { percentile } from './process-summary.js';

export interface TimelinePoint {
  timeUnixNano: string;
  started: number;
  completed: number;
  failed: number;
  stuck: number;
  inFlight: number;
  p95DurationMs: number | null;
}

/**
 * Instances bucketed by their start time into steps of `stepNs` from `sinceNs` (every bucket of
 * the window is present, empty ones with zeros), each with the status counts as of `nowNs` and the
 * p95 duration of its completed instances.
 */
export function processTimeline(def: ProcessDefinition, rows: readonly InstanceRow[], sinceNs: bigint, untilNs: bigint, stepNs: bigint, nowNs: bigint): TimelinePoint[] {
  if (stepNs <= 0n) throw new RangeError('stepNs must be positive');
  const n = Number((untilNs - sinceNs + stepNs - 1n) / stepNs);
  const points: TimelinePoint[] = [];
  const durations: number[][] = [];
  for (let i = 0; i < n; i++) {
    points.push({ timeUnixNano: (sinceNs + BigInt(i) * stepNs).toString(), started: 0, completed: 0, failed: 0, stuck: 0, inFlight: 0, p95DurationMs: null });
    durations.push([]);
  }
  for (const row of rows) {
    if (row.startNs < sinceNs || row.startNs >= untilNs) continue;
    const i = Number((row.startNs - sinceNs) / stepNs);
    const point = points[i];
    if (point === undefined) continue;
    point.started++;
    point[instanceStatus(row, def, nowNs)]++;
    const d = completedDurationMs(row);
    if (d !== undefined) durations[i]?.push(d);
  }
  points.forEach((p, i) => {
    p.p95DurationMs = percentile((durations[i] ?? []).sort((a, b) => a - b), 95);
  });
  return points;
}
