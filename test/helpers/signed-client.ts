/**
 * Senders for security and integration tests: OTLP bodies carrying a marker, SigV4 signing by the
 * two real signers senders use (@smithy/signature-v4 as in the AWS SDK, and aws4), raw sends over
 * real HTTP(S) sockets, and the "nothing was stored" check that every attack test ends with.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import aws4 from 'aws4';
import { decodeRpcStatus, encodeRequest } from '../../src/otlp/index.js';
import type { OtlpFormat } from '../../src/otlp/model.js';
import { logRecord, logsRequest as logsOf, stringAttr } from './otlp-requests.js';
import { deepMerge, eventually, startTestHub, type TestHub } from './test-hub.js';

export const REGION = 'eu-central-1';
export const SERVICE = 'execute-api';

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What `POST /api/accounts` returns once: an account with its first key pair and API key. */
export interface TestAccount {
  id: string;
  apiKey: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A request exactly as it goes on the wire: `path` includes the query string. */
export interface WireRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Client side of TLS: the CA to trust and, for mTLS, the client certificate and key. */
export interface TlsClientOptions {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface SignOptions {
  region?: string;
  service?: string;
  signingDate?: Date;
  /** Send (and sign) `x-amz-content-sha256`; default true. */
  contentSha256?: boolean;
}

const CONTENT_TYPE: Record<OtlpFormat, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** One log record whose body is `marker`, with the `source.name` the default validation rules need. */
export function logsBody(marker: string, format: OtlpFormat = 'protobuf'): Uint8Array {
  const record = logRecord(BigInt(Date.now()) * 1_000_000n, { body: { stringValue: marker } });
  return encodeRequest('logs', logsOf([record], [stringAttr('source.name', 'security-test')]), format);
}

/** An unsigned OTLP/HTTP logs export of `marker` (protobuf) for `base`. */
export function logsRequest(base: string, marker: string, path = '/v1/logs', format: OtlpFormat = 'protobuf'): WireRequest {
  const url = new URL(path, base);
  return { method: 'POST', path: `${url.pathname}${url.search}`, headers: { host: url.host, 'content-type': CONTENT_TYPE[format] }, body: logsBody(marker, format) };
}

/** Signs with @smithy/signature-v4 (the AWS SDK's signer); returns a new request with the signed headers. */
export async function signWithSmithy(base: string, req: WireRequest, credentials: SigningCredentials, options: SignOptions = {}): Promise<WireRequest> {
  const url = new URL(req.path, base);
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const signer = new SignatureV4({
    credentials,
    region: options.region ?? REGION,
    service: options.service ?? SERVICE,
    sha256: Sha256,
    applyChecksum: options.contentSha256 ?? true,
  });
  const headers: Record<string, string> = { ...req.headers, host: url.host };
  const signed = await signer.sign(
    new HttpRequest({
      method: req.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query,
      headers,
      body: req.body,
    }),
    options.signingDate === undefined ? {} : { signingDate: options.signingDate },
  );
  return { ...req, headers: { ...(signed.headers as Record<string, string>) } };
}

/** Signs with `aws4` (an independent implementation); it hashes the body unless `x-amz-content-sha256` is given. */
export function signWithAws4(base: string, req: WireRequest, credentials: SigningCredentials, options: SignOptions = {}): WireRequest {
  const url = new URL(req.path, base);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (k.toLowerCase() !== 'host') headers[k] = v;
  if (options.contentSha256 === true) {
    headers['X-Amz-Content-Sha256'] = createHash('sha256').update(req.body).digest('hex');
  }
  const opts = {
    host: url.host,
    path: req.path,
    method: req.method,
    headers,
    body: Buffer.from(req.body),
    region: options.region ?? REGION,
    service: options.service ?? SERVICE,
  };
  aws4.sign(opts, credentials);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers)) out[k] = String(v);
  return { ...req, headers: out };
}

export interface SendOptions {
  tls?: TlsClientOptions;
  /** Source address, e.g. another loopback address (127.0.0.2) to look like another client. */
  localAddress?: string;
}

/** Sends `req` as is over a new real socket (HTTPS when `base` is https:). Rejects on socket/TLS errors. */
export function send(base: string, req: WireRequest, options: SendOptions = {}): Promise<Reply> {
  const url = new URL(base);
  const { tls, localAddress } = options;
  return new Promise((resolve, reject) => {
    const common = {
      host: url.hostname,
      port: Number(url.port),
      method: req.method,
      path: req.path,
      headers: req.headers,
      agent: false as const,
      ...(localAddress === undefined ? {} : { localAddress }),
    };
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    };
    const r =
      url.protocol === 'https:'
        ? https.request({ ...common, ca: tls?.ca, ...(tls?.cert === undefined ? {} : { cert: tls.cert }), ...(tls?.key === undefined ? {} : { key: tls.key }) }, onResponse)
        : http.request(common, onResponse);
    r.on('error', reject);
    r.end(Buffer.from(req.body));
  });
}

/** The `google.rpc.Status` message of an error reply, in the reply's encoding. */
export function statusMessage(reply: Reply): string {
  const format: OtlpFormat = String(reply.headers['content-type'] ?? '').includes('protobuf') ? 'protobuf' : 'json';
  return decodeRpcStatus(reply.body, format).message;
}

export interface SignedLogsOptions extends SignOptions {
  signer?: 'smithy' | 'aws4';
  /** The x-api-key to send; default the account's own, null = none. */
  apiKey?: string | null;
  /** Credentials to sign with; default the account's long-term key pair. */
  credentials?: SigningCredentials;
  path?: string;
  format?: OtlpFormat;
}

