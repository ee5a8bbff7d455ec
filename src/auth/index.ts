/**
 * Authentication of senders: AWS SigV4 verification (API Gateway's IAM authorizer semantics) and
 * HTTP Basic against an htpasswd file.
 */
export { verifySigV4, formatAmzDate } from './sigv4-verify.js';
export type { SigV4Request, SigV4Options, SigV4KeyInfo, SigV4Outcome } from './sigv4-verify.js';
export { parseSigV4Authorization } from './sigv4-authorization.js';
export type { SigV4Authorization, ParseAuthorizationOutcome } from './sigv4-authorization.js';
export {
  SIGV4_ALGORITHM,
  buildCanonicalRequest,
  buildStringToSign,
  canonicalHeaderValue,
  canonicalPath,
  canonicalQuery,
  collectHeaders,
  credentialScope,
  sortSignedHeaders,
  uriEncode,
} from './sigv4-canonical.js';
export type { CanonicalRequestInput, HeaderValues } from './sigv4-canonical.js';
export { deriveSigningKey, signString } from './sigv4-signing-key.js';
export { parseHtpasswd, loadHtpasswdFile, createBasicVerifier } from './htpasswd.js';
export type { BasicOutcome, BasicVerifier, BasicVerifierOptions } from './htpasswd.js';
export { createFailedAttemptLimiter } from './failed-attempt-limiter.js';
export type { FailedAttemptLimiter, FailedAttemptLimiterOptions } from './failed-attempt-limiter.js';
