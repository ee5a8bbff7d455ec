import { createHash, timingSafeEqual } from 'node:crypto';
import { parseSigV4Authorization } from './sigv4-authorization.js';
import {
  buildCanonicalRequest,
  buildStringToSign,
  collectHeaders,
  credentialScope,
} from './sigv4-canonical.js';
import { deriveSigningKey, signString } from './sigv4-signing-key.js';

export interface SigV4Request {
  method: string;
  /** Path + '?' + query exactly as received (`req.url`). */
  rawPath: string;
  /** Lower-case names, as node's `IncomingMessage.headers`. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** node's `req.rawHeaders`: keeps duplicate headers apart and in order. Preferred when given. */
  rawHeaders?: readonly string[];
  /** The body exactly as received on the wire (still compressed): that is what the sender signed. */
  body: Uint8Array;
}

/** What the verifier needs to know about an access key. */
export interface SigV4KeyInfo {
  secretAccessKey: string;
  accountId: string;
  /** Set for temporary (session) keys: the request must carry this `x-amz-security-token`. */
  sessionToken?: string;
  expiresAt?: Date;
  revoked?: boolean;
}

export interface SigV4Options {
  region: string;
  service: string;
  maxSkewSeconds: number;
  now: Date;
  /**
   * The key of an access key id. `sessionToken` is the request's `x-amz-security-token` (trimmed),
   * for key sources whose session keys are known only through their (self-describing) token.
   */
  lookupKey(accessKeyId: string, sessionToken: string | undefined): SigV4KeyInfo | undefined;
  /** False only to check S3-style signatures (no path normalisation, single encoding). Default true. */
  normalizePath?: boolean;
}

export type SigV4Outcome =
  | { ok: true; accountId: string; accessKeyId: string; temporary: boolean }
  | { ok: false; status: 401 | 403; code: 'E2E_UNAUTHENTICATED' | 'E2E_FORBIDDEN'; message: string };

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const SIGNATURE_HEX = /^[0-9a-f]{64}$/;

const INVALID_TOKEN = 'The security token included in the request is invalid.';
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function unauthenticated(message: string): SigV4Outcome {
  return { ok: false, status: 401, code: 'E2E_UNAUTHENTICATED', message };
}

function forbidden(message: string): SigV4Outcome {
  return { ok: false, status: 403, code: 'E2E_FORBIDDEN', message };
}

/** `20150830T123600Z` for a Date (seconds precision, UTC). */
export function formatAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function parseAmzDate(value: string): Date | undefined {
  const m = AMZ_DATE.exec(value);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const date = new Date(ms);
  // Rejects 20150230 and similar, which Date.UTC would roll over.
  return formatAmzDate(date) === value ? date : undefined;
}

