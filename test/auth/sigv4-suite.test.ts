/**
 * AWS's published SigV4 test suite (test/fixtures/aws-sigv4-test-suite): for every case the
 * canonical request and string to sign must match byte for byte, the signed request must verify at
 * the case's time, and any one-byte change to what is signed must make verification fail.
 *
 * Cases marked `normalize: false` are S3-style (no path normalisation, single encoding): they are
 * checked with `normalizePath: false`, which the verifier supports for exactly that purpose; the hub
 * itself always verifies with normalisation, as API Gateway does. No case is skipped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sigv4SuiteDir } from '../helpers/paths.js';
import {
  buildCanonicalRequest,
  buildStringToSign,
  collectHeaders,
  credentialScope,
  parseSigV4Authorization,
  verifySigV4,
} from '../../src/auth/index.js';
import type { SigV4Request } from '../../src/auth/index.js';

interface SuiteContext {
  credentials: { access_key_id: string; secret_access_key: string; token?: string };
  normalize: boolean;
  region: string;
  service: string;
  sign_body: boolean;
  timestamp: string;
  omit_session_token?: boolean;
}

interface ParsedHttp {
  method: string;
  rawPath: string;
  rawHeaders: string[];
  body: Uint8Array;
}

/** Parses the suite's HTTP/1.1 text: folded header lines continue the previous value. */
function parseHttpText(text: string): ParsedHttp {
  const lines = text.split('\n');
  const requestLine = lines[0] ?? '';
  const firstSpace = requestLine.indexOf(' ');
  const lastSpace = requestLine.lastIndexOf(' ');
  const method = requestLine.slice(0, firstSpace);
  const rawPath = requestLine.slice(firstSpace + 1, lastSpace);
  const rawHeaders: string[] = [];
  let i = 1;
  for (; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') break;
    if (/^\s/.test(line)) {
      rawHeaders[rawHeaders.length - 1] += '\n' + line;
      continue;
    }
    const colon = line.indexOf(':');
    rawHeaders.push(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const body = new TextEncoder().encode(lines.slice(i + 1).join('\n'));
  return { method, rawPath, rawHeaders, body };
}

/** node-style lower-case `headers` object (duplicates joined with ', '). */
function headersObject(rawHeaders: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
  }
  return out;
}

function toRequest(parsed: ParsedHttp): SigV4Request {
  return { method: parsed.method, rawPath: parsed.rawPath, headers: headersObject(parsed.rawHeaders), rawHeaders: parsed.rawHeaders, body: parsed.body };
}

interface SuiteCase {
  name: string;
  context: SuiteContext;
  signed: ParsedHttp;
  canonical: string;
  stringToSign: string;
}

function loadCases(): SuiteCase[] {
  return readdirSync(sigv4SuiteDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = join(sigv4SuiteDir, name);
      return {
        name,
        context: JSON.parse(readFileSync(join(dir, 'context.json'), 'utf8')) as SuiteContext,
        signed: parseHttpText(readFileSync(join(dir, 'header-signed-request.txt'), 'utf8')),
        canonical: readFileSync(join(dir, 'header-canonical-request.txt'), 'utf8'),
        stringToSign: readFileSync(join(dir, 'header-string-to-sign.txt'), 'utf8'),
      };
    });
}

const cases = loadCases();

function optionsFor(c: SuiteCase) {
  return {
    region: c.context.region,
    service: c.context.service,
    maxSkewSeconds: 300,
    now: new Date(c.context.timestamp),
    normalizePath: c.context.normalize,
    lookupKey: (id: string) =>
      id === c.context.credentials.access_key_id
        ? {
            secretAccessKey: c.context.credentials.secret_access_key,
            accountId: '123456789012',
            ...(c.context.credentials.token === undefined ? {} : { sessionToken: c.context.credentials.token }),
          }
        : undefined,
  };
}

function canonicalOf(c: SuiteCase, req: SigV4Request): string {
  const header = collectHeaders(req.headers, req.rawHeaders);
  const auth = parseSigV4Authorization(String(req.headers['authorization']));
  assert.ok(auth.ok);
  const contentSha = req.headers['x-amz-content-sha256'];
  return buildCanonicalRequest({
    method: req.method,
    rawPath: req.rawPath,
    headers: header,
    signedHeaders: auth.value.signedHeaders,
    payloadHash: typeof contentSha === 'string' ? contentSha : createHash('sha256').update(req.body).digest('hex'),
    normalizePath: c.context.normalize,
  });
}

