/**
 * The one-pass OTLP protobuf scanner: checks, counts, limits, validates, filters, trims and stamps
 * a request over its bytes (see request-editor.ts). Used by the hub's ingest and by the agent.
 */
export { editRequest, scalarText, ACCOUNT_PLACEHOLDER } from './request-editor.js';
export type { EditOutcome } from './request-editor.js';
export { compileScanPolicy, itemNoun, ruleName } from './policy.js';
export type { Reason, ScanPolicy, ScanPolicyOptions, ScanRule } from './policy.js';
export { compileOptIn, globToRegExp, severityNumberOf } from './opt-in.js';
export type { OptIn, OptInInclude } from './opt-in.js';
export { DEFAULT_OTLP_LIMITS, ITEM_LIMITS, limitText } from './limits.js';
export type { ItemLimit, OtlpLimits } from './limits.js';
export { WireReader, tagOf, VARINT, I64, LEN, I32 } from './wire-reader.js';
export { Output, encodeHeader, encodeStringAttribute, varintSize } from './output.js';
