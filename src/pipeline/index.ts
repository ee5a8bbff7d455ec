export { validateRequest, ruleName, rejectionMessage } from './validate.js';
export type { ValidationResult } from './validate.js';
export { enrichRequest, ACCOUNT_ATTRIBUTE } from './enrich.js';
export { encodeQueueRecord, decodeQueueRecord } from './queue-record.js';
export type { QueueEntry } from './queue-record.js';
