/**
 * Business processes followed across accounts by their business key: the `processes:` config, the
 * live catalog of definitions, and the pure rules that turn stored instances into statuses,
 * durations, summaries and timelines.
 */
export { processDefinitionSchema, processesSchema } from './process-config.js';
export type { ProcessDefinition } from './process-config.js';
export { createProcessCatalog, toStoreDefinition } from './process-catalog.js';
export type { ProcessCatalog } from './process-catalog.js';
export {
  instanceStatus,
  instanceDurationMs,
  completedDurationMs,
  stepStatus,
  nsToMs,
  secondsToNs,
  INSTANCE_STATUSES,
} from './instance-status.js';
export type { InstanceStatus, StepStatus } from './instance-status.js';
export { summariseProcess, percentile, durationPercentiles, countStatuses } from './process-summary.js';
export type { ProcessSummary, DurationPercentiles } from './process-summary.js';
export { processTimeline } from './process-timeline.js';
export type { TimelinePoint } from './process-timeline.js';
