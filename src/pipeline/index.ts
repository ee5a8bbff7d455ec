/**
 * The data path between decompression and the queue: the queue record format shared by hub and
 * agent, and the one-pass preparation of a request into a record.
 */
export { prepareRecord, rejectionMessage } from './prepare-record.js';
export type { PrepareInput, PrepareOutcome, Rejection } from './prepare-record.js';
export { encodeRecord, readRecord, recordHeaderBytes, writeRecordHeader, RECORD_VERSION, UNKNOWN_ITEMS } from './queue-record.js';
export type { ReadRecordOutcome, RecordHeader, RecordView } from './queue-record.js';
export { createHubPolicies, ACCOUNT_ATTRIBUTE } from './hub-policies.js';
export type { HubPolicies } from './hub-policies.js';
export { createJsonConverter } from './json-converter.js';
export type { ConvertOutcome, JsonConverter, JsonConverterOptions } from './json-converter.js';
