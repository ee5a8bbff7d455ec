import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createRelayServer, routeFor, type RelayServer, type RelayServerOptions } from '../../src/relay/index.js';
import { createHubSigner } from '../../src/agent/index.js';
import { verifySigV4 } from '../../src/auth/index.js';

interface Seen {
  method: string;
  url: string;
  rawHeaders: string[];
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

interface Upstream {
  name: string;
  server: Server;
  port: number;
  seen: Seen[];
  url: string;
  stop(): Promise<void>;
}

async function startUpstream(name: string, port = 0): Promise<Upstream> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/healthz') {
        res.writeHead(200).end('ok');
        return;
      }
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, headers: req.headers, body });
      res.writeHead(202, [['X-Upstream', name], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2'], ['Content-Type', 'application/octet-stream']].flat());
      // Echo the body back in two writes: the relay streams the response.
      res.write(body.subarray(0, 10));
      res.end(body.subarray(10));
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const actual = (server.address() as AddressInfo).port;
  return {
    name,
    server,
    port: actual,
    seen,
    url: `http://127.0.0.1:${actual}`,
    stop: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  body: Buffer;
}

function send(relay: RelayServer, opts: { method?: string; path: string; host: string; headers?: Record<string, string | string[]>; body?: Buffer }): Promise<Reply> {
  const { port } = relay.address();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: opts.method ?? 'POST', path: opts.path, headers: { host: opts.host, ...(opts.headers ?? {}) }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

function relayOptions(upstreams: RelayServerOptions['upstreams'], extra: Partial<RelayServerOptions> = {}): RelayServerOptions {
  return {
    host: '127.0.0.1',
    port: 0,
    upstreams,
    healthCheck: { path: '/healthz', intervalMs: 60_000, timeoutMs: 1000 },
    timeoutMs: 5000,
    maxBodyBytes: 1024 * 1024,
    ...extra,
  };
}

test('bytes, method, path, query and headers arrive intact, the original Host included; hop-by-hop headers are dropped', async () => {
  const up = await startUpstream('u1');
  const relay = await createRelayServer(relayOptions({ metrics: [{ url: up.url }] }));
  try {
    const body = randomBytes(200_000);
    const reply = await send(relay, {
      path: '/v1/metrics?x=1&y=%20z',
      host: 'metrics.relay.example:4318',
      headers: {
        'content-type': 'application/x-protobuf',
        'content-encoding': 'gzip',
        'x-api-key': 'key-1',
        'X-Dup': ['1', '2'],
        connection: 'keep-alive, x-drop',
        'x-drop': 'gone',
        'keep-alive': 'timeout=5',
        te: 'trailers',
      },
      body,
    });
    assert.equal(reply.status, 202);
    assert.equal(reply.headers['x-upstream'], 'u1');
    assert.deepEqual(reply.headers['set-cookie'], ['a=1', 'b=2']);
    assert.ok(reply.body.equals(body), 'response body streamed back unchanged');
    assert.equal(up.seen.length, 1);
    const s = up.seen[0];
    assert.ok(s);
    assert.equal(s.method, 'POST');
    assert.equal(s.url, '/v1/metrics?x=1&y=%20z');
    assert.equal(s.headers['host'], 'metrics.relay.example:4318');
    assert.equal(s.headers['content-encoding'], 'gzip');
    assert.equal(s.headers['x-api-key'], 'key-1');
    assert.equal(s.headers['content-length'], String(body.length));
    assert.equal(s.headers['x-dup'], '1, 2');
    assert.equal(s.headers['x-drop'], undefined);
    assert.equal(s.headers['te'], undefined);
    assert.equal(s.headers['keep-alive'], undefined);
    assert.ok(s.body.equals(body), 'request body forwarded byte for byte');
  } finally {
    await relay.close();
    await up.stop();
  }
});

test('a SigV4-signed request still verifies after the relay (Host kept)', async () => {
  const up = await startUpstream('hub');
  const relay = await createRelayServer(relayOptions({ default: [{ url: up.url }] }));
  try {
    const creds = { accessKeyId: 'AKIDRELAYTEST', secretAccessKey: 'relay-secret-0123456789' };
    const signer = createHubSigner({ region: 'eu-central-1', service: 'execute-api', credentials: creds });
    const body = randomBytes(1000);
    const signed = await signer.sign({ url: 'https://traces.relay.example/v1/traces', method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
    const { host, ...rest } = signed;
    const reply = await send(relay, { path: '/v1/traces', host: host ?? '', headers: rest, body });
    assert.equal(reply.status, 202);
    const s = up.seen[0];
    assert.ok(s);
    const outcome = verifySigV4(
      { method: s.method, rawPath: s.url, headers: s.headers, rawHeaders: s.rawHeaders, body: s.body },
      { region: 'eu-central-1', service: 'execute-api', maxSkewSeconds: 300, now: new Date(), lookupKey: (id) => (id === creds.accessKeyId ? { secretAccessKey: creds.secretAccessKey, accountId: '1' } : undefined) },
    );
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
  } finally {
    await relay.close();
    await up.stop();
  }
});

test('host routing and path routing pick the signal group', async () => {
  const m = await startUpstream('metrics');
  const l = await startUpstream('logs');
  const t = await startUpstream('traces');
  const d = await startUpstream('default');
  const groups = { metrics: [{ url: m.url }], logs: [{ url: l.url }], traces: [{ url: t.url }], default: [{ url: d.url }] };
  const byHost = await createRelayServer(relayOptions(groups, { routes: { byHost: true, byPath: false } }));
  const byPath = await createRelayServer(relayOptions(groups, { routes: { byHost: false, byPath: true } }));
  try {
    const via = async (relay: RelayServer, host: string, path: string): Promise<string | string[] | undefined> =>
      (await send(relay, { host, path, body: Buffer.from('x') })).headers['x-upstream'];
    assert.equal(await via(byHost, 'metrics.eu.example', '/v1/logs'), 'metrics');
    assert.equal(await via(byHost, 'LOGS.eu.example:443', '/v1/metrics'), 'logs');
    assert.equal(await via(byHost, 'traces.eu.example', '/v1/self/api-key'), 'traces');
    assert.equal(await via(byHost, 'hub.eu.example', '/v1/traces'), 'default');
    assert.equal(await via(byPath, 'metrics.eu.example', '/v1/logs'), 'logs');
    assert.equal(await via(byPath, 'x', '/v1/traces?a=b'), 'traces');
    assert.equal(await via(byPath, 'x', '/v1/self/api-key'), 'default');
    assert.equal(routeFor('metrics.a', '/v1/logs', {}), 'metrics', 'host wins when both are on');
  } finally {
    await byHost.close();
    await byPath.close();
    for (const u of [m, l, t, d]) await u.stop();
  }
});

test('an upstream killed: traffic moves to the healthy one; all down: 503 with Retry-After; recovery by health check', async () => {
  const a = await startUpstream('a');
  const b = await startUpstream('b');
  const relay = await createRelayServer(relayOptions({ default: [{ url: a.url }, { url: b.url }] }, { healthCheck: { path: '/healthz', intervalMs: 60_000, timeoutMs: 1000 } }));
  try {
    for (let i = 0; i < 4; i++) assert.equal((await send(relay, { host: 'hub', path: '/v1/metrics', body: Buffer.from(`r${i}`) })).status, 202);
    assert.equal(a.seen.length, 2, 'round robin while both are up');
    assert.equal(b.seen.length, 2);
    await a.stop();
    const before = b.seen.length;
    for (let i = 0; i < 6; i++) {
      const r = await send(relay, { host: 'hub', path: '/v1/metrics', body: Buffer.from(`after${i}`) });
      assert.equal(r.status, 202, `request ${i} after the kill`);
      assert.equal(r.headers['x-upstream'], 'b');
    }
    assert.equal(b.seen.length, before + 6, 'every request reached the survivor exactly once');
    assert.deepEqual(
      relay.upstreams().map((u) => [u.url, u.healthy]),
      [
        [a.url, false],
        [b.url, true],
      ],
    );
    await b.stop();
    const down = await send(relay, { host: 'hub', path: '/v1/metrics', body: Buffer.from('x') });
    assert.equal(down.status, 503);
    assert.equal(down.headers['retry-after'], '60');
    assert.equal((await send(relay, { host: 'hub', path: '/v1/metrics', body: Buffer.from('x') })).status, 503);
    // Bring `a` back on its port: the active check marks it healthy again.
    const a2 = await startUpstream('a2', a.port);
    try {
      await relay.checkHealth();
      const r = await send(relay, { host: 'hub', path: '/v1/metrics', body: Buffer.from('back') });
      assert.equal(r.status, 202);
      assert.equal(r.headers['x-upstream'], 'a2');
    } finally {
      await a2.stop();
    }
  } finally {
    await relay.close();
  }
});

test('body over maxBodyBytes → 413, nothing forwarded; /healthz and /metrics served by the relay', async () => {
  const up = await startUpstream('u');
  const relay = await createRelayServer(relayOptions({ default: [{ url: up.url }] }, { maxBodyBytes: 1000 }));
  try {
    const big = await send(relay, { host: 'hub', path: '/v1/logs', body: randomBytes(1001) });
    assert.equal(big.status, 413);
    // Chunked (no Content-Length): the cap applies to bytes read.
    const chunked = await send(relay, { host: 'hub', path: '/v1/logs', headers: { 'transfer-encoding': 'chunked' }, body: randomBytes(5000) });
    assert.equal(chunked.status, 413);
    assert.equal(up.seen.length, 0);
    assert.equal((await send(relay, { host: 'hub', path: '/v1/logs', body: randomBytes(1000) })).status, 202);
    const health = await send(relay, { method: 'GET', host: 'hub', path: '/healthz' });
    assert.equal(health.status, 200);
    assert.equal((JSON.parse(health.body.toString()) as { status: string }).status, 'ok');
    const metrics = await send(relay, { method: 'GET', host: 'hub', path: '/metrics' });
    assert.equal(metrics.status, 200);
    assert.match(metrics.body.toString(), /e2e_relay_requests_total\{route="logs",code="413"\} 2/);
    assert.match(metrics.body.toString(), /e2e_relay_requests_total\{route="logs",code="202"\} 1/);
  } finally {
    await relay.close();
    await up.stop();
  }
});

test('bad options are rejected at construction', async () => {
  await assert.rejects(createRelayServer(relayOptions({})), TypeError);
  await assert.rejects(createRelayServer(relayOptions({ default: [{ url: 'ftp://x' }] })), TypeError);
  await assert.rejects(createRelayServer(relayOptions({ default: [{ url: 'http://x', weight: 0 }] })), TypeError);
});
