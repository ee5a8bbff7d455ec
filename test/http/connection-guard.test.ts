/** Connection limits, timeouts and lingering close on bare servers built by createHttpServer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import type { RequestListener } from 'node:http';
import { Registry } from 'prom-client';
import { closeServer, createHttpMetrics, createHttpServer, listenOn, PRESSURE_IDLE_TIMEOUT_MS, respondAndLinger, type GuardedServer, type HttpServerLimits } from '../../src/http/index.js';
import { eventually } from '../helpers/test-hub.js';
import { createTestPki } from '../helpers/tls-certs.js';

const LIMITS: HttpServerLimits = { maxConnections: 0, maxConnectionsPerClient: 0, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, idleTimeoutMs: 5_000 };
const ok: RequestListener = (_req, res) => res.end('ok');

async function start(limits: Partial<HttpServerLimits>, handler: RequestListener = ok, extra: { tls?: tls.TlsOptions } = {}): Promise<GuardedServer & { port: number; registry: Registry; close(): Promise<void> }> {
  const registry = new Registry();
  const g = createHttpServer({ name: 'test', limits: { ...LIMITS, ...limits }, metrics: createHttpMetrics(registry), tls: extra.tls }, handler);
  const { port } = await listenOn(g.server, '127.0.0.1', 0);
  return { ...g, port, registry, close: () => closeServer(g.server, g.guard) };
}

/** A raw connection; resolves with what the server sent and whether it closed, after `waitMs`. */
function connect(port: number, options: { localAddress?: string; send?: string; waitMs?: number } = {}): Promise<{ socket: net.Socket; data: () => string; closed: () => boolean }> {
  return new Promise((resolve) => {
    let data = '';
    let closed = false;
    const socket = net.connect({ port, host: '127.0.0.1', ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) });
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (data += d));
    socket.on('error', () => undefined);
    socket.on('close', () => (closed = true));
    socket.on('connect', () => {
      if (options.send !== undefined) socket.write(options.send);
      setTimeout(() => resolve({ socket, data: () => data, closed: () => closed }), options.waitMs ?? 50);
    });
  });
}

const metric = async (registry: Registry, line: string): Promise<number | undefined> => {
  const text = await registry.metrics();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
};

