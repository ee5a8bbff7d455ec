/**
 * OTLP/HTTP ingest: the receiver the hub and the agent share (`createOtlpReceiver`: bounded read,
 * authentication, usage plan, bounded decompression, errors in the request's encoding), the hub's
 * accept step (validate, stamp, durable append) and its observer (denials, throttling, logs).
 */
export { createOtlpReceiver, ACCEPTED, OTLP_RECEIVER_DEFAULTS } from './otlp-receiver.js';
export type {
  AcceptOutcome,
  AcceptRequest,
  LimitCheck,
  OtlpReceiver,
  OtlpReceiverOptions,
  ReceiverMetrics,
  ReceiverObserver,
} from './otlp-receiver.js';
export { createIngestAccept } from './ingest-accept.js';
export type { IngestAcceptOptions } from './ingest-accept.js';
export { createIngestObserver } from './ingest-observer.js';
export type { IngestMetrics } from './ingest-metrics.js';
export { createNoneAuthenticator } from './authenticator.js';
export type { Authenticator, AuthOutcome } from './authenticator.js';
export type { ErrorReply } from './respond.js';
