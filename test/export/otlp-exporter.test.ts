import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { ExportItem } from '../../src/export/exporter.js';
import { createOtlpExporter } from '../../src/export/otlp-exporter.js';
import { decodeRequest } from '../../src/otlp/index.js';
import type { ExportLogsServiceRequest, ExportTraceServiceRequest } from '../../src/otlp/model.js';
import { attrs, CUMULATIVE, metric, metricsRequest, numberPoint } from './metrics-fixtures.js';
import { exportItem } from '../helpers/export-items.js';

interface Received {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** google.rpc.Status{code, message} in protobuf, written by hand for the server's error bodies. */
function rpcStatus(code: number, message: string): Buffer {
  const text = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from([0x08, code, 0x12, text.length]), text]);
}

function traces(accountId: string, spanName: string): ExportItem {
  const request: ExportTraceServiceRequest = {
    resourceSpans: [
      {
        resource: { attributes: attrs({ 'e2e.account.id': accountId, 'source.name': 'orders' }), droppedAttributesCount: 0 },
        scopeSpans: [
          {
            spans: [
              {
                traceId: new Uint8Array(16).fill(1), spanId: new Uint8Array(8).fill(2), traceState: '', parentSpanId: new Uint8Array(0),
                flags: 0, name: spanName, kind: 2, startTimeUnixNano: 1_000n, endTimeUnixNano: 2_000n, attributes: [],
                droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0,
              },
            ],
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      },
    ],
  };
  return exportItem('traces', accountId, request);
}

function logs(accountId: string): ExportItem {
  const request: ExportLogsServiceRequest = {
    resourceLogs: [
      {
        resource: { attributes: attrs({ 'e2e.account.id': accountId }), droppedAttributesCount: 0 },
        scopeLogs: [{
          logRecords: [{
            timeUnixNano: 5n, observedTimeUnixNano: 6n, severityNumber: 9, severityText: 'INFO', body: { stringValue: 'order placed' },
            attributes: [], droppedAttributesCount: 0, flags: 0, traceId: new Uint8Array(0), spanId: new Uint8Array(0), eventName: '',
          }],
          schemaUrl: '',
        }],
        schemaUrl: '',
      },
    ],
  };
  return exportItem('logs', accountId, request);
}

function metrics(accountId: string): ExportItem {
  return exportItem(
    'metrics',
    accountId,
    metricsRequest({ 'e2e.account.id': accountId }, [
      metric('orders', '', { sum: { dataPoints: [numberPoint(3, 1_700_000_000_000)], aggregationTemporality: CUMULATIVE, isMonotonic: true } }),
    ]),
  );
}

describe('OTLP/HTTP exporter', () => {
  const received: Received[] = [];
  let reply: (req: Received, res: http.ServerResponse) => void = (_r, res) => res.writeHead(200).end();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      received.push(r);
      reply(r, res);
    });
  });
  let base = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends one gzip protobuf request per signal with tenant and extra headers, merging accounts', async () => {
    received.length = 0;
    reply = (_r, res) => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    const exporter = createOtlpExporter({
      name: 'collector', endpoint: `${base}/prefix/`, signals: ['traces', 'metrics', 'logs'],
      headers: { Authorization: 'Bearer t' }, tenant: 'e2e', timeoutMs: 5000,
    });
    try {
      const outcome = await exporter.export([traces('111', 'a'), metrics('111'), traces('222', 'b'), logs('222')]);
      assert.deepEqual(outcome, { kind: 'success' });
    } finally {
      await exporter.close();
    }
    assert.deepEqual(received.map((r) => r.url).sort(), ['/prefix/v1/logs', '/prefix/v1/metrics', '/prefix/v1/traces']);
    for (const r of received) {
      assert.equal(r.headers['content-type'], 'application/x-protobuf');
      assert.equal(r.headers['content-encoding'], 'gzip');
      assert.equal(r.headers['x-scope-orgid'], 'e2e');
      assert.equal(r.headers['authorization'], 'Bearer t');
    }
    const tracesBody = received.find((r) => r.url.endsWith('/traces'))?.body ?? Buffer.alloc(0);
    const decoded = decodeRequest('traces', gunzipSync(tracesBody), 'protobuf');
    assert.deepEqual(decoded.resourceSpans.map((rs) => rs.scopeSpans[0]?.spans[0]?.name), ['a', 'b']);
    assert.deepEqual(
      decoded.resourceSpans.map((rs) => rs.resource?.attributes.find((kv) => kv.key === 'e2e.account.id')?.value?.stringValue),
      ['111', '222'],
    );
    const logsBody = received.find((r) => r.url.endsWith('/logs'))?.body ?? Buffer.alloc(0);
    assert.equal(decodeRequest('logs', gunzipSync(logsBody), 'protobuf').resourceLogs[0]?.scopeLogs[0]?.logRecords[0]?.body?.stringValue, 'order placed');
    const metricsBody = received.find((r) => r.url.endsWith('/metrics'))?.body ?? Buffer.alloc(0);
    assert.equal(decodeRequest('metrics', gunzipSync(metricsBody), 'protobuf').resourceMetrics[0]?.scopeMetrics[0]?.metrics[0]?.sum?.dataPoints[0]?.asInt, 3n);
  });

  it('uses per-signal endpoints and skips signals it is not configured for', async () => {
    received.length = 0;
    reply = (_r, res) => res.writeHead(200).end();
    const exporter = createOtlpExporter({
      name: 'lgtm', endpoint: `${base}/unused`, signals: ['metrics', 'logs'], tenant: 'e2e', timeoutMs: 5000,
      endpoints: { metrics: `${base}/mimir/otlp/v1/metrics`, logs: `${base}/loki/otlp/v1/logs` },
    });
    try {
      assert.deepEqual(await exporter.export([traces('1', 'x'), metrics('1'), logs('1')]), { kind: 'success' });
      assert.deepEqual(await exporter.export([traces('1', 'only traces')]), { kind: 'success' });
    } finally {
      await exporter.close();
    }
    assert.deepEqual(received.map((r) => r.url).sort(), ['/loki/otlp/v1/logs', '/mimir/otlp/v1/metrics']);
  });

  it('maps 429 with Retry-After to retryable with retryAfterMs', async () => {
    reply = (_r, res) => res.writeHead(429, { 'retry-after': '3' }).end(rpcStatus(8, 'quota exceeded'));
    const exporter = createOtlpExporter({ name: 'x', endpoint: base, signals: ['traces'], tenant: 'e2e', timeoutMs: 5000 });
    try {
      const outcome = await exporter.export([traces('1', 'x')]);
      assert.equal(outcome.kind, 'retryable');
      assert.ok(outcome.kind === 'retryable');
      assert.equal(outcome.retryAfterMs, 3000);
      assert.match(outcome.message, /traces: .*HTTP 429/);
    } finally {
      await exporter.close();
    }
  });

  it('maps 400 to failure quoting the google.rpc.Status message', async () => {
    reply = (_r, res) => res.writeHead(400, { 'content-type': 'application/x-protobuf' }).end(rpcStatus(3, 'span name too long'));
    const exporter = createOtlpExporter({ name: 'x', endpoint: base, signals: ['traces'], tenant: 'e2e', timeoutMs: 5000 });
    try {
      const outcome = await exporter.export([traces('1', 'x')]);
      assert.ok(outcome.kind === 'failure');
      assert.match(outcome.message, /HTTP 400: span name too long/);
    } finally {
      await exporter.close();
    }
  });

  it('retries the batch when any signal is retryable, even if another one failed', async () => {
    reply = (r, res) => (r.url.endsWith('/traces') ? res.writeHead(400).end('bad') : res.writeHead(503).end());
    const exporter = createOtlpExporter({ name: 'x', endpoint: base, signals: ['traces', 'logs'], tenant: 'e2e', timeoutMs: 5000 });
    try {
      const outcome = await exporter.export([traces('1', 'x'), logs('1')]);
      assert.equal(outcome.kind, 'retryable');
    } finally {
      await exporter.close();
    }
  });

  it('keeps the status line when a protobuf error body is not a google.rpc.Status', async () => {
    reply = (_r, res) => res.writeHead(400, { 'content-type': 'application/x-protobuf' }).end(Buffer.from([0xff, 0xff, 0xff]));
    const exporter = createOtlpExporter({ name: 'x', endpoint: base, signals: ['traces'], tenant: 'e2e', timeoutMs: 5000 });
    try {
      const outcome = await exporter.export([traces('1', 'x')]);
      assert.ok(outcome.kind === 'failure');
      assert.match(outcome.message, /HTTP 400$/);
    } finally {
      await exporter.close();
    }
  });

  it('returns retryable when the backend is unreachable', async () => {
    const dead = http.createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const exporter = createOtlpExporter({ name: 'x', endpoint: url, signals: ['logs'], tenant: 'e2e', timeoutMs: 5000 });
    try {
      assert.equal((await exporter.export([logs('1')])).kind, 'retryable');
    } finally {
      await exporter.close();
    }
  });

  it('rejects bad configuration at construction', () => {
    assert.throws(() => createOtlpExporter({ name: 'x', endpoint: 'nope', signals: ['logs'], tenant: 'e2e', timeoutMs: 5000 }), TypeError);
    assert.throws(() => createOtlpExporter({ name: 'x', endpoint: base, signals: [], tenant: 'e2e', timeoutMs: 5000 }), TypeError);
  });
});
