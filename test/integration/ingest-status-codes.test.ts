import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createGzip, gzipSync, deflateSync, deflateRawSync } from 'node:zlib';
import { decodeExportResponse, decodeRpcStatus, encodeRequest } from '../../src/otlp/index.js';
import type { ExportLogsServiceRequest } from '../../src/otlp/model.js';
import { logRecord, logsRequest as logsOf, stringAttr } from '../helpers/otlp-requests.js';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Raw HTTP POST on a real socket (fetch would hide framing details such as chunked bodies). */
function post(base: string, path: string, headers: Record<string, string>, body: Buffer | Buffer[] | undefined, method = 'POST'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (Array.isArray(body)) {
      for (const b of body) req.write(b);
      req.end();
    } else req.end(body);
  });
}

function logsRequest(sourceName: string | undefined, n = 1): ExportLogsServiceRequest {
  const records = Array.from({ length: n }, (_, i) => logRecord(1_700_000_000_000_000_000n + BigInt(i), { body: { stringValue: `line ${i} ${'x'.repeat(200)}` } }));
  return logsOf(records, sourceName === undefined ? [] : [stringAttr('source.name', sourceName)]);
}

const PROTO = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };

describe('ingest status codes over a real socket', () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub({ otlp: { maxBodyBytes: 64 * 1024, maxDecompressedBytes: 1024 * 1024 } });
  });
  after(async () => {
    await t.close();
  });

  it('200 with partial_success naming the rule, in the request encoding', async () => {
    const mixed = logsRequest('app');
    mixed.resourceLogs.push(...logsRequest(undefined, 2).resourceLogs);
    const pb = await post(t.otlpUrl, '/v1/logs', PROTO, Buffer.from(encodeRequest('logs', mixed, 'protobuf')));
    assert.equal(pb.status, 200);
    assert.equal(pb.headers['content-type'], 'application/x-protobuf');
    const partial = decodeExportResponse('logs', pb.body, 'protobuf');
    assert.equal(partial?.rejected, 2n);
    assert.match(partial?.errorMessage ?? '', /logs\.resource\.source\.name/);
    const js = await post(t.otlpUrl, '/v1/logs', JSON_CT, Buffer.from(encodeRequest('logs', mixed, 'json')));
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /application\/json/);
    const body = JSON.parse(js.body.toString()) as { partialSuccess: { rejectedLogRecords: string; errorMessage: string } };
    assert.equal(String(body.partialSuccess.rejectedLogRecords), '2');
    const clean = await post(t.otlpUrl, '/v1/logs', PROTO, Buffer.from(encodeRequest('logs', logsRequest('app'), 'protobuf')));
    assert.equal(clean.status, 200);
    assert.equal(decodeExportResponse('logs', clean.body, 'protobuf'), undefined);
  });

  it('accepts gzip and both deflate framings', async () => {
    const raw = Buffer.from(encodeRequest('logs', logsRequest('app'), 'protobuf'));
    for (const [enc, body] of [['gzip', gzipSync(raw)], ['deflate', deflateSync(raw)], ['deflate', deflateRawSync(raw)]] as const) {
      const r = await post(t.otlpUrl, '/v1/logs', { ...PROTO, 'content-encoding': enc }, body);
      assert.equal(r.status, 200, `${enc}: ${r.body.toString()}`);
    }
  });

  it('400 for an undecodable protobuf body, with a google.rpc.Status message', async () => {
    const r = await post(t.otlpUrl, '/v1/traces', PROTO, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    assert.equal(r.status, 400);
    const status = decodeRpcStatus(r.body, 'protobuf');
    assert.equal(status.code, 3);
    assert.match(status.message, /protobuf/i);
  });

  it('400 for invalid JSON and for a corrupt gzip body, as JSON Status', async () => {
    const r = await post(t.otlpUrl, '/v1/metrics', JSON_CT, Buffer.from('{"resourceMetrics": [ {'));
    assert.equal(r.status, 400);
    assert.match(decodeRpcStatus(r.body, 'json').message, /JSON/i);
    const g = await post(t.otlpUrl, '/v1/metrics', { ...JSON_CT, 'content-encoding': 'gzip' }, Buffer.from('not gzip at all'));
    assert.equal(g.status, 400);
    assert.match(decodeRpcStatus(g.body, 'json').message, /gzip/);
  });

  it('415 for another content type or content encoding', async () => {
    const r = await post(t.otlpUrl, '/v1/logs', { 'content-type': 'text/plain' }, Buffer.from('hello'));
    assert.equal(r.status, 415);
    assert.match(decodeRpcStatus(r.body, 'json').message, /Content-Type/);
    const e = await post(t.otlpUrl, '/v1/logs', { ...PROTO, 'content-encoding': 'br' }, Buffer.from('x'));
    assert.equal(e.status, 415);
  });

  it('413 when Content-Length is over maxBodyBytes, and when a chunked body passes it', async () => {
    const big = Buffer.alloc(100 * 1024, 1);
    const r = await post(t.otlpUrl, '/v1/logs', { ...PROTO, 'content-length': String(big.length) }, big);
    assert.equal(r.status, 413);
    assert.match(decodeRpcStatus(r.body, 'protobuf').message, /65536 bytes/);
    const chunks = Array.from({ length: 10 }, () => Buffer.alloc(10 * 1024, 2));
    const c = await post(t.otlpUrl, '/v1/logs', { ...PROTO, 'transfer-encoding': 'chunked' }, chunks).catch((err: Error) => err);
    // The hub answers 413 and closes; depending on timing the client sees the reply or a reset.
    if (!(c instanceof Error)) assert.equal(c.status, 413);
  });

  it('413 for a gzip bomb, which costs little memory', async () => {
    // 256 MiB of zeros compress to ~250 KiB: over the wire limit of this hub, so use a hub with a larger one.
    const bomb = await new Promise<Buffer>((resolve) => {
      const gz = createGzip({ level: 9 });
      const out: Buffer[] = [];
      gz.on('data', (c: Buffer) => out.push(c));
      gz.on('end', () => resolve(Buffer.concat(out)));
      const zeros = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < 256; i++) gz.write(zeros);
      gz.end();
    });
    const big = await startTestHub({ otlp: { maxBodyBytes: 1024 * 1024, maxDecompressedBytes: 8 * 1024 * 1024 } });
    try {
      const before = process.memoryUsage().rss;
      const r = await post(big.otlpUrl, '/v1/logs', { ...PROTO, 'content-encoding': 'gzip' }, bomb);
      const grownBytes = process.memoryUsage().rss - before;
      assert.equal(r.status, 413);
      assert.match(decodeRpcStatus(r.body, 'protobuf').message, /decompressed/);
      assert.ok(grownBytes < 128 * 1024 * 1024, `memory grew by ${grownBytes} bytes while refusing a 256 MiB bomb`);
    } finally {
      await big.close();
    }
  });

  it('404 for an unknown path and 405 for GET on a signal path', async () => {
    const r = await post(t.otlpUrl, '/v1/profiles', PROTO, Buffer.alloc(0));
    assert.equal(r.status, 404);
    const g = await post(t.otlpUrl, '/v1/traces', {}, undefined, 'GET');
    assert.equal(g.status, 405);
  });
});

