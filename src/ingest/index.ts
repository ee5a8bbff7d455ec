export { createIngestServer } from './ingest-server.js';
export type { IngestServer, IngestServerOptions, LimitCheck } from './ingest-server.js';
export { createNoneAuthenticator } from './authenticator.js';
export type { Authenticator, AuthOutcome } from './authenticator.js';
export { parseOtlpContentType, contentTypeOf } from './content-type.js';
export { decompress } from './decompress.js';
export { readBody } from './read-body.js';
export { sendError, sendSuccess, grpcCodeFor } from './respond.js';
export { listenOn, closeServer, replyAndDropUnread } from './server-lifecycle.js';
