import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import aws4 from 'aws4';
import {
  createHubSigner,
  createSessionCredentialsProvider,
  fetchApiKey,
  SESSION_REFRESH_BEFORE_MS,
} from '../../src/agent/index.js';
import { verifySigV4, type SigV4KeyInfo } from '../../src/auth/index.js';

const REGION = 'eu-central-1';
const SERVICE = 'execute-api';
const creds = { accessKeyId: 'AKIDEXAMPLEAGENT', secretAccessKey: 'agent/Secret+Key0123456789abcdefghijkl' };
const session = { accessKeyId: 'ASIAEXAMPLESESSION', secretAccessKey: 'sess/Secret+Key0123456789abcdefghijkl', sessionToken: 'tok-123/+=' };

test('signatures equal aws4 for the same request and date', async () => {
  const date = new Date('2024-05-06T07:08:09Z');
  const body = new TextEncoder().encode('{"resourceMetrics":[]}');
  for (const c of [creds, session]) {
    const signer = createHubSigner({ region: REGION, service: SERVICE, credentials: c });
    const headers = await signer.sign({
      url: 'https://hub.example:4318/v1/metrics?b=2&a=1&a=0',
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'content-length': String(body.length) },
      body,
      signingDate: date,
    });
    assert.equal(headers['x-amz-date'], '20240506T070809Z');
    assert.equal(headers['host'], 'hub.example:4318');
    assert.match(headers['x-amz-content-sha256'] ?? '', /^[0-9a-f]{64}$/);
    assert.equal(headers['x-amz-security-token'], c === session ? session.sessionToken : undefined);
    const { authorization, ...unsigned } = headers;
    const ref = aws4.sign(
      { host: 'hub.example:4318', path: '/v1/metrics?b=2&a=1&a=0', method: 'POST', service: SERVICE, region: REGION, headers: { ...unsigned }, body: Buffer.from(body) },
      c,
    );
    assert.equal(authorization, ref.headers?.['Authorization']);
  }
});

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A stand-in hub that verifies every request with the hub's own verifier. */
async function withHub(
  handler: (path: string, accountId: string) => { status: number; json: unknown },
  run: (endpoint: string, seen: { paths: string[]; apiKeyHeaders: number }) => Promise<void>,
): Promise<void> {
  const keys = new Map<string, SigV4KeyInfo>([
    [creds.accessKeyId, { secretAccessKey: creds.secretAccessKey, accountId: '123456789012' }],
    [session.accessKeyId, { secretAccessKey: session.secretAccessKey, accountId: '123456789012', sessionToken: session.sessionToken }],
  ]);
  const seen = { paths: [] as string[], apiKeyHeaders: 0 };
  const server = createServer((req, res) => {
    void readAll(req).then((body) => {
      seen.paths.push(req.url ?? '');
      if (req.headers['x-api-key'] !== undefined) seen.apiKeyHeaders++;
      const outcome = verifySigV4(
        { method: req.method ?? '', rawPath: req.url ?? '/', headers: req.headers, rawHeaders: req.rawHeaders, body },
        { region: REGION, service: SERVICE, maxSkewSeconds: 300, now: new Date(), lookupKey: (id) => keys.get(id) },
      );
      if (!outcome.ok) {
        res.writeHead(outcome.status, { 'content-type': 'application/json' }).end(JSON.stringify({ message: outcome.message }));
        return;
      }
      const r = handler(req.url ?? '', outcome.accountId);
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.json));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

test('signed POST verifies with the hub verifier over a real socket', async () => {
  await withHub(
    () => ({ status: 200, json: {} }),
    async (endpoint) => {
      const signer = createHubSigner({ region: REGION, service: SERVICE, credentials: () => Promise.resolve(session) });
      const url = new URL('/v1/logs?x=a%20b', endpoint);
      const body = Buffer.from([0, 1, 2, 255]);
      const headers = await signer.sign({ url, method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(url, { method: 'POST', headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(body);
      });
      assert.equal(status, 200);
    },
  );
});

test('fetchApiKey: signed GET without an API key returns the account key; errors are outcomes', async () => {
  await withHub(
    (path, accountId) => (path === '/v1/self/api-key' ? { status: 200, json: { accountId, apiKey: 'k-123' } } : { status: 404, json: {} }),
    async (endpoint, seen) => {
      const signer = createHubSigner({ region: REGION, service: SERVICE, credentials: creds });
      assert.deepEqual(await fetchApiKey({ endpoint, signer }), { ok: true, accountId: '123456789012', apiKey: 'k-123' });
      assert.equal(seen.apiKeyHeaders, 0);
      const wrong = createHubSigner({ region: REGION, service: SERVICE, credentials: { ...creds, secretAccessKey: 'wrong' } });
      const denied = await fetchApiKey({ endpoint, signer: wrong });
      assert.equal(denied.ok, false);
      if (!denied.ok) {
        assert.equal(denied.status, 403);
        assert.equal(denied.retryable, false);
      }
    },
  );
  const unreachable = await fetchApiKey({ endpoint: 'http://127.0.0.1:1', signer: createHubSigner({ region: REGION, service: SERVICE, credentials: creds }) });
  assert.equal(unreachable.ok, false);
  if (!unreachable.ok) assert.equal(unreachable.retryable, true);
});

test('session credentials: fetched once, reused, refreshed 5 minutes before expiry, usable for signing', async () => {
  let nowMs = Date.parse('2030-01-01T00:00:00Z');
  const expiration = new Date(nowMs + 3_600_000).toISOString();
  await withHub(
    (path) => (path === '/v1/self/session' ? { status: 200, json: { ...session, expiration } } : { status: 404, json: {} }),
    async (endpoint, seen) => {
      const longLived = createHubSigner({ region: REGION, service: SERVICE, credentials: creds });
      const provider = createSessionCredentialsProvider({ endpoint, signer: longLived, now: () => nowMs });
      const [a, b] = await Promise.all([provider(), provider()]);
      assert.equal(a.sessionToken, session.sessionToken);
      assert.equal(b, a);
      assert.equal(a.expiration?.toISOString(), expiration);
      nowMs += 3_600_000 - SESSION_REFRESH_BEFORE_MS - 1000;
      await provider();
      assert.equal(seen.paths.filter((p) => p === '/v1/self/session').length, 1, 'still cached');
      nowMs += 2000;
      await provider();
      assert.equal(seen.paths.filter((p) => p === '/v1/self/session').length, 2, 'refreshed inside the 5-minute window');
      const sessionSigner = createHubSigner({ region: REGION, service: SERVICE, credentials: provider });
      const headers = await sessionSigner.sign({ url: `${endpoint}/v1/traces`, method: 'POST', headers: {}, body: new Uint8Array(1) });
      assert.equal(headers['x-amz-security-token'], session.sessionToken);
      assert.match(headers['authorization'] ?? '', /Credential=ASIAEXAMPLESESSION\//);
    },
  );
});

test("credentials 'default' uses the AWS provider chain (environment first)", async () => {
  const saved = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'], token: process.env['AWS_SESSION_TOKEN'] };
  process.env['AWS_ACCESS_KEY_ID'] = 'AKIDFROMENVIRONMENT';
  process.env['AWS_SECRET_ACCESS_KEY'] = 'env-secret';
  delete process.env['AWS_SESSION_TOKEN'];
  try {
    const signer = createHubSigner({ region: REGION, service: SERVICE, credentials: 'default' });
    const headers = await signer.sign({ url: 'http://127.0.0.1/v1/metrics', method: 'POST', headers: {}, body: new Uint8Array(0) });
    assert.match(headers['authorization'] ?? '', /Credential=AKIDFROMENVIRONMENT\/\d{8}\/eu-central-1\/execute-api\/aws4_request/);
  } finally {
    for (const [k, v] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret], ['AWS_SESSION_TOKEN', saved.token]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

test('bad options are rejected at construction', () => {
  assert.throws(() => createHubSigner({ region: '', service: SERVICE, credentials: creds }), TypeError);
  assert.throws(() => createHubSigner({ region: REGION, service: SERVICE, credentials: { accessKeyId: '', secretAccessKey: 'x' } }), TypeError);
});