describe('503 when the durable queue is full', () => {
  it('answers 503 with Retry-After instead of dropping, and stored nothing for the refused request', async () => {
    // No exporter reads the queue (embedded store off), so it fills up.
    const t = await startTestHub({ queue: { maxBytes: 8 * 1024 }, exporters: { embedded: { enabled: false } } });
    try {
      const body = Buffer.from(encodeRequest('logs', logsRequest('app', 5), 'protobuf'));
      const statuses: number[] = [];
      let refused: Reply | undefined;
      for (let i = 0; i < 20 && refused === undefined; i++) {
        const r = await post(t.otlpUrl, '/v1/logs', PROTO, body);
        statuses.push(r.status);
        if (r.status === 503) refused = r;
      }
      assert.ok(refused, `expected a 503, got ${statuses.join(',')}`);
      assert.ok(statuses[0] === 200, 'the first request fits');
      assert.ok(Number(refused.headers['retry-after']) >= 1);
      assert.match(decodeRpcStatus(refused.body, 'protobuf').message, /queue is full/);
      const stats = await t.api('/api/stats');
      const accepted = stats.json.accounts[0].accepted.logRecords as number;
      assert.equal(accepted, 5 * statuses.filter((s) => s === 200).length, 'only acknowledged requests count as accepted');
    } finally {
      await t.close();
    }
  });
});
