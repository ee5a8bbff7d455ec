import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { hubConfigSchema, validateConfig } from '../../src/config/index.js';
import { encodeRequest } from '../../src/otlp/index.js';
import type { KeyValue } from '../../src/otlp/model.js';
import { eventually, startTestHub } from '../helpers/test-hub.js';

const s = (key: string, v: string): KeyValue => ({ key, value: { stringValue: v } });

it('logs reach Loki push with only the configured resource attributes as labels; the rest is structured metadata', { timeout: 30_000 }, async () => {
  const pushes: { headers: Record<string, unknown>; body: any }[] = [];
  // No Loki in Debian: a stand-in that records Loki push requests (gzip JSON).
  const loki = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      pushes.push({ headers: req.headers, body: JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString()) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => loki.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(loki.address() as AddressInfo).port}/loki/api/v1/push`;
  const hub = await startTestHub({ tenant: 'acme', exporters: { loki: [{ name: 'loki', endpoint: url, indexLabels: ['e2e.account.id', 'service.name', 'source.name'] }] } });
  try {
    const resource = [s('service.name', 'billing'), s('source.name', 'billing-vm'), ...Array.from({ length: 20 }, (_, i) => s(`k8s.extra.${i}`, `v${i}`))];
    const body = encodeRequest(
      'logs',
      {
        resourceLogs: [
          {
            resource: { attributes: resource, droppedAttributesCount: 0 },
            schemaUrl: '',
            scopeLogs: [{ schemaUrl: '', logRecords: [{ timeUnixNano: 1_700_000_000_000_000_123n, observedTimeUnixNano: 0n, severityNumber: 17, severityText: 'ERROR', body: { stringValue: 'invoice failed' }, attributes: [s('invoice.id', 'inv-9')], droppedAttributesCount: 0, flags: 0, traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), eventName: '' }] }],
          },
        ],
      },
      'protobuf',
    );
    const res = await fetch(`${hub.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
    assert.equal(res.status, 200);
    await eventually(async () => pushes.length > 0, 'a Loki push');
    const push = pushes[0]!;
    assert.equal(push.headers['x-scope-orgid'], 'acme');
    const stream = push.body.streams[0];
    assert.deepEqual(stream.stream, { e2e_account_id: '123456789012', service_name: 'billing', source_name: 'billing-vm' });
    const [ts, line, meta] = stream.values[0];
    assert.equal(ts, '1700000000000000123');
    assert.equal(line, 'invoice failed');
    assert.equal(meta.k8s_extra_19, 'v19');
    assert.equal(meta.invoice_id, 'inv-9');
    assert.equal(meta.severity_text, 'ERROR');
    assert.equal(meta.trace_id, '01'.repeat(16));
  } finally {
    await hub.close();
    loki.close();
  }
  assert.throws(
    () => validateConfig(hubConfigSchema, { exporters: { loki: [{ name: 'l', endpoint: 'http://x/', indexLabels: Array.from({ length: 16 }, (_, i) => `a${i}`) }] } }, 'test'),
    /exporters\.loki\.0\.indexLabels/,
  );
});
