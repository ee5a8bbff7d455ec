/**
 * The OTLP receiver shared by the hub and the agent, on real sockets. First as the agent runs it (no
 * authentication, no usage plan, loopback), then with the hooks the hub plugs in: authenticator
 * (precheck, full check, /v1/self/*), usage plan on wire and decompressed bytes, Host allow-list,
 * observer. The hub's own wiring is exercised end to end in test/integration and test/security.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { Counter, Registry } from 'prom-client';
import {
  ACCEPTED,
  createOtlpReceiver,
  type AcceptOutcome,
  type Authenticator,
  type LimitCheck,
  type OtlpReceiver,
} from '../../src/ingest/index.js';
import { decodeExportResponse, decodeRequest, decodeRpcStatus, encodeRequest } from '../../src/otlp/index.js';
import type { ExportLogsServiceRequest, OtlpFormat, Signal } from '../../src/otlp/model.js';
import { logRecord, logsRequest } from '../helpers/otlp-requests.js';
import { rawExchange } from '../helpers/raw-http.js';
import { agentReceiver } from '../helpers/ingest-receiver.js';

const logs = (body: string): ExportLogsServiceRequest => logsRequest([logRecord(1n, { body: { stringValue: body } })], []);
const PB = { 'content-type': 'application/x-protobuf' };
const pbLogs = (body: string): Uint8Array => encodeRequest('logs', logs(body), 'protobuf');

async function started(receiver: OtlpReceiver): Promise<string> {
  const a = await receiver.listen();
  return `http://127.0.0.1:${a.port}`;
}

async function post(url: string, body: Uint8Array | string, headers: Record<string, string>): Promise<{ status: number; headers: Headers; body: Uint8Array }> {
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
}

const messageOf = (r: { body: Uint8Array; headers: Headers }): string =>
  decodeRpcStatus(r.body, r.headers.get('content-type') === 'application/json' ? 'json' : 'protobuf').message;

describe('as the agent runs it', () => {
  let receiver: OtlpReceiver;
  let url: string;
  const registry = new Registry();
  const requests = new Counter({ name: 'requests_total', help: 'h', labelNames: ['signal', 'code'], registers: [registry] });
  const accepted: { signal: Signal; body: Uint8Array; format: OtlpFormat; accountId: string }[] = [];
  const failures: unknown[] = [];
  let next: AcceptOutcome['kind'] | 'throw' = 'ok';

  before(async () => {
    receiver = agentReceiver(
      async (signal, body, format, accountId) => {
        if (next === 'throw') throw new Error('boom');
        if (next !== 'ok') return { kind: 'unavailable', message: 'the agent queue is full; retry later', retryAfterSeconds: 5 };
        // The receiver hands over the decompressed body; the agent makes the record.
        try {
          decodeRequest(signal, body, format);
        } catch (err) {
          return { kind: 'invalid', message: (err as Error).message };
        }
        accepted.push({ signal, body: Uint8Array.from(body), format, accountId });
        return ACCEPTED;
      },
      { metrics: { requests }, observer: { failed: (err) => failures.push(err) } },
    );
    url = await started(receiver);
  });

  after(async () => {
    await receiver.close();
  });

  test('protobuf, gzip-compressed protobuf and JSON are accepted once the append resolved ok', async () => {
    accepted.length = 0;
    const pb = pbLogs('pb');
    assert.equal((await post(`${url}/v1/logs`, pb, PB)).status, 200);
    assert.equal((await post(`${url}/v1/logs`, gzipSync(pb), { ...PB, 'content-encoding': 'gzip' })).status, 200);
    const json = await post(`${url}/v1/logs`, Buffer.from(encodeRequest('logs', logs('json'), 'json')), { 'content-type': 'application/json' });
    assert.equal(json.status, 200);
    assert.equal(json.headers.get('content-type'), 'application/json', 'answered in the request’s encoding');
    assert.deepEqual(
      accepted.map((i) => decodeRequest('logs', i.body, i.format).resourceLogs[0]?.scopeLogs[0]?.logRecords[0]?.body?.stringValue),
      ['pb', 'pb', 'json'],
    );
    assert.deepEqual(new Set(accepted.map((i) => i.accountId)), new Set(['']), 'no authenticator: the loopback account');
  });

  test('a request the agent cannot make durable answers 503 with Retry-After', async () => {
    next = 'unavailable';
    try {
      const r = await post(`${url}/v1/logs`, pbLogs('x'), PB);
      assert.equal(r.status, 503);
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      assert.match(messageOf(r), /queue is full/);
    } finally {
      next = 'ok';
    }
  });

  test('errors as the hub answers them: 400, 404, 405, 413 (wire and decompressed), 415', async () => {
    const expect = async (r: Promise<{ status: number; headers: Headers; body: Uint8Array }>, status: number, message: RegExp): Promise<void> => {
      const got = await r;
      assert.equal(got.status, status);
      assert.match(messageOf(got), message);
    };
    await expect(post(`${url}/v1/logs`, Uint8Array.from([0xff, 0xff, 0xff]), PB), 400, /./);
    await expect(post(`${url}/v1/nope`, Uint8Array.from([]), PB), 404, /^no route \/v1\/nope; OTLP\/HTTP paths are/);
    const get = await fetch(`${url}/v1/logs`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    await expect(post(`${url}/v1/logs`, new Uint8Array(65 * 1024), PB), 413, /^body of 66560 bytes is over the limit of 65536 bytes$/);
    const bomb = gzipSync(Buffer.alloc(1024 * 1024));
    await expect(post(`${url}/v1/logs`, bomb, { ...PB, 'content-encoding': 'gzip' }), 413, /^decompressed body is over the limit of 262144 bytes$/);
    await expect(post(`${url}/v1/logs`, 'x', { 'content-type': 'text/plain' }), 415, /^unsupported Content-Type 'text\/plain'/);
    await expect(post(`${url}/v1/logs`, Uint8Array.from([1]), { ...PB, 'content-encoding': 'br' }), 415, /^unsupported Content-Encoding 'br'/);
    await expect(post(`${url}/v1/logs`, Uint8Array.from([1, 2, 3]), { ...PB, 'content-encoding': 'gzip' }), 400, /^cannot decode gzip body/);
  });

  test('/healthz and / answer ok; a query string does not change the route', async () => {
    assert.equal(await (await fetch(`${url}/healthz`)).text(), 'ok\n');
    assert.equal(await (await fetch(`${url}/`)).text(), 'ok\n');
    assert.equal((await post(`${url}/v1/logs?x=1`, pbLogs('q'), PB)).status, 200);
    assert.equal((await fetch(`${url}/v1/self/api-key`)).status, 404, 'no authenticator: no /v1/self/*');
  });

  test('a failing accept answers 500 naming the agent, is told to the observer and counted', async () => {
    next = 'throw';
    try {
      const r = await post(`${url}/v1/traces`, encodeRequest('traces', { resourceSpans: [] }, 'protobuf'), PB);
      assert.equal(r.status, 500);
      assert.equal(decodeRpcStatus(r.body, 'json').message, 'internal error; see the agent log');
      assert.equal((failures.at(-1) as Error).message, 'boom');
    } finally {
      next = 'ok';
    }
    const text = await registry.metrics();
    assert.match(text, /requests_total\{signal="traces",code="500"\} 1/);
    assert.match(text, /requests_total\{signal="logs",code="405"\} 1/);
    assert.doesNotMatch(text, /code="404"/, 'requests outside the OTLP paths are not counted by signal');
  });

  test('while draining: a request on an open connection gets 503 naming the agent with Connection: close; readiness says draining', async () => {
    const waiting: (() => void)[] = [];
    const r = agentReceiver(async () => {
      await new Promise<void>((resolve) => waiting.push(resolve));
      return ACCEPTED;
    });
    const { port } = await r.listen();
    const socket = net.connect({ port, host: '127.0.0.1' });
    try {
      const request = (body: string): string => `POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.write(request('{}'));
      while (waiting.length === 0) await new Promise((res) => setTimeout(res, 5));
      assert.deepEqual(r.readiness(), { ready: true, reasons: [] });
      const drained = r.drain(5000);
      assert.deepEqual(r.readiness(), { ready: false, reasons: ['draining: shutting down, new requests get 503'] });
      socket.write(request('{}'));
      await new Promise((res) => setTimeout(res, 50));
      waiting.shift()!();
      await closed;
      assert.equal(await drained, 'drained');
      assert.match(answer, /^HTTP\/1\.1 200 /);
      assert.match(answer, /HTTP\/1\.1 503 [^]*connection: close[^]*retry-after: 5[^]*the agent is shutting down/i);
    } finally {
      socket.destroy();
      await r.close();
    }
  });
});

describe('a request held by accept keeps its decompressed bytes in the in-flight budget until release()', () => {
  for (const releaseEarly of [false, true]) {
    test(releaseEarly ? 'released before the append: the next request gets in' : 'not released: the next request is refused busy (503)', async () => {
      const waiting: (() => void)[] = [];
      let calls = 0;
      const receiver = agentReceiver(
        async (_signal, _body, _format, _account, release) => {
          if (releaseEarly) release();
          // Only the first request is held (as by a slow append).
          if (calls++ === 0) await new Promise<void>((resolve) => waiting.push(resolve));
          return ACCEPTED;
        },
        { maxDecompressedBytesInFlight: 3000 },
      );
      const url = await started(receiver);
      try {
        const body = new Uint8Array(2000); // 2000 bytes of field 0 — never decoded by this accept
        const first = post(`${url}/v1/logs`, body, PB);
        while (waiting.length === 0) await new Promise((r) => setTimeout(r, 5));
        const second = await post(`${url}/v1/logs`, body, PB);
        if (releaseEarly) assert.equal(second.status, 200);
        else {
          assert.equal(second.status, 503);
          assert.equal(messageOf(second), 'the agent is busy with other large requests; retry later');
          assert.equal(second.headers.get('retry-after'), '1');
        }
        waiting.shift()!();
        assert.equal((await first).status, 200);
        assert.equal((await post(`${url}/v1/logs`, body, PB)).status, 200, 'the bytes are back once the request is answered');
      } finally {
        await receiver.close();
      }
    });
  }
});

describe('with the hub’s hooks', () => {
  const seen = { denied: [] as [number, string | undefined][], throttled: [] as [string, string][], unavailable: [] as [Signal, number][] };
  const limitCalls: [string, number, boolean][] = [];
  const acceptedBy: string[] = [];
  let limitAnswer: (bytesOnly: boolean) => Awaited<ReturnType<LimitCheck>> = () => ({ ok: true });
  let acceptAnswer: AcceptOutcome = ACCEPTED;
  let receiver: OtlpReceiver;
  let url: string;
  let port: number;

  const authenticator: Authenticator = {
    // Header-only: no credentials at all is refused before the body is read.
    precheck: (req) => (req.headers['x-api-key'] === undefined ? { ok: false, status: 401, message: 'missing x-api-key' } : undefined),
    authenticate: async (req) =>
      req.headers['x-api-key'] === 'good'
        ? { ok: true, accountId: '123456789012' }
        : { ok: false, status: 403, message: 'unknown API key', accountId: '999999999999' },
    async handleSelf(req, res) {
      if (req.url !== '/v1/self/whoami') return false;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"self":true}');
      return true;
    },
  };

  before(async () => {
    receiver = createOtlpReceiver({
      name: 'otlp',
      ownerName: 'hub',
      configKey: 'otlp',
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 64 * 1024,
      maxDecompressedBytes: 1024 * 1024,
      maxDecompressedBytesInFlight: 4 * 1024 * 1024,
      requestTimeoutMs: 5000,
      allowedHosts: ['hub.example.com', '127.0.0.1'],
      authenticator,
      limit: async (accountId, bytes, o) => {
        limitCalls.push([accountId, bytes, o?.bytesOnly === true]);
        return limitAnswer(o?.bytesOnly === true);
      },
      accept: async (_signal, _body, _format, accountId) => {
        acceptedBy.push(accountId);
        return acceptAnswer;
      },
      observer: {
        denied: (status, accountId) => seen.denied.push([status, accountId]),
        throttled: (reason, accountId) => seen.throttled.push([reason, accountId]),
        unavailable: (signal, reply) => seen.unavailable.push([signal, reply.status]),
      },
    });
    port = (await receiver.listen()).port;
    url = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await receiver.close();
  });

  /** Raw request with an explicit Host header (fetch always sends the URL's). */
  const raw = (method: string, path: string, headers: Record<string, string>, body = ''): Promise<string> =>
    rawExchange(
      port,
      `${method} ${path} HTTP/1.1\r\n${Object.entries({ ...headers, 'content-length': String(Buffer.byteLength(body)), connection: 'close' })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n${body}`,
    );

  test('the authenticated account reaches the usage plan and accept; admitted on the wire size', async () => {
    limitCalls.length = 0;
    acceptedBy.length = 0;
    const body = pbLogs('ok');
    const r = await raw('POST', '/v1/logs', { host: 'hub.example.com', 'content-type': 'application/x-protobuf', 'x-api-key': 'good' }, Buffer.from(body).toString('latin1'));
    assert.match(r, /^HTTP\/1\.1 200 /);
    assert.deepEqual(limitCalls, [['123456789012', body.length, false]]);
    assert.deepEqual(acceptedBy, ['123456789012']);
  });

  test('denials: 401 from the headers (precheck) and 403 after the body, each told to the observer', async () => {
    seen.denied.length = 0;
    acceptedBy.length = 0;
    const r401 = await raw('POST', '/v1/logs', { host: 'hub.example.com', 'content-type': 'application/json' }, '{}');
    assert.match(r401, /^HTTP\/1\.1 401 [^]*missing x-api-key/);
    const r403 = await raw('POST', '/v1/logs', { host: 'hub.example.com', 'content-type': 'application/json', 'x-api-key': 'bad' }, '{}');
    assert.match(r403, /^HTTP\/1\.1 403 [^]*unknown API key/);
    assert.deepEqual(seen.denied, [
      [401, undefined],
      [403, '999999999999'],
    ]);
    assert.deepEqual(acceptedBy, []);
  });

  test('usage plan: 429 on the wire size; 429 "(decompressed)" on what decompression added, charged bytes-only', async () => {
    seen.throttled.length = 0;
    limitCalls.length = 0;
    const headers = { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip', 'x-api-key': 'good' };
    const inflated = Buffer.alloc(200 * 1024, 7);
    const gz = gzipSync(inflated);
    limitAnswer = () => ({ ok: false, reason: 'requests', message: 'request rate over the plan', retryAfterSeconds: 2 });
    try {
      const first = await post(`${url}/v1/logs`, gz, headers);
      assert.equal(first.status, 429);
      assert.equal(first.headers.get('retry-after'), '2');
      assert.equal(messageOf(first), 'request rate over the plan');
      limitAnswer = (bytesOnly) => (bytesOnly ? { ok: false, reason: 'bytes', message: 'byte rate over the plan', retryAfterSeconds: 3 } : { ok: true });
      const second = await post(`${url}/v1/logs`, gz, headers);
      assert.equal(second.status, 429);
      assert.equal(messageOf(second), 'byte rate over the plan (decompressed)');
    } finally {
      limitAnswer = () => ({ ok: true });
    }
    assert.deepEqual(seen.throttled, [
      ['requests', '123456789012'],
      ['decompressed_bytes', '123456789012'],
    ]);
    assert.deepEqual(limitCalls.at(-1), ['123456789012', inflated.length - gz.length, true]);
  });

  test('Host allow-list: 403 from the headers on export and /v1/self/*, not on /healthz', async () => {
    const wrong = await raw('POST', '/v1/logs', { host: 'evil.example.com', 'content-type': 'application/json', 'x-api-key': 'good' }, '{}');
    assert.match(wrong, /^HTTP\/1\.1 403 [^]*Host \\"evil\.example\.com\\" is not a name of this hub \(otlp\.allowedHosts\)/);
    assert.match(await raw('GET', '/v1/self/whoami', { host: 'evil.example.com' }), /^HTTP\/1\.1 403 /);
    assert.match(await raw('GET', '/v1/self/whoami', { host: 'hub.example.com' }), /^HTTP\/1\.1 200 [^]*\{"self":true\}/);
    assert.match(await raw('GET', '/v1/self/other', { host: 'hub.example.com' }), /^HTTP\/1\.1 404 /);
    assert.match(await raw('GET', '/healthz', { host: '10.0.0.1' }), /^HTTP\/1\.1 200 /);
  });

  test('accept outcomes: partial success in the 200, 400, and 503 with Retry-After told to the observer', async () => {
    seen.unavailable.length = 0;
    const headers = { 'content-type': 'application/x-protobuf', 'x-api-key': 'good' };
    try {
      acceptAnswer = { kind: 'ok', partial: { rejected: 2n, errorMessage: '2 log records without source.name' } };
      const partial = await post(`${url}/v1/logs`, pbLogs('p'), headers);
      assert.equal(partial.status, 200);
      assert.deepEqual(decodeExportResponse('logs', partial.body, 'protobuf'), { rejected: 2n, errorMessage: '2 log records without source.name' });
      acceptAnswer = { kind: 'invalid', message: 'too many attributes' };
      const invalid = await post(`${url}/v1/logs`, pbLogs('i'), headers);
      assert.equal(invalid.status, 400);
      assert.equal(messageOf(invalid), 'too many attributes');
      acceptAnswer = { kind: 'unavailable', message: 'the hub queue is full; retry later', retryAfterSeconds: 5 };
      const full = await post(`${url}/v1/logs`, pbLogs('u'), headers);
      assert.equal(full.status, 503);
      assert.equal(full.headers.get('retry-after'), '5');
    } finally {
      acceptAnswer = ACCEPTED;
    }
    assert.deepEqual(seen.unavailable, [['logs', 503]]);
  });
});

test('bad options are refused at construction', () => {
  assert.throws(() => agentReceiver(async () => ACCEPTED, { maxBodyBytes: 0 }), /agent_otlp\): maxBodyBytes must be > 0/);
});
