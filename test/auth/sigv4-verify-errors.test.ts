/**
 * verifySigV4's refusals: status, AWS-like message, and no secret or expected signature leaked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import {
  buildCanonicalRequest,
  buildStringToSign,
  collectHeaders,
  credentialScope,
  deriveSigningKey,
  signString,
  verifySigV4,
} from '../../src/auth/index.js';
import type { SigV4KeyInfo, SigV4Options, SigV4Outcome, SigV4Request } from '../../src/auth/index.js';

const NOW = new Date('2025-06-10T12:00:00Z');
const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const body = new TextEncoder().encode('{"resourceSpans":[]}');

function options(key: Partial<SigV4KeyInfo> = {}, extra: Partial<SigV4Options> = {}): SigV4Options {
  return {
    region: 'eu-central-1',
    service: 'execute-api',
    maxSkewSeconds: 300,
    now: NOW,
    lookupKey: (id) => (id === AKID ? { secretAccessKey: SECRET, accountId: '123456789012', ...key } : undefined),
    ...extra,
  };
}

async function signed(opts: { sessionToken?: string; headers?: Record<string, string>; date?: Date } = {}): Promise<SigV4Request> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: AKID, secretAccessKey: SECRET, ...(opts.sessionToken === undefined ? {} : { sessionToken: opts.sessionToken }) },
    region: 'eu-central-1',
    service: 'execute-api',
    sha256: Sha256,
  });
  const request = await signer.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: 'hub.example',
      path: '/v1/traces',
      query: {},
      headers: { host: 'hub.example', 'content-type': 'application/json', ...opts.headers },
      body,
    },
    { signingDate: opts.date ?? NOW },
  );
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
  return { method: 'POST', rawPath: '/v1/traces', headers, body };
}

function withAuth(req: SigV4Request, authorization: string | undefined): SigV4Request {
  const headers = { ...req.headers };
  if (authorization === undefined) delete headers['authorization'];
  else headers['authorization'] = authorization;
  return { ...req, headers };
}

function assertRefused(outcome: SigV4Outcome, status: 401 | 403, pattern: RegExp): void {
  assert.equal(outcome.ok, false, 'expected a refusal');
  if (outcome.ok) return;
  assert.equal(outcome.status, status, outcome.message);
  assert.equal(outcome.code, status === 401 ? 'E2E_UNAUTHENTICATED' : 'E2E_FORBIDDEN');
  assert.match(outcome.message, pattern);
  assert.equal(outcome.message.includes(SECRET), false);
}

test('a correctly signed request verifies', async () => {
  assert.deepEqual(verifySigV4(await signed(), options()), { ok: true, accountId: '123456789012', accessKeyId: AKID, temporary: false });
});

test('missing or malformed Authorization headers are 401 with AWS-like messages', async () => {
  const req = await signed();
  const auth = String(req.headers['authorization']);
  assertRefused(verifySigV4(withAuth(req, undefined), options()), 401, /^Missing Authentication Token$/);
  assertRefused(verifySigV4(withAuth(req, 'Basic dXNlcjpwYXNz'), options()), 401, /AWS4-HMAC-SHA256/);
  assertRefused(
    verifySigV4(withAuth(req, auth.replace(/Credential=[^,]+, /, '')), options()),
    401,
    /^Authorization header requires 'Credential' parameter\.$/,
  );
  assertRefused(
    verifySigV4(withAuth(req, 'AWS4-HMAC-SHA256 Credential=' + AKID + '/20250610/eu-central-1/execute-api/aws4_request'), options()),
    401,
    /requires 'Signature' parameter\. Authorization header requires 'SignedHeaders' parameter\./,
  );
  assertRefused(verifySigV4(withAuth(req, auth.replace(`${AKID}/`, '')), options()), 401, /Credential should be of the form/);
  const noDate = { ...req, headers: { ...req.headers } };
  delete noDate.headers['x-amz-date'];
  assertRefused(verifySigV4(noDate, options()), 401, /requires existence of either a 'X-Amz-Date' or a 'Date' header/);
  assertRefused(verifySigV4({ ...req, headers: { ...req.headers, 'x-amz-date': '2025-06-10T12:00:00Z' } }, options()), 401, /ISO-8601 'basic format'/);
});

test('scope, date and signed-header rules are 403', async () => {
  const req = await signed();
  const auth = String(req.headers['authorization']);
  assertRefused(verifySigV4(withAuth(req, auth.replace('SignedHeaders=', 'SignedHeaders=x;').replace(';host;', ';')), options()), 403, /'Host' must be a 'SignedHeader'/);
  assertRefused(verifySigV4(withAuth(req, auth.replace(';x-amz-date', '')), options()), 403, /'X-Amz-Date' must be a 'SignedHeader'/);
  assertRefused(verifySigV4(withAuth(req, auth.replace('/20250610/', '/20250609/')), options()), 403, /Date in Credential scope does not match YYYYMMDD.*'20250609' != '20250610'/);
  assertRefused(verifySigV4(withAuth(req, auth.replace('aws4_request', 'aws5_request')), options()), 403, /valid terminator/);
  assertRefused(verifySigV4(req, options({}, { region: 'us-east-1' })), 403, /^Credential should be scoped to a valid region, not 'eu-central-1'\.$/);
  assertRefused(verifySigV4(req, options({}, { service: 'other' })), 403, /^Credential should be scoped to correct service: 'other'\.$/);
  assertRefused(
    verifySigV4(req, options({}, { now: new Date(NOW.getTime() + 301_000) })),
    403,
    /^Signature expired: 20250610T120000Z is now earlier than 20250610T120001Z \(20250610T120501Z - 300 s\.\)$/,
  );
  assert.equal(verifySigV4(req, options({}, { now: new Date(NOW.getTime() + 300_000) })).ok, true, 'skew bound is inclusive');
  assertRefused(verifySigV4(req, options({}, { now: new Date(NOW.getTime() - 301_000) })), 403, /Signature not yet current/);
});

test('unknown key, wrong signature, revoked key: 403 without leaking the expected signature', async () => {
  const req = await signed();
  const auth = String(req.headers['authorization']);
  assertRefused(verifySigV4(withAuth(req, auth.replace(AKID, 'AKIAUNKNOWN000000000')), options()), 403, /^The security token included in the request is invalid\.$/);
  const expected = /Signature=([0-9a-f]{64})/.exec(auth)?.[1] as string;
  const wrong = expected.slice(0, 63) + (expected.endsWith('0') ? '1' : '0');
  const mismatch = verifySigV4(withAuth(req, auth.replace(expected, wrong)), options());
  assertRefused(mismatch, 403, /signature we calculated does not match/);
  if (!mismatch.ok) assert.equal(mismatch.message.includes(expected), false);
  assertRefused(verifySigV4(withAuth(req, auth.replace(expected, 'ZZ')), options()), 403, /does not match/);
  assertRefused(verifySigV4(req, options({ revoked: true })), 403, /revoked/);
});

test('x-amz-content-sha256 must match the body; UNSIGNED-PAYLOAD and streaming are refused', async () => {
  const req = await signed();
  assertRefused(
    verifySigV4({ ...req, body: new TextEncoder().encode('{"resourceSpans":[{}]}') }, options()),
    403,
    /^The provided 'x-amz-content-sha256' header does not match what was computed\.$/,
  );
  for (const value of ['UNSIGNED-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD']) {
    assertRefused(verifySigV4({ ...req, headers: { ...req.headers, 'x-amz-content-sha256': value } }, options()), 403, /not supported/);
  }
});

test('session tokens: required for temporary keys, refused on long-term keys, expiry honoured', async () => {
  const token = 'session-token-value-0123456789';
  const temp = { sessionToken: token, expiresAt: new Date(NOW.getTime() + 60_000) };
  const withToken = await signed({ sessionToken: token });
  assert.deepEqual(verifySigV4(withToken, options(temp)), { ok: true, accountId: '123456789012', accessKeyId: AKID, temporary: true });
  assertRefused(verifySigV4(await signed(), options(temp)), 403, /^The security token included in the request is invalid\.$/);
  assertRefused(verifySigV4(await signed({ sessionToken: token + 'x' }), options(temp)), 403, /is invalid/);
  assertRefused(verifySigV4(withToken, options()), 403, /is invalid/);
  assertRefused(
    verifySigV4(withToken, options({ sessionToken: token, expiresAt: new Date(NOW.getTime() - 1) })),
    403,
    /^The security token included in the request is expired$/,
  );
});

test('a Date header may stand in for X-Amz-Date when it is signed', () => {
  const date = 'Tue, 10 Jun 2025 12:00:00 GMT';
  const headers: Record<string, string> = { host: 'hub.example', date };
  const signedHeaders = ['date', 'host'];
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const canonical = buildCanonicalRequest({
    method: 'POST',
    rawPath: '/v1/traces',
    headers: collectHeaders(headers),
    signedHeaders,
    payloadHash,
  });
  const scope = credentialScope('20250610', 'eu-central-1', 'execute-api');
  const sts = buildStringToSign('20250610T120000Z', scope, createHash('sha256').update(canonical).digest('hex'));
  const signature = signString(deriveSigningKey(SECRET, '20250610', 'eu-central-1', 'execute-api'), sts);
  headers['authorization'] = `AWS4-HMAC-SHA256 Credential=${AKID}/${scope}, SignedHeaders=date;host, Signature=${signature}`;
  const req: SigV4Request = { method: 'POST', rawPath: '/v1/traces', headers, body };
  assert.equal(verifySigV4(req, options()).ok, true);
  assertRefused(verifySigV4({ ...req, headers: { ...headers, date: 'Tue, 10 Jun 2025 12:00:01 GMT' } }, options()), 403, /does not match/);
});

test('deriveSigningKey matches the AWS documentation example', () => {
  // From the AWS SigV4 documentation: secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam.
  const key = deriveSigningKey(SECRET, '20120215', 'us-east-1', 'iam');
  assert.equal(key.toString('hex'), 'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');
  assert.equal(deriveSigningKey(SECRET, '20120215', 'us-east-1', 'iam'), key, 'cached');
});
