import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeAgentRecord, encodeAgentRecord } from '../../src/agent/index.js';
import type { ExportTraceServiceRequest } from '../../src/otlp/model.js';

const traces: ExportTraceServiceRequest = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'k8s.cluster.name', value: { stringValue: 'c1' } }], droppedAttributesCount: 0 },
      schemaUrl: '',
      scopeSpans: [],
    },
  ],
};

test('a record round-trips signal, receive time and request', () => {
  const data = encodeAgentRecord({ signal: 'traces', request: traces }, 1_700_000_000_123.5);
  const r = decodeAgentRecord(data);
  assert.equal(r.item.signal, 'traces');
  assert.equal(r.receivedAtMs, 1_700_000_000_123.5);
  assert.deepEqual(r.item.request, traces);
});

test('a damaged or foreign record is refused with an error, never decoded as something else', () => {
  const good = encodeAgentRecord({ signal: 'logs', request: { resourceLogs: [] } }, 1);
  assert.throws(() => decodeAgentRecord(good.subarray(0, 5)), /too short/);
  const wrongVersion = Uint8Array.from(good);
  wrongVersion[0] = 9;
  assert.throws(() => decodeAgentRecord(wrongVersion), /version 9/);
  const wrongSignal = Uint8Array.from(good);
  wrongSignal[1] = 7;
  assert.throws(() => decodeAgentRecord(wrongSignal), /signal code 7/);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
      try {
        const r = decodeAgentRecord(bytes);
        assert.ok(['traces', 'metrics', 'logs'].includes(r.item.signal));
      } catch (err) {
        assert.ok(err instanceof Error);
      }
    }),
  );
});