function singleHeader(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sha256Hex(body: Uint8Array): string {
  if (body.byteLength === 0) return EMPTY_SHA256;
  return createHash('sha256').update(body).digest('hex');
}

function secretEqual(a: string, b: string): boolean {
  // Hashing first gives equal lengths, so timingSafeEqual never leaks the expected length.
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/**
 * Verifies an AWS Signature Version 4 `Authorization` header the way API Gateway's IAM authorizer
 * does. Messages follow AWS's wording and never contain a secret or the expected signature.
 */
export function verifySigV4(request: SigV4Request, options: SigV4Options): SigV4Outcome {
  const authorization = singleHeader(request.headers, 'authorization');
  if (authorization === undefined || authorization.trim() === '') return unauthenticated('Missing Authentication Token');
  const parsed = parseSigV4Authorization(authorization);
  if (!parsed.ok) return unauthenticated(parsed.message);
  const auth = parsed.value;

  const amzDateHeader = singleHeader(request.headers, 'x-amz-date');
  const dateHeader = singleHeader(request.headers, 'date');
  let requestDate: Date | undefined;
  let dateHeaderName: 'x-amz-date' | 'date';
  if (amzDateHeader !== undefined) {
    dateHeaderName = 'x-amz-date';
    requestDate = parseAmzDate(amzDateHeader.trim());
    if (requestDate === undefined) {
      return unauthenticated(`X-Amz-Date must be in ISO-8601 'basic format' (yyyyMMddTHHmmssZ). Got '${amzDateHeader.slice(0, 40)}'.`);
    }
  } else if (dateHeader !== undefined) {
    dateHeaderName = 'date';
    const ms = Date.parse(dateHeader);
    if (Number.isNaN(ms)) return unauthenticated(`Date header is not a valid HTTP date. Got '${dateHeader.slice(0, 40)}'.`);
    requestDate = new Date(Math.floor(ms / 1000) * 1000);
  } else {
    return unauthenticated("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  const amzDate = formatAmzDate(requestDate);

  const signedSet = new Set(auth.signedHeaders);
  if (!signedSet.has('host')) return forbidden("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  if (!signedSet.has(dateHeaderName)) {
    return forbidden(`'${dateHeaderName === 'date' ? 'Date' : 'X-Amz-Date'}' must be a 'SignedHeader' in the AWS Authorization.`);
  }
  if (auth.scopeTerminator !== 'aws4_request') {
    return forbidden(`Credential should be scoped with a valid terminator: 'aws4_request', not '${auth.scopeTerminator.slice(0, 40)}'.`);
  }
  if (auth.scopeRegion !== options.region) {
    return forbidden(`Credential should be scoped to a valid region, not '${auth.scopeRegion.slice(0, 40)}'.`);
  }
  if (auth.scopeService !== options.service) {
    return forbidden(`Credential should be scoped to correct service: '${options.service}'.`);
  }
  const requestDay = amzDate.slice(0, 8);
  if (auth.scopeDate !== requestDay) {
    return forbidden(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate.slice(0, 16)}' != '${requestDay}', from '${amzDate}'.`,
    );
  }
  const skewMs = options.maxSkewSeconds * 1000;
  const nowMs = options.now.getTime();
  if (requestDate.getTime() < nowMs - skewMs) {
    return forbidden(
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(new Date(nowMs - skewMs))} (${formatAmzDate(options.now)} - ${options.maxSkewSeconds} s.)`,
    );
  }
  if (requestDate.getTime() > nowMs + skewMs) {
    return forbidden(
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(new Date(nowMs + skewMs))} (${formatAmzDate(options.now)} + ${options.maxSkewSeconds} s.)`,
    );
  }

  const bodyHash = sha256Hex(request.body);
  const contentSha = singleHeader(request.headers, 'x-amz-content-sha256');
  let payloadHash = bodyHash;
  if (contentSha !== undefined) {
    const claimed = contentSha.trim();
    if (claimed === 'UNSIGNED-PAYLOAD' || claimed.startsWith('STREAMING-')) {
      return forbidden(`'x-amz-content-sha256' value '${claimed.slice(0, 60)}' is not supported by this service; sign the payload.`);
    }
    if (claimed !== bodyHash) {
      return forbidden("The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    payloadHash = claimed;
  }

  const token = singleHeader(request.headers, 'x-amz-security-token')?.trim();
  const key = options.lookupKey(auth.accessKeyId, token);
  if (key === undefined) return forbidden(INVALID_TOKEN);

  const headers = collectHeaders(request.headers, request.rawHeaders);
  const canonicalRequest = buildCanonicalRequest({
    method: request.method,
    rawPath: request.rawPath,
    headers,
    signedHeaders: auth.signedHeaders,
    payloadHash,
    normalizePath: options.normalizePath ?? true,
  });
  const stringToSign = buildStringToSign(
    amzDate,
    credentialScope(auth.scopeDate, auth.scopeRegion, auth.scopeService),
    createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
  );
  const expected = signString(deriveSigningKey(key.secretAccessKey, auth.scopeDate, auth.scopeRegion, auth.scopeService), stringToSign);
  if (!SIGNATURE_HEX.test(auth.signature) || !timingSafeEqual(Buffer.from(expected, 'latin1'), Buffer.from(auth.signature, 'latin1'))) {
    return forbidden(SIGNATURE_MISMATCH);
  }

  // Key state is checked only after the signature, so a caller without the secret learns nothing
  // about whether a key id is revoked or a session expired.
  if (key.revoked === true) return forbidden(`${INVALID_TOKEN} The access key or its account is revoked.`);
  if (key.sessionToken !== undefined) {
    if (token === undefined || !secretEqual(token, key.sessionToken)) return forbidden(INVALID_TOKEN);
    if (key.expiresAt !== undefined && key.expiresAt.getTime() <= nowMs) {
      return forbidden('The security token included in the request is expired');
    }
  } else if (token !== undefined) {
    // A long-term key never carries a session token; one that does is forged or misconfigured.
    return forbidden(INVALID_TOKEN);
  }
  return { ok: true, accountId: key.accountId, accessKeyId: auth.accessKeyId, temporary: key.sessionToken !== undefined };
}
