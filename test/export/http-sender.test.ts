import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createHttpSender, type HttpSender } from '../../src/export/http-sender.js';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A loopback server whose reply per path is set by the test. */
function startServer(reply: (req: Received, res: http.ServerResponse) => void) {
  const received: Received[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      received.push(r);
      reply(r, res);
    });
  });
  server.on('connection', () => connections++);
  return {
    received,
    connections: () => connections,
    listen: () =>
      new Promise<string>((resolve) => {
        server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('http sender', () => {
  const server = startServer((req, res) => {
    switch (req.url) {
      case '/ok':
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.from([1, 2, 3]));
        return;
      case '/throttled':
        res.writeHead(429, { 'retry-after': '7', 'content-type': 'text/plain' }).end('slow down');
        return;
      case '/unavailable-date':
        res.writeHead(503, { 'retry-after': new Date(Date.now() + 3_600_000).toUTCString() }).end();
        return;
      case '/bad-text':
        res.writeHead(400, { 'content-type': 'text/plain' }).end('out of order sample');
        return;
      case '/bad-proto':
        res.writeHead(400, { 'content-type': 'application/x-protobuf' }).end(Buffer.from([0x08, 0x03, 0x12, 0x01, 0x78]));
        return;
      case '/internal':
        res.writeHead(500).end('boom');
        return;
      case '/huge':
        res.writeHead(400, { 'content-type': 'text/plain' }).end('x'.repeat(2 * 1024 * 1024));
        return;
      case '/hang':
        return; // never answers
      default:
        res.writeHead(404).end();
    }
  });
  let base = '';
  let sender: HttpSender;
  before(async () => {
    base = await server.listen();
    sender = createHttpSender({ timeoutMs: 5000, maxResponseBytes: 64 * 1024 });
  });
  after(async () => {
    sender.close();
    await server.close();
  });

  it('POSTs the body with headers and returns success with the response body', async () => {
    const outcome = await sender.send({ url: `${base}/ok`, headers: { 'content-type': 'application/x-protobuf', 'x-scope-orgid': 'e2e' }, body: new Uint8Array([9, 8, 7]), gzip: false });
    assert.deepEqual(outcome, { kind: 'success', status: 200, body: Buffer.from([1, 2, 3]) });
    const req = server.received.at(-1);
    assert.equal(req?.method, 'POST');
    assert.equal(req?.headers['x-scope-orgid'], 'e2e');
    assert.equal(req?.headers['content-encoding'], undefined);
    assert.deepEqual(req?.body, Buffer.from([9, 8, 7]));
  });

  it('gzips the body and says so', async () => {
    const body = new TextEncoder().encode('hello '.repeat(100));
    const outcome = await sender.send({ url: `${base}/ok`, headers: {}, body, gzip: true });
    assert.equal(outcome.kind, 'success');
    const req = server.received.at(-1);
    assert.equal(req?.headers['content-encoding'], 'gzip');
    assert.equal(Number(req?.headers['content-length']), req?.body.length);
    assert.deepEqual(gunzipSync(req?.body ?? Buffer.alloc(0)), Buffer.from(body));
  });

  it('reuses keep-alive connections', async () => {
    const before = server.connections();
    for (let i = 0; i < 3; i++) assert.equal((await sender.send({ url: `${base}/ok`, headers: {}, body: new Uint8Array(1), gzip: false })).kind, 'success');
    assert.ok(server.connections() - before <= 1, `new connections: ${server.connections() - before}`);
  });

  it('maps 429 with Retry-After seconds to retryable with retryAfterMs', async () => {
    const outcome = await sender.send({ url: `${base}/throttled`, headers: {}, body: new Uint8Array(1), gzip: false });
    assert.equal(outcome.kind, 'retryable');
    assert.ok(outcome.kind === 'retryable');
    assert.equal(outcome.status, 429);
    assert.equal(outcome.retryAfterMs, 7000);
    assert.match(outcome.message, /429: slow down/);
  });

  it('maps 503 with an HTTP-date Retry-After to a capped wait', async () => {
    const outcome = await sender.send({ url: `${base}/unavailable-date`, headers: {}, body: new Uint8Array(1), gzip: false });
    assert.ok(outcome.kind === 'retryable');
    assert.equal(outcome.retryAfterMs, 10 * 60 * 1000);
  });

  it('maps 400 to failure quoting a textual server message', async () => {
    const outcome = await sender.send({ url: `${base}/bad-text`, headers: {}, body: new Uint8Array(1), gzip: false });
    assert.ok(outcome.kind === 'failure');
    assert.equal(outcome.status, 400);
    assert.match(outcome.message, /HTTP 400: out of order sample/);
  });

  it('keeps a binary error body for the caller to decode', async () => {
    const outcome = await sender.send({ url: `${base}/bad-proto`, headers: {}, body: new Uint8Array(1), gzip: false });
    assert.ok(outcome.kind === 'failure');
    assert.deepEqual(Buffer.from(outcome.body), Buffer.from([0x08, 0x03, 0x12, 0x01, 0x78]));
    assert.equal(outcome.contentType, 'application/x-protobuf');
    assert.doesNotMatch(outcome.message, /\u0008/);
  });

  it('caps the response body it reads', async () => {
    const outcome = await sender.send({ url: `${base}/huge`, headers: {}, body: new Uint8Array(1), gzip: false });
    assert.ok(outcome.kind === 'failure');
    assert.equal(outcome.body.byteLength, 64 * 1024);
    assert.ok(outcome.message.length < 2000);
  });

  it('applies OTLP rules by default (500 is final) and remote-write rules on request (500 retried)', async () => {
    const otlp = await sender.send({ url: `${base}/internal`, headers: {}, body: new Uint8Array(1), gzip: false });
    assert.equal(otlp.kind, 'failure');
    const rw = createHttpSender({ timeoutMs: 5000, retryProtocol: 'remote-write' });
    try {
      const outcome = await rw.send({ url: `${base}/internal`, headers: {}, body: new Uint8Array(1), gzip: false });
      assert.ok(outcome.kind === 'retryable');
      assert.equal(outcome.status, 500);
    } finally {
      rw.close();
    }
  });

  it('returns retryable without a status on connection refused', async () => {
    const closed = startServer(() => {});
    const url = await closed.listen();
    await closed.close();
    const outcome = await sender.send({ url: `${url}/ok`, headers: {}, body: new Uint8Array(1), gzip: false });
    assert.ok(outcome.kind === 'retryable');
    assert.equal(outcome.status, undefined);
    assert.match(outcome.message, /ECONNREFUSED/);
  });

  it('returns retryable when the server does not answer within timeoutMs', async () => {
    const quick = createHttpSender({ timeoutMs: 100 });
    try {
      const outcome = await quick.send({ url: `${base}/hang`, headers: {}, body: new Uint8Array(1), gzip: false });
      assert.ok(outcome.kind === 'retryable');
      assert.match(outcome.message, /timed out after 100 ms/);
    } finally {
      quick.close();
    }
  });

  it('rejects bad options and URLs as programming errors', async () => {
    assert.throws(() => createHttpSender({ timeoutMs: 0 }), TypeError);
    assert.throws(() => createHttpSender({ timeoutMs: 10, maxConnections: 0 }), TypeError);
    await assert.rejects(sender.send({ url: 'not a url', headers: {}, body: new Uint8Array(1), gzip: false }), TypeError);
    await assert.rejects(sender.send({ url: 'ftp://127.0.0.1/x', headers: {}, body: new Uint8Array(1), gzip: false }), TypeError);
  });
});