test('the suite has its 38 cases', () => {
  assert.equal(cases.length, 38);
});

for (const c of cases) {
  test(`suite ${c.name}: canonical request, string to sign and verification`, () => {
    const req = toRequest(c.signed);
    const canonical = canonicalOf(c, req);
    assert.equal(canonical, c.canonical);
    const amzDate = String(req.headers['x-amz-date']);
    const scope = credentialScope(amzDate.slice(0, 8), c.context.region, c.context.service);
    const sts = buildStringToSign(amzDate, scope, createHash('sha256').update(canonical).digest('hex'));
    assert.equal(sts, c.stringToSign);
    const outcome = verifySigV4(req, optionsFor(c));
    assert.deepEqual(outcome, {
      ok: true,
      accountId: '123456789012',
      accessKeyId: 'AKIDEXAMPLE',
      temporary: c.context.credentials.token !== undefined,
    });
  });
}

function flipAt(value: string, index: number): string {
  return value.slice(0, index) + String.fromCharCode(value.charCodeAt(index) ^ 1) + value.slice(index + 1);
}

for (const c of cases) {
  test(`suite ${c.name}: any one-byte change to method, path, query, signed header or body fails`, () => {
    const base = toRequest(c.signed);
    const options = optionsFor(c);
    const baseCanonical = canonicalOf(c, base);
    let rejected = 0;
    /**
     * A change the spec itself erases (e.g. a letter inside a segment that `..` removes) leaves the
     * canonical request unchanged and must still verify; every other change must fail.
     */
    const check = (variant: SigV4Request, what: string): void => {
      const outcome = verifySigV4(variant, options);
      const same = canonicalOf(c, variant) === baseCanonical;
      if (same) {
        assert.equal(outcome.ok, true, `${what}: equivalent request should verify`);
      } else {
        assert.equal(outcome.ok, false, `${what}: tampered request verified`);
        // A damaged X-Amz-Date may be malformed (401); everything else is a signature failure (403).
        if (!outcome.ok && !what.startsWith('x-amz-date')) assert.equal(outcome.status, 403);
        rejected++;
      }
    };
    for (let i = 0; i < base.method.length; i++) check({ ...base, method: flipAt(base.method, i) }, `method[${i}]`);
    assert.ok(rejected >= base.method.length);

    const q = base.rawPath.indexOf('?');
    const pathEnd = q < 0 ? base.rawPath.length : q;
    let pathRejected = 0;
    for (let i = 0; i < base.rawPath.length; i++) {
      const before = rejected;
      check({ ...base, rawPath: flipAt(base.rawPath, i) }, `rawPath[${i}]`);
      if (i < pathEnd && rejected > before) pathRejected++;
    }
    // At least the last path byte always matters, whatever normalisation erases.
    assert.ok(pathRejected >= 1, 'no path change was detected');

    const auth = parseSigV4Authorization(String(base.headers['authorization']));
    assert.ok(auth.ok);
    const signed = new Set(auth.value.signedHeaders);
    const raw = c.signed.rawHeaders;
    let headerRejected = 0;
    for (let h = 0; h + 1 < raw.length; h += 2) {
      const name = (raw[h] as string).toLowerCase();
      if (!signed.has(name)) continue;
      const value = raw[h + 1] as string;
      for (let i = 0; i < value.length; i++) {
        const rawHeaders = [...raw];
        rawHeaders[h + 1] = flipAt(value, i);
        const before = rejected;
        check({ ...base, rawHeaders, headers: headersObject(rawHeaders) }, `${name}[${i}]`);
        if (rejected > before) headerRejected++;
      }
    }
    assert.ok(headerRejected >= 1, 'no header change was detected');

    const bodyVariants: Uint8Array[] = [];
    if (base.body.byteLength === 0) bodyVariants.push(Uint8Array.of(0x41));
    for (let i = 0; i < base.body.byteLength; i++) {
      const body = Uint8Array.from(base.body);
      body[i] = (body[i] as number) ^ 1;
      bodyVariants.push(body);
    }
    for (const body of bodyVariants) {
      const outcome = verifySigV4({ ...base, body }, options);
      assert.equal(outcome.ok, false, 'tampered body verified');
    }
  });
}
