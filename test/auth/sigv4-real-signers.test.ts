/**
 * Requests signed by the real signers senders use (@smithy/signature-v4, as in the AWS SDK and the
 * agent, and aws4) travel over a real loopback socket and are verified from node's IncomingMessage.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import aws4 from 'aws4';
import { uriEncode, verifySigV4 } from '../../src/auth/index.js';
import type { SigV4KeyInfo, SigV4Outcome } from '../../src/auth/index.js';

const REGION = 'eu-central-1';
const SERVICE = 'execute-api';
const permanent = { accessKeyId: 'AKIAEXAMPLEPERMANENT', secretAccessKey: 'perm/Secret+Key0123456789abcdefghijklmnop' };
const temporary = {
  accessKeyId: 'ASIAEXAMPLETEMPORARY',
  secretAccessKey: 'temp/Secret+Key0123456789abcdefghijklmnop',
  sessionToken: 'FwoGZXIvYXdzEXAMPLE-session-token_0123456789',
};
const keys = new Map<string, SigV4KeyInfo>([
  [permanent.accessKeyId, { secretAccessKey: permanent.secretAccessKey, accountId: '111111111111' }],
  [
    temporary.accessKeyId,
    {
      secretAccessKey: temporary.secretAccessKey,
      accountId: '222222222222',
      sessionToken: temporary.sessionToken,
      expiresAt: new Date(Date.now() + 3_600_000),
    },
  ],
]);

let server: Server;
let port = 0;

async function readAll(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

before(async () => {
  server = createServer((req, res) => {
    readAll(req)
      .then((body) => {
        const outcome = verifySigV4(
          { method: req.method ?? '', rawPath: req.url ?? '/', headers: req.headers, rawHeaders: req.rawHeaders, body },
          { region: REGION, service: SERVICE, maxSkewSeconds: 300, now: new Date(), lookupKey: (id) => keys.get(id) },
        );
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(outcome));
      })
      .catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function send(method: string, path: string, headers: Record<string, string>, body?: Uint8Array | string): Promise<SigV4Outcome> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      readAll(res)
        .then((buf) => resolve(JSON.parse(Buffer.from(buf).toString('utf8')) as SigV4Outcome))
        .catch(reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface SmithySend {
  method?: string;
  path?: string;
  query?: Record<string, string>;
  body?: Uint8Array;
  applyChecksum?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  region?: string;
  service?: string;
  signingDate?: Date;
  tamper?: (headers: Record<string, string>, body: Uint8Array | undefined) => Uint8Array | undefined;
}

async function smithySend(o: SmithySend): Promise<SigV4Outcome> {
  const signer = new SignatureV4({
    credentials: o.credentials ?? permanent,
    region: o.region ?? REGION,
    service: o.service ?? SERVICE,
    sha256: Sha256,
    applyChecksum: o.applyChecksum ?? true,
  });
  const path = o.path ?? '/v1/traces';
  const headers: Record<string, string> = { host: `127.0.0.1:${port}` };
  if (o.body !== undefined) {
    headers['content-type'] = 'application/x-protobuf';
    headers['content-length'] = String(o.body.byteLength);
  }
  const signed = await signer.sign(
    { method: o.method ?? 'POST', protocol: 'http:', hostname: '127.0.0.1', port, path, query: o.query ?? {}, headers, body: o.body },
    o.signingDate === undefined ? {} : { signingDate: o.signingDate },
  );
  const query = Object.entries(o.query ?? {})
    .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)
    .join('&');
  const wireHeaders = { ...(signed.headers as Record<string, string>) };
  const body = o.tamper === undefined ? o.body : o.tamper(wireHeaders, o.body);
  return send(signed.method, query === '' ? path : `${path}?${query}`, wireHeaders, body);
}

const payload = new TextEncoder().encode('\x0a\x10resource-spans-bytes\x00\xff');

test('smithy: signed payload header (applyChecksum) verifies', async () => {
  assert.deepEqual(await smithySend({ body: payload }), {
    ok: true,
    accountId: '111111111111',
    accessKeyId: permanent.accessKeyId,
    temporary: false,
  });
});

test('smithy: without a payload header the body hash is computed and verifies', async () => {
  const outcome = await smithySend({ body: payload, applyChecksum: false });
  assert.equal(outcome.ok, true);
});

test('smithy: GET with query and a percent-encoded path segment verifies (double encoding)', async () => {
  const outcome = await smithySend({
    method: 'GET',
    path: '/v1/self/a%20b',
    query: { b: '2', a: 'x y', 'c~': 'ü', empty: '' },
  });
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
});

test('smithy: session credentials verify as temporary', async () => {
  assert.deepEqual(await smithySend({ body: payload, credentials: temporary }), {
    ok: true,
    accountId: '222222222222',
    accessKeyId: temporary.accessKeyId,
    temporary: true,
  });
});

test('smithy: a temporary key without its session token is refused', async () => {
  const outcome = await smithySend({
    body: payload,
    credentials: { accessKeyId: temporary.accessKeyId, secretAccessKey: temporary.secretAccessKey },
  });
  assert.equal(outcome.ok, false);
  if (!outcome.ok) assert.match(outcome.message, /security token included in the request is invalid/);
});

test('smithy: wrong region, wrong service, old date and another secret are refused', async () => {
  const region = await smithySend({ body: payload, region: 'us-east-1' });
  assert.ok(!region.ok && region.status === 403 && /valid region/.test(region.message), JSON.stringify(region));
  const service = await smithySend({ body: payload, service: 'execute-api-x' });
  assert.ok(!service.ok && service.status === 403 && /correct service/.test(service.message), JSON.stringify(service));
  const old = await smithySend({ body: payload, signingDate: new Date(Date.now() - 15 * 60_000) });
  assert.ok(!old.ok && old.status === 403 && /Signature expired/.test(old.message), JSON.stringify(old));
  const future = await smithySend({ body: payload, signingDate: new Date(Date.now() + 15 * 60_000) });
  assert.ok(!future.ok && future.status === 403 && /not yet current/.test(future.message), JSON.stringify(future));
  const other = await smithySend({
    body: payload,
    credentials: { accessKeyId: permanent.accessKeyId, secretAccessKey: 'another-secret-0123456789abcdefghijklmnop' },
  });
  assert.ok(!other.ok && other.status === 403 && /signature we calculated does not match/.test(other.message));
  assert.ok(!other.message.includes(permanent.secretAccessKey));
});

test('smithy: a body changed after signing is refused, with and without the payload header', async () => {
  const flip = (_h: Record<string, string>, body: Uint8Array | undefined): Uint8Array => {
    const copy = Uint8Array.from(body ?? []);
    copy[0] = (copy[0] as number) ^ 1;
    return copy;
  };
  const withHeader = await smithySend({ body: payload, tamper: flip });
  assert.ok(!withHeader.ok && /x-amz-content-sha256' header does not match/.test(withHeader.message));
  const withoutHeader = await smithySend({ body: payload, applyChecksum: false, tamper: flip });
  assert.ok(!withoutHeader.ok && /signature we calculated does not match/.test(withoutHeader.message));
});

test('UNSIGNED-PAYLOAD is refused for this service', async () => {
  const outcome = await smithySend({
    body: payload,
    tamper: (headers, body) => {
      headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return body;
    },
  });
  assert.ok(!outcome.ok && outcome.status === 403 && /UNSIGNED-PAYLOAD/.test(outcome.message));
});

function aws4Send(
  opts: { body?: string; headers?: Record<string, string>; region?: string; service?: string; path?: string },
  credentials: aws4.Credentials,
): Promise<SigV4Outcome> {
  const signed = aws4.sign(
    {
      host: `127.0.0.1:${port}`,
      method: 'POST',
      path: opts.path ?? '/v1/metrics',
      body: opts.body ?? '{"resourceMetrics":[]}',
      service: opts.service ?? SERVICE,
      region: opts.region ?? REGION,
      headers: { 'Content-Type': 'application/json', ...opts.headers },
    },
    credentials,
  );
  return send('POST', signed.path ?? '/', signed.headers as Record<string, string>, opts.body ?? '{"resourceMetrics":[]}');
}

test('aws4: plain, with X-Amz-Content-Sha256 and with a session token verify', async () => {
  const plain = await aws4Send({}, permanent);
  assert.equal(plain.ok, true, JSON.stringify(plain));
  const body = '{"resourceLogs":[{"scopeLogs":[]}]}';
  const { createHash } = await import('node:crypto');
  const withHash = await aws4Send(
    { body, headers: { 'X-Amz-Content-Sha256': createHash('sha256').update(body).digest('hex') } },
    permanent,
  );
  assert.equal(withHash.ok, true, JSON.stringify(withHash));
  const session = await aws4Send({ path: '/v1/logs?x=1&a=b' }, temporary);
  assert.deepEqual(session, { ok: true, accountId: '222222222222', accessKeyId: temporary.accessKeyId, temporary: true });
});

test('aws4: wrong region, wrong service and another secret are refused', async () => {
  const region = await aws4Send({ region: 'eu-west-1' }, permanent);
  assert.ok(!region.ok && /valid region/.test(region.message));
  const service = await aws4Send({ service: 'es' }, permanent);
  assert.ok(!service.ok && /correct service/.test(service.message));
  const other = await aws4Send({}, { accessKeyId: permanent.accessKeyId, secretAccessKey: 'x'.repeat(40) });
  assert.ok(!other.ok && other.status === 403);
  const unknown = await aws4Send({}, { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) });
  assert.ok(!unknown.ok && /security token included in the request is invalid/.test(unknown.message));
});
