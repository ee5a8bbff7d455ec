import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { encodeRequest } from '../../src/otlp/index.js';
import type { KeyValue, LogRecord, Span } from '../../src/otlp/model.js';
import { DEFAULT_OTLP_LIMITS, compileScanPolicy, editRequest, type EditOutcome, type OtlpLimits } from '../../src/otlp/scan/index.js';
import { logRecord, logsRequest, span as modelSpan, stringAttr as kv, tracesRequest } from '../helpers/otlp-requests.js';

const source = kv('source.name', 'src');
const span = (attributes: KeyValue[], extra: Partial<Span> = {}): Span => modelSpan({ attributes, ...extra });
const traces = (spans: Span[], resourceAttrs: KeyValue[] = [source]): Uint8Array => encodeRequest('traces', tracesRequest(spans, resourceAttrs), 'protobuf');

function scan(body: Uint8Array, limits: Partial<OtlpLimits> = {}, signal: 'traces' | 'logs' = 'traces'): EditOutcome {
  const policy = compileScanPolicy({ signal, limits: { ...DEFAULT_OTLP_LIMITS, ...limits }, rules: [{ signal, attribute: 'source.name', on: 'resource' }], setResourceAttributes: { 'e2e.account.id': '1' } });
  return editRequest(policy, body);
}

function partial(outcome: EditOutcome): { accepted: number; rejected: number; reasons: string[] } {
  assert.equal(outcome.kind, 'ok');
  if (outcome.kind !== 'ok') throw new Error('unreachable');
  const policy = compileScanPolicy({ signal: 'traces', limits: DEFAULT_OTLP_LIMITS, rules: [{ signal: 'traces', attribute: 'source.name', on: 'resource' }] });
  return { accepted: outcome.accepted, rejected: outcome.rejected, reasons: outcome.rejectedBy.map(([r, n]) => `${policy.reasons[r]?.name}=${n}`) };
}

