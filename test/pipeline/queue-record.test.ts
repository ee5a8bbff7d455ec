import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeRecord, readRecord, UNKNOWN_ITEMS } from '../../src/pipeline/index.js';

test('a record carries signal, account, receive time and item count; the payload is a view, not decoded', () => {
  const payload = Uint8Array.from([0x0a, 0x00]);
  const data = encodeRecord({ signal: 'traces', accountId: '111111111111', receivedAtMs: 1_700_000_000_123.5, items: 42 }, payload);
  const r = readRecord(data);
  assert.ok(r.ok);
  assert.deepEqual({ ...r.record, payload: [...r.record.payload] }, { signal: 'traces', accountId: '111111111111', receivedAtMs: 1_700_000_000_123.5, items: 42, payload: [0x0a, 0x00] });
  assert.equal(r.record.payload.buffer, data.buffer, 'no copy');
});

test('records written before the one-pass data path (version 1, hub and agent layouts) are still read', () => {
  const account = Buffer.from('123', 'utf8');
  const hubV1 = Buffer.concat([Buffer.from([1, 3, 0, account.length]), account, Buffer.alloc(8), Buffer.from([0x0a, 0x00])]);
  hubV1.writeDoubleBE(5, 4 + account.length);
  const h = readRecord(hubV1);
  assert.ok(h.ok);
  assert.deepEqual([h.record.signal, h.record.accountId, h.record.receivedAtMs, h.record.items, [...h.record.payload]], ['logs', '123', 5, UNKNOWN_ITEMS, [0x0a, 0x00]]);
  const agentV1 = Buffer.concat([Buffer.from([1, 2]), Buffer.alloc(8), Buffer.from([0x0a, 0x00])]);
  agentV1.writeDoubleBE(7, 2);
  const a = readRecord(agentV1, 'agent');
  assert.ok(a.ok);
  assert.deepEqual([a.record.signal, a.record.accountId, a.record.receivedAtMs, [...a.record.payload]], ['metrics', '', 7, [0x0a, 0x00]]);
});

test('a damaged or foreign record is an outcome, never a throw or another signal', () => {
  const good = encodeRecord({ signal: 'logs', accountId: 'a', receivedAtMs: 1, items: 1 }, new Uint8Array(3));
  assert.deepEqual(readRecord(good.subarray(0, 5)), { ok: false, reason: 'record header truncated' });
  const wrongVersion = Uint8Array.from(good);
  wrongVersion[0] = 9;
  assert.deepEqual(readRecord(wrongVersion), { ok: false, reason: 'record version 9 is not supported' });
  const wrongSignal = Uint8Array.from(good);
  wrongSignal[1] = 7;
  assert.deepEqual(readRecord(wrongSignal), { ok: false, reason: 'unknown signal code 7' });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const r = readRecord(bytes);
      if (r.ok) assert.ok(['traces', 'metrics', 'logs'].includes(r.record.signal));
    }),
  );
});