test('per-client limit: the next connection from that address gets a bare 503 and is closed; other addresses are served', async () => {
  const s = await start({ maxConnectionsPerClient: 3 });
  try {
    const held = await Promise.all([1, 2, 3].map(() => connect(s.port)));
    const refused = await connect(s.port, { waitMs: 200 });
    assert.match(refused.data(), /^HTTP\/1\.1 503 Service Unavailable\r\n[\s\S]*Retry-After: 1\r\n/);
    assert.match(refused.data(), /too many connections from this client/);
    await eventually(async () => refused.closed(), 'the refused connection closed');
    const other = await connect(s.port, { localAddress: '127.0.0.2', send: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', waitMs: 200 });
    assert.match(other.data(), /^HTTP\/1\.1 200 OK/);
    assert.equal(await metric(s.registry, 'e2e_http_connections_refused_total{server="test",reason="max_connections_per_client"}'), 1);
    assert.equal(await metric(s.registry, 'e2e_http_open_connections{server="test"}'), 4);
    // A closed connection frees its place.
    held[0]!.socket.destroy();
    await eventually(async () => s.guard.open === 3, 'the place freed');
    const again = await connect(s.port, { send: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', waitMs: 200 });
    assert.match(again.data(), /^HTTP\/1\.1 200 OK/);
    for (const h of [...held, refused, other, again]) h.socket.destroy();
  } finally {
    await s.close();
  }
});

test('total limit: connections beyond it are closed at accept and counted', async () => {
  const s = await start({ maxConnections: 5 });
  try {
    const conns = await Promise.all(Array.from({ length: 8 }, () => connect(s.port, { waitMs: 200 })));
    await eventually(async () => conns.filter((c) => c.closed()).length === 3, 'three closed at accept');
    assert.equal(s.guard.open, 5);
    assert.deepEqual(s.guard.refused(), { max_connections: 3, max_connections_per_client: 0 });
    assert.equal(await metric(s.registry, 'e2e_http_connections_refused_total{server="test",reason="max_connections"}'), 3);
    for (const c of conns) c.socket.destroy();
  } finally {
    await s.close();
  }
});

test('header timeout closes a slowloris connection with 408; idle keep-alive connections are closed too', async () => {
  const s = await start({ headersTimeoutMs: 300, idleTimeoutMs: 200 });
  try {
    const slow = await connect(s.port, { send: 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: a' });
    const timer = setInterval(() => slow.socket.write('a'), 50);
    await eventually(async () => slow.closed(), 'the slowloris connection closed', 5000);
    clearInterval(timer);
    assert.match(slow.data(), /^HTTP\/1\.1 408 Request Timeout/);
    const silent = await connect(s.port);
    await eventually(async () => silent.closed(), 'a connection that sends nothing closed', 5000);
    // Keep-alive: Node closes an idle connection idleTimeoutMs (+1 s of its own margin) after the response.
    const idle = await connect(s.port, { send: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', waitMs: 100 });
    assert.match(idle.data(), /^HTTP\/1\.1 200 OK/);
    await eventually(async () => idle.closed(), 'the idle keep-alive connection closed', 5000);
  } finally {
    await s.close();
  }
});

test('near the total limit the keep-alive idle timeout is cut, and restored when connections close', async () => {
  const s = await start({ maxConnections: 8, idleTimeoutMs: 60_000 });
  try {
    assert.equal(s.server.keepAliveTimeout, 60_000);
    const conns = await Promise.all(Array.from({ length: 6 }, () => connect(s.port)));
    await eventually(async () => s.server.keepAliveTimeout === PRESSURE_IDLE_TIMEOUT_MS, 'idle timeout cut under pressure');
    for (const c of conns.slice(0, 3)) c.socket.destroy();
    await eventually(async () => s.server.keepAliveTimeout === 60_000, 'idle timeout restored');
    for (const c of conns) c.socket.destroy();
  } finally {
    await s.close();
  }
});

test('TLS: a connection over the per-client limit is closed before the handshake', async () => {
  const pki = await createTestPki();
  const s = await start({ maxConnectionsPerClient: 1 }, ok, { tls: { cert: pki.server.cert, key: pki.server.key } });
  try {
    const get = (): Promise<string> =>
      new Promise((resolve) => {
        const c = tls.connect({ port: s.port, host: '127.0.0.1', ca: pki.ca.cert, servername: 'localhost' }, () => c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
        let out = '';
        c.setEncoding('latin1');
        c.on('data', (d: string) => {
          out += d;
          if (out.includes('\r\n\r\nok')) resolve('ok');
        });
        c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
        c.on('close', () => resolve(out === '' ? 'closed' : out));
      });
    const held = await connect(s.port);
    assert.notEqual(await get(), 'ok');
    held.socket.destroy();
    await eventually(async () => s.guard.open === 0, 'place freed');
    assert.equal(await get(), 'ok');
  } finally {
    await s.close();
    await pki.cleanup();
  }
});

test('lingering close: the refused client reads the whole answer, finishes its upload, and the connection closes cleanly', async () => {
  const s = await start({}, (req, res) => {
    respondAndLinger(req, res, 413, { 'content-type': 'text/plain', 'content-length': '8' }, 'too big\n');
  });
  try {
    const c = await connect(s.port, { send: 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\n', waitMs: 100 });
    assert.match(c.data(), /^HTTP\/1\.1 413 Payload Too Large\r\n[\s\S]*[Cc]onnection: close\r\n[\s\S]*\r\n\r\ntoo big\n$/);
    assert.equal(c.closed(), false, 'still reading what the client sends');
    let writeError: Error | undefined;
    const chunk = Buffer.alloc(100_000, 1);
    for (let i = 0; i < 30; i++) c.socket.write(chunk, (err) => (writeError ??= err ?? undefined));
    await eventually(async () => c.closed(), 'closed once the body was read');
    assert.equal(writeError, undefined, 'every byte of the upload was taken, no reset');
  } finally {
    await s.close();
  }
});

test('lingering close is bounded: a client that stops sending is cut after the idle time', async () => {
  const s = await start({}, (req, res) => {
    respondAndLinger(req, res, 401, { 'content-length': '0' }, '', { maxBytes: 1000, idleMs: 200, maxMs: 2000 });
  });
  try {
    const c = await connect(s.port, { send: 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\nabc', waitMs: 50 });
    assert.match(c.data(), /^HTTP\/1\.1 401 /);
    await eventually(async () => c.closed(), 'cut after the idle time', 3000);
  } finally {
    await s.close();
  }
});
