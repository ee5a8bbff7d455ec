import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { createLocalReceiver, type AcceptOutcome, type LocalReceiver } from '../../src/agent/index.js';
import { decodeRequest, decodeRpcStatus, encodeRequest } from '../../src/otlp/index.js';
import type { ExportLogsServiceRequest, OtlpFormat, Signal } from '../../src/otlp/model.js';

let receiver: LocalReceiver;
let url: string;
const accepted: { signal: Signal; body: Uint8Array; format: OtlpFormat }[] = [];
let next: AcceptOutcome['kind'] = 'ok';

before(async () => {
  receiver = createLocalReceiver({
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes: 64 * 1024,
    maxDecompressedBytes: 256 * 1024,
    requestTimeoutMs: 5000,
    async accept(input) {
      if (next === 'ok') {
        // The receiver hands over the decompressed body; the agent makes the record.
        try {
          decodeRequest(input.signal, input.body, input.format);
        } catch (err) {
          return { kind: 'invalid', message: (err as Error).message };
        }
        accepted.push(input);
        return { kind: 'ok', items: 1 };
      }
      return { kind: 'unavailable', message: next === 'unavailable' ? 'the agent queue is full; retry later' : 'x', retryAfterSeconds: 5 };
    },
  });
  const a = await receiver.listen();
  url = `http://127.0.0.1:${a.port}`;
});

after(async () => {
  await receiver.close();
});

const logs = (body: string): ExportLogsServiceRequest => ({
  resourceLogs: [
    {
      resource: { attributes: [], droppedAttributesCount: 0 },
      schemaUrl: '',
      scopeLogs: [
        {
          schemaUrl: '',
          logRecords: [
            {
              timeUnixNano: 1n,
              observedTimeUnixNano: 0n,
              severityNumber: 9,
              severityText: 'INFO',
              body: { stringValue: body },
              attributes: [],
              droppedAttributesCount: 0,
              flags: 0,
              traceId: new Uint8Array(0),
              spanId: new Uint8Array(0),
              eventName: '',
            },
          ],
        },
      ],
    },
  ],
});

async function post(path: string, body: Uint8Array | string, headers: Record<string, string>): Promise<{ status: number; headers: Headers; body: Uint8Array }> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
}

test('protobuf, gzip-compressed protobuf and JSON are accepted once the append resolved ok', async () => {
  accepted.length = 0;
  const pb = encodeRequest('logs', logs('pb'), 'protobuf');
  assert.equal((await post('/v1/logs', pb, { 'content-type': 'application/x-protobuf' })).status, 200);
  assert.equal((await post('/v1/logs', gzipSync(pb), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' })).status, 200);
  const json = await post('/v1/logs', Buffer.from(encodeRequest('logs', logs('json'), 'json')), { 'content-type': 'application/json' });
  assert.equal(json.status, 200);
  assert.equal(json.headers.get('content-type'), 'application/json', 'answered in the request’s encoding');
  assert.deepEqual(
    accepted.map((i) => decodeRequest('logs', i.body, i.format).resourceLogs[0]?.scopeLogs[0]?.logRecords[0]?.body?.stringValue),
    ['pb', 'pb', 'json'],
  );
});

test('a request the agent cannot make durable answers 503 with Retry-After', async () => {
  next = 'unavailable';
  try {
    const r = await post('/v1/logs', encodeRequest('logs', logs('x'), 'protobuf'), { 'content-type': 'application/x-protobuf' });
    assert.equal(r.status, 503);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.match(decodeRpcStatus(r.body, 'protobuf').message, /queue is full/);
  } finally {
    next = 'ok';
  }
});

test('errors as the hub answers them: 400, 404, 405, 413 (wire and decompressed), 415', async () => {
  const pb = { 'content-type': 'application/x-protobuf' };
  assert.equal((await post('/v1/logs', Uint8Array.from([0xff, 0xff, 0xff]), pb)).status, 400);
  assert.equal((await post('/v1/nope', Uint8Array.from([]), pb)).status, 404);
  assert.equal((await fetch(`${url}/v1/logs`)).status, 405);
  assert.equal((await post('/v1/logs', new Uint8Array(65 * 1024), pb)).status, 413);
  const bomb = gzipSync(Buffer.alloc(1024 * 1024));
  assert.equal((await post('/v1/logs', bomb, { ...pb, 'content-encoding': 'gzip' })).status, 413);
  assert.equal((await post('/v1/logs', 'x', { 'content-type': 'text/plain' })).status, 415);
  assert.equal((await post('/v1/logs', Uint8Array.from([1]), { ...pb, 'content-encoding': 'br' })).status, 415);
});