describe('count limits of the one-pass scan', () => {
  it('refuses a request with more items than maxItemsPerRequest, early and cheaply', () => {
    // The attack of issue 9: one ResourceLogs, then millions of the 7-byte LogRecord 12 05 2a 03 0a 01 78.
    const record = Buffer.from([0x12, 0x05, 0x2a, 0x03, 0x0a, 0x01, 0x78]);
    const n = 2_000_000;
    const scopeLogs = Buffer.alloc(record.length * n);
    for (let i = 0; i < n; i++) record.copy(scopeLogs, i * record.length);
    const header = (tag: number, len: number): Buffer => {
      const out = [tag];
      let v = len;
      while (v >= 0x80) {
        out.push((v & 0x7f) | 0x80);
        v = Math.floor(v / 128);
      }
      out.push(v);
      return Buffer.from(out);
    };
    const scope = Buffer.concat([header(0x12, scopeLogs.length), scopeLogs]);
    const body = Buffer.concat([header(0x0a, scope.length), scope]);
    assert.ok(gzipSync(body).length < 200_000, 'the attack body compresses to almost nothing');
    const outcome = scan(new Uint8Array(body), {}, 'logs');
    assert.equal(outcome.kind, 'too-many-items');
    if (outcome.kind === 'too-many-items') assert.match(outcome.message, /more than 100000 items \(limit maxItemsPerRequest\)/);
  });

  it('rejects a span with more attributes than maxAttributesPerItem and keeps the others', () => {
    const many = Array.from({ length: 300 }, (_, i) => kv(`k${i}`, 'v'));
    const r = partial(scan(traces([span(many), span([kv('a', 'b')])])));
    assert.deepEqual(r, { accepted: 1, rejected: 1, reasons: ['limits.maxAttributesPerItem=1'] });
  });

  it('rejects a 50,000-attribute span (issue 9)', () => {
    const many = Array.from({ length: 50_000 }, (_, i) => kv(`k${i}`, 'v'));
    const r = partial(scan(traces([span(many)])));
    assert.deepEqual(r, { accepted: 0, rejected: 1, reasons: ['limits.maxAttributesPerItem=1'] });
  });

  it('rejects a span with a 1 MiB attribute key, and one with an over-long value', () => {
    const r = partial(scan(traces([span([kv('k'.repeat(1024 * 1024), 'v')]), span([kv('k', 'v'.repeat(200_000))]), span([])])));
    assert.deepEqual(r, { accepted: 1, rejected: 2, reasons: ['limits.maxAttributeKeyBytes=1', 'limits.maxAttributeValueBytes=1'] });
  });

  it('applies the attribute limits inside arrays, kvlists, events and links', () => {
    const bigArray: KeyValue = { key: 'arr', value: { arrayValue: { values: Array.from({ length: 300 }, () => ({ intValue: 1n })) } } };
    const nestedKey: KeyValue = { key: 'kv', value: { kvlistValue: { values: [kv('x'.repeat(2000), 'v')] } } };
    const event = { timeUnixNano: 1n, name: 'e', attributes: [kv('y'.repeat(2000), 'v')], droppedAttributesCount: 0 };
    const r = partial(scan(traces([span([bigArray]), span([nestedKey]), span([], { events: [event] }), span([])])));
    assert.deepEqual(r, { accepted: 1, rejected: 3, reasons: ['limits.maxAttributesPerItem=1', 'limits.maxAttributeKeyBytes=2'] });
  });

  it('rejects spans with too many events or links', () => {
    const event = { timeUnixNano: 1n, name: 'e', attributes: [], droppedAttributesCount: 0 };
    const link = { traceId: new Uint8Array(16).fill(1), spanId: new Uint8Array(8).fill(1), traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 };
    const r = partial(scan(traces([span([], { events: [event, event, event] }), span([], { links: [link, link, link] }), span([])]), { maxEventsPerSpan: 2, maxLinksPerSpan: 2 }));
    assert.deepEqual(r, { accepted: 1, rejected: 2, reasons: ['limits.maxEventsPerSpan=1', 'limits.maxLinksPerSpan=1'] });
  });

  it('a resource over a limit takes all its items; the message names the limit', () => {
    const policy = compileScanPolicy({ signal: 'traces', limits: DEFAULT_OTLP_LIMITS, rules: [] });
    const outcome = editRequest(policy, traces([span([]), span([])], [source, kv('z'.repeat(5000), 'v')]));
    assert.equal(outcome.kind, 'ok');
    if (outcome.kind !== 'ok') return;
    assert.equal(outcome.accepted, 0);
    assert.equal(outcome.rejected, 2);
    assert.equal(policy.reasons[outcome.rejectedBy[0]?.[0] ?? -1]?.text, 'limit maxAttributeKeyBytes: an attribute key is longer than 1024 bytes');
  });

  it('exempts a log record body from the value length limit, but not its nested values', () => {
    const log = (body: LogRecord['body']): LogRecord => logRecord(1n, { observedTimeUnixNano: 1n, severityText: '', body });
    const body = encodeRequest('logs', logsRequest([log({ stringValue: 'x'.repeat(300_000) }), log({ kvlistValue: { values: [kv('k', 'x'.repeat(300_000))] } })], [source]), 'protobuf');
    const outcome = scan(body, {}, 'logs');
    assert.equal(outcome.kind, 'ok');
    if (outcome.kind === 'ok') assert.deepEqual([outcome.accepted, outcome.rejected], [1, 1]);
  });

  it('refuses AnyValue nesting over maxAnyValueDepth with 400', () => {
    let value: KeyValue['value'] = { stringValue: 'leaf' };
    for (let i = 0; i < 40; i++) value = { arrayValue: { values: [value] } };
    const outcome = scan(traces([span([{ key: 'deep', value }])]));
    assert.equal(outcome.kind, 'invalid');
  });
});
