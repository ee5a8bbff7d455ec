/**
 * The relay under the same limits as the hub: lingering close on 413 (a real Node client in another
 * process always reads it), per-client connection limit, a bound on requests in flight, bad input
 * that never crashes it, and a close() with a deadline.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { createRelayServer, type RelayServerOptions } from '../../src/relay/index.js';
import { startCli, type CliProcess } from '../helpers/cli.js';
import { upload } from '../helpers/big-upload.js';
import { eventually } from '../helpers/test-hub.js';
import { rawExchange } from '../helpers/raw-http.js';

let upstream: Server;
let upstreamUrl: string;
/** Requests to this path are held until released. */
const held: (() => void)[] = [];
before(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/hold') held.push(() => res.end('late'));
      else res.end('ok');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
after(async () => {
  for (const h of held) h();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

const options = (extra: Partial<RelayServerOptions> = {}): RelayServerOptions => ({
  host: '127.0.0.1',
  port: 0,
  upstreams: { default: [{ url: upstreamUrl }] },
  healthCheck: { path: '/healthz', intervalMs: 60_000, timeoutMs: 1000 },
  timeoutMs: 5000,
  maxBodyBytes: 1024 * 1024,
  ...extra,
});

test('an 11 MiB body through the relay process: the client reads 413, 20 of 20 tries', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-relay-limits-'));
  let relay: CliProcess | undefined;
  try {
    const config = join(dir, 'relay.yaml');
    await writeFile(config, stringify({ logLevel: 'warn', listen: { host: '127.0.0.1', port: 0 }, upstreams: { default: [{ url: upstreamUrl }] } }));
    relay = startCli(['relay', '--config', config]);
    const port = await relay.waitForLine((line) => {
      try {
        const v = JSON.parse(line) as { event?: string; relay?: string };
        return v.event === 'listening' ? Number(v.relay?.split(':').pop()) : undefined;
      } catch {
        return undefined;
      }
    });
    for (const mode of ['end', 'chunks'] as const) {
      for (let i = 0; i < 10; i++) {
        const r = await upload(`http://127.0.0.1:${port}/v1/logs`, 11 * 1024 * 1024, { 'content-type': 'application/x-protobuf' }, mode);
        assert.equal(r.status, 413, `${mode} try ${i}: ${r.error ?? ''}`);
        assert.match(r.body?.toString() ?? '', /"code":8,"message":"request body over 10485760 bytes"/);
      }
    }
  } finally {
    relay?.kill('SIGKILL');
    await relay?.exited;
    await rm(dir, { recursive: true, force: true });
  }
});

test('per-client connections and requests in flight are bounded: 503 with Retry-After', async () => {
  const relay = await createRelayServer(options({ maxConnectionsPerClient: 2, maxConcurrentRequests: 1 }));
  const { port } = relay.address();
  try {
    const first = fetch(`http://127.0.0.1:${port}/hold`, { method: 'POST', body: 'x' });
    await eventually(async () => held.length === 1, 'the first request held upstream');
    const busy = await rawExchange(port, 'POST /v1/logs HTTP/1.1\r\nHost: r\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx');
    assert.match(busy, /^HTTP\/1\.1 503 [\s\S]*retry-after: 1\r\n[\s\S]*"code":14,"message":"too many concurrent requests"/i);
    // The held request keeps one connection; two more from this address are one too many.
    await eventually(async () => /e2e_http_open_connections\{server="relay"\} 1\n/.test(await relay.metrics.registry.metrics()), 'only the held connection open');
    const a = net.connect({ port, host: '127.0.0.1' });
    await new Promise((r) => a.once('connect', r));
    const refused = await rawExchange(port, '');
    assert.match(refused, /^HTTP\/1\.1 503 Service Unavailable/);
    a.destroy();
    held.shift()!();
    assert.equal((await first).status, 200);
    const m = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(m, /e2e_http_connections_refused_total\{server="relay",reason="max_connections_per_client"\} 1/);
  } finally {
    await relay.close();
  }
});

test('random request targets and header values never crash the relay', { timeout: 60_000 }, async () => {
  const relay = await createRelayServer(options());
  const { port } = relay.address();
  try {
    const byte = fc.integer({ min: 0x21, max: 0xff }).map((b) => String.fromCharCode(b));
    await fc.assert(
      fc.asyncProperty(fc.array(byte, { maxLength: 30 }), fc.array(fc.integer({ min: 0x20, max: 0xff }).map((b) => String.fromCharCode(b)), { maxLength: 30 }), async (target, value) => {
        const out = await rawExchange(port, Buffer.from(`POST /${target.join('')} HTTP/1.1\r\nHost: r\r\nX-Odd: ${value.join('')}\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx`, 'latin1'));
        assert.match(out, /^HTTP\/1\.1 \d{3} /);
      }),
      { numRuns: 200 },
    );
    assert.equal((await fetch(`http://127.0.0.1:${port}/v1/logs`, { method: 'POST', body: 'x' })).status, 200);
  } finally {
    await relay.close();
  }
});

test('close() waits for requests in flight only until its deadline', async () => {
  const relay = await createRelayServer(options({ drainTimeoutMs: 300 }));
  const { port } = relay.address();
  const pending = fetch(`http://127.0.0.1:${port}/hold`, { method: 'POST', body: 'x' }).catch((e: unknown) => e);
  await eventually(async () => held.length === 1, 'a request held upstream');
  const started = Date.now();
  await relay.close();
  assert.ok(Date.now() - started < 3000, `closed after ${Date.now() - started} ms`);
  assert.ok((await pending) instanceof Error, 'the held request was cut');
  held.shift()!();
});