/** A logs export of `marker` signed for `account` (by default exactly as a well-behaved agent does). */
export async function signedLogs(base: string, account: TestAccount, marker: string, options: SignedLogsOptions = {}): Promise<WireRequest> {
  const unsigned = logsRequest(base, marker, options.path, options.format);
  const apiKey = options.apiKey === undefined ? account.apiKey : options.apiKey;
  if (apiKey !== null) unsigned.headers['x-api-key'] = apiKey;
  const credentials = options.credentials ?? { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey };
  return options.signer === 'aws4' ? signWithAws4(base, unsigned, credentials, options) : signWithSmithy(base, unsigned, credentials, options);
}

/** A signed `GET` of a `/v1/self/*` path (no API key, as the key-distribution contract says). */
export async function signedGet(base: string, path: string, credentials: SigningCredentials): Promise<WireRequest> {
  const url = new URL(path, base);
  return signWithSmithy(base, { method: 'GET', path: `${url.pathname}${url.search}`, headers: { host: url.host }, body: new Uint8Array(0) }, credentials);
}

/** Onboards an account through the admin API; asserts 201. */
export async function createAccount(t: TestHub, id: string, plan?: string): Promise<TestAccount> {
  const r = await t.api('/api/accounts', { method: 'POST', body: { id, name: `test ${id}`, ...(plan === undefined ? {} : { plan }) } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const a = r.json as TestAccount;
  return { id: a.id, apiKey: a.apiKey, accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey };
}

/** Distinct, searchable marker for one test's payload. */
export function marker(label: string): string {
  return `mark-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Logs in the embedded store whose body contains `text`. */
export async function storedLogs(t: TestHub, text: string): Promise<unknown[]> {
  const r = await t.api(`/api/logs?contains=${encodeURIComponent(text)}&limit=1000`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return (r.json as { logs: unknown[] }).logs;
}

interface StatsRow {
  accountId: string;
  accepted: { spans: number; dataPoints: number; logRecords: number };
  throttledRequests: number;
  deniedRequests: number;
}

export async function statsOf(t: TestHub, accountId: string): Promise<StatsRow | undefined> {
  const r = await t.api('/api/stats');
  assert.equal(r.status, 200);
  return (r.json as { accounts: StatsRow[] }).accounts.find((a) => a.accountId === accountId);
}

type ItemCounts = StatsRow['accepted'];

/** Accepted item counts per account from `/api/stats`, to compare with after an attack. */
export type StatsSnapshot = ReadonlyMap<string, ItemCounts>;

export async function snapshotStats(t: TestHub): Promise<StatsSnapshot> {
  const r = await t.api('/api/stats');
  assert.equal(r.status, 200);
  return new Map((r.json as { accounts: StatsRow[] }).accounts.map((a) => [a.accountId, a.accepted]));
}

/**
 * Asserts that `marker` never reached the store and that no account except `sentinelAccountId` has
 * more accepted items than in `baseline` (default: none at all). `sendSentinel(text)` must send
 * `text` through a valid path: once it is in the store, everything queued before it has been stored
 * too (the queue is FIFO), so absence is meaningful rather than "not yet".
 */
export async function assertNothingStored(
  t: TestHub,
  marker: string,
  sendSentinel: (text: string) => Promise<Reply>,
  sentinelAccountId: string,
  baseline: StatsSnapshot = new Map(),
): Promise<void> {
  // Deliberately not containing `marker`, so the marker query cannot match the sentinel.
  const sentinel = `sentinel-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  const sent = await sendSentinel(sentinel);
  assert.equal(sent.status, 200, `the sentinel must be accepted: ${sent.body.toString()}`);
  await eventually(async () => (await storedLogs(t, sentinel)).length === 1, 'the sentinel log in the store');
  assert.deepEqual(await storedLogs(t, marker), [], 'the attack payload must not be stored');
  for (const [accountId, accepted] of await snapshotStats(t)) {
    if (accountId === sentinelAccountId) continue;
    const expected = baseline.get(accountId) ?? { spans: 0, dataPoints: 0, logRecords: 0 };
    assert.deepEqual(accepted, expected, `account ${accountId} must have no newly accepted items`);
  }
}

/** A SigV4 hub (API keys required) with accounts `a`, `b` and a `sentinel` account for the flush. */
export interface SigV4Fixture {
  t: TestHub;
  a: TestAccount;
  b: TestAccount;
  sentinel: TestAccount;
  /** Sends a request and returns the reply (plain HTTP). */
  send(req: WireRequest): Promise<Reply>;
  /** Accepted counts now: pass to assertNothingStored when the account already sent valid data. */
  snapshot(): Promise<StatsSnapshot>;
  /** assertNothingStored with the sentinel account sending over the valid signed path. */
  assertNothingStored(marker: string, baseline?: StatsSnapshot): Promise<void>;
  close(): Promise<void>;
}

export async function startSigV4Fixture(overrides: Record<string, unknown> = {}): Promise<SigV4Fixture> {
  const t = await startTestHub(deepMerge({ auth: { mode: 'sigv4' } }, overrides));
  try {
    const [a, b, sentinel] = [await createAccount(t, 'acct-a'), await createAccount(t, 'acct-b'), await createAccount(t, 'sentinel')];
    return {
      t,
      a,
      b,
      sentinel,
      send: (req) => send(t.otlpUrl, req),
      snapshot: () => snapshotStats(t),
      assertNothingStored: (m, baseline) =>
        assertNothingStored(t, m, async (text) => send(t.otlpUrl, await signedLogs(t.otlpUrl, sentinel, text)), sentinel.id, baseline),
      close: () => t.close(),
    };
  } catch (err) {
    await t.close();
    throw err;
  }
}
