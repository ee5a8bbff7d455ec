import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { OtlpDecodeError, decodeRequest, encodeRequest } from '../../src/otlp/index.js';
import type { ExportMetricsServiceRequest, ExportTraceServiceRequest, Metric, Signal } from '../../src/otlp/model.js';
import { DEFAULT_OTLP_LIMITS, compileScanPolicy, compileOptIn, editRequest, type OptInInclude } from '../../src/otlp/scan/index.js';
import { createOptInFilter } from '../helpers/model-opt-in.js';
import { logsRequest, metricsRequest, traceRequest } from './arbitraries.js';

const WIDE = { ...DEFAULT_OTLP_LIMITS, maxItemsPerRequest: 1e9, maxAttributesPerItem: 1e9, maxAttributeKeyBytes: 1e9, maxAttributeValueBytes: 1e9, maxEventsPerSpan: 1e9, maxLinksPerSpan: 1e9 };
const ACCOUNT = { 'e2e.account.id': '123456789012' };

function decodes(signal: Signal, body: Uint8Array): boolean {
  try {
    decodeRequest(signal, body, 'protobuf');
    return true;
  } catch (err) {
    assert.ok(err instanceof OtlpDecodeError, String(err));
    return false;
  }
}

const requests = { traces: traceRequest, logs: logsRequest, metrics: metricsRequest } as const;

describe('one-pass scan on damaged input', () => {
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    it(`${signal}: refuses exactly what the decoder refuses (byte flips, truncations, random bytes)`, () => {
      const policy = compileScanPolicy({ signal, limits: WIDE, setResourceAttributes: ACCOUNT });
      const mutated = fc.tuple(requests[signal] as fc.Arbitrary<never>, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.option(fc.nat())).map(([req, flips, cut]) => {
        const body = new Uint8Array(encodeRequest(signal, req, 'protobuf'));
        for (const [at, value] of flips) if (body.length > 0) body[at % body.length] = value;
        return cut === null || body.length === 0 ? body : body.subarray(0, cut % body.length);
      });
      fc.assert(
        fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 200 })), (body) => {
          const outcome = editRequest(policy, body);
          assert.equal(outcome.kind === 'ok', decodes(signal, body), outcome.kind === 'ok' ? 'scan accepted what the decoder refuses' : outcome.message);
          if (outcome.kind === 'ok') assert.ok(decodes(signal, outcome.bytes.subarray(outcome.offset)), 'scan output must decode');
        }),
        { numRuns: 1500 },
      );
    });
  }

  it('keeps unknown fields of every level', () => {
    const req: ExportTraceServiceRequest = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'source.name', value: { stringValue: 's' } }], droppedAttributesCount: 0 },
          schemaUrl: '',
          scopeSpans: [
            {
              schemaUrl: '',
              spans: [0, 1].map((i) => ({
                traceId: new Uint8Array(16).fill(1),
                spanId: new Uint8Array(8).fill(i + 1),
                traceState: '',
                parentSpanId: new Uint8Array(0),
                flags: 0,
                name: `s${i}`,
                kind: 1,
                startTimeUnixNano: 1n,
                endTimeUnixNano: 2n,
                attributes: i === 0 ? [] : [{ key: 'source.name', value: { stringValue: 's' } }],
                droppedAttributesCount: 0,
                events: [],
                droppedEventsCount: 0,
                links: [],
                droppedLinksCount: 0,
              })),
            },
          ],
        },
      ],
    };
    const base = encodeRequest('traces', req, 'protobuf');
    // Field 99 (varint 7) appended at the request level and, by hand, inside the second span.
    const unknown = [0x98, 0x06, 0x07];
    const body = new Uint8Array([...base, ...unknown]);
    const policy = compileScanPolicy({ signal: 'traces', limits: WIDE, rules: [{ signal: 'traces', attribute: 'source.name', on: 'span' }], setResourceAttributes: ACCOUNT });
    const outcome = editRequest(policy, body);
    assert.equal(outcome.kind, 'ok');
    if (outcome.kind !== 'ok') return;
    assert.equal(outcome.accepted, 1);
    assert.equal(outcome.rejected, 1);
    const out = Buffer.from(outcome.bytes.subarray(outcome.offset));
    assert.ok(out.includes(Buffer.from(unknown)), 'request-level unknown field survives');
    const spanNamed = (name: string): boolean => out.includes(Buffer.from(name));
    assert.ok(spanNamed('s1') && !spanNamed('s0'));
  });
});

/** The scanner counts data points as items, so a metric without points never passes (the hub would drop it anyway). */
function withoutEmptyMetrics<T>(request: T): T {
  const r = request as { resourceMetrics?: ExportMetricsServiceRequest['resourceMetrics'] };
  if (r.resourceMetrics === undefined) return request;
  const points = (m: Metric): number => (m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary)?.dataPoints.length ?? 0;
  return {
    resourceMetrics: r.resourceMetrics
      .map((rm) => ({ ...rm, scopeMetrics: rm.scopeMetrics.map((sm) => ({ ...sm, metrics: sm.metrics.filter((m) => points(m) > 0) })).filter((sm) => sm.metrics.length > 0) }))
      .filter((rm) => rm.scopeMetrics.length > 0),
  } as T;
}

describe('one-pass opt-in filter agrees with the model filter', () => {
  const include = fc.record({
    metrics: fc.record({ names: fc.subarray(['*', 'a*', '?', 'x', '']) }),
    logs: fc.record({ attributes: fc.constantFrom<Record<string, string>>({}, { a: 'b' }, { '': '' }), minSeverity: fc.constantFrom<string | number | null>(null, 'WARN', 9, 'info2') }),
    traces: fc.record({ attributes: fc.constantFrom<Record<string, string>>({}, { a: 'b' }, { '': '' }, { a: 'true', b: '1' }) }),
  });
  for (const signal of ['traces', 'logs', 'metrics'] as const) {
    it(signal, () => {
      fc.assert(
        fc.property(requests[signal] as fc.Arbitrary<never>, include, (req, inc: OptInInclude) => {
          const body = encodeRequest(signal, req, 'protobuf');
          const policy = compileScanPolicy({ signal, limits: WIDE, optIn: compileOptIn(inc) });
          const outcome = editRequest(policy, body);
          assert.equal(outcome.kind, 'ok');
          if (outcome.kind !== 'ok') return;
          const expected = createOptInFilter(inc)[signal](decodeRequest(signal, body, 'protobuf') as never) ?? decodeRequest(signal, new Uint8Array(0), 'protobuf');
          assert.deepStrictEqual(decodeRequest(signal, outcome.bytes.subarray(outcome.offset), 'protobuf'), withoutEmptyMetrics(expected));
        }),
        { numRuns: 300 },
      );
    });
  }
});
