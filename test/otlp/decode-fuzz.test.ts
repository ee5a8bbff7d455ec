import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeExportResponse,
  decodeRequest,
  decodeRpcStatus,
  encodeRequest,
  OtlpDecodeError,
  SIGNALS,
  type OtlpFormat,
  type RequestBySignal,
  type Signal,
} from '../../src/otlp/index.js';
import { logsRequest, metricsRequest, traceRequest } from './arbitraries.js';

/** Decoding either returns or throws OtlpDecodeError; anything else fails the test. */
function decodesOrRejects(signal: Signal, body: Uint8Array, format: OtlpFormat): void {
  for (const decode of [
    () => decodeRequest(signal, body, format),
    () => decodeExportResponse(signal, body, format),
    () => decodeRpcStatus(body, format),
  ]) {
    try {
      decode();
    } catch (err) {
      if (!(err instanceof OtlpDecodeError)) {
        assert.fail(`${format} ${signal}: threw ${String(err)} for ${Buffer.from(body).toString('hex').slice(0, 200)}`);
      }
    }
  }
}

const requests: { [S in Signal]: fc.Arbitrary<RequestBySignal[S]> } = {
  traces: traceRequest,
  metrics: metricsRequest,
  logs: logsRequest,
};

const MAX_MUTATED_BYTES = 4096;

const signal = fc.constantFrom(...SIGNALS);
const format = fc.constantFrom<OtlpFormat>('protobuf', 'json');

describe('decoders never throw anything but OtlpDecodeError', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(signal, format, fc.uint8Array({ maxLength: 300 }), (s, f, body) => decodesOrRejects(s, body, f)),
      { numRuns: 3000 },
    );
  });

  it('random bytes that start like a request (field 1, length-delimited)', () => {
    fc.assert(
      fc.property(signal, fc.uint8Array({ maxLength: 300 }), (s, tail) => {
        decodesOrRejects(s, new Uint8Array([0x0a, tail.length & 0x7f, ...tail]), 'protobuf');
      }),
      { numRuns: 2000 },
    );
  });

  for (const s of SIGNALS) {
    for (const f of ['protobuf', 'json'] as const) {
      it(`${s} ${f}: every truncation and random single-byte mutations of valid encodings`, () => {
        fc.assert(
          fc.property(
            // Every truncation costs O(n²) in the body size: keep bodies to a few KiB.
            (requests[s] as fc.Arbitrary<RequestBySignal[Signal]>).filter(
              (request) => encodeRequest(s, request as never, f).length <= MAX_MUTATED_BYTES,
            ),
            fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 20 }),
            (request, mutations) => {
              const valid = encodeRequest(s, request as never, f);
              for (let cut = 0; cut < valid.length; cut++) decodesOrRejects(s, valid.subarray(0, cut), f);
              if (valid.length === 0) return;
              for (const [at, value] of mutations) {
                const mutated = valid.slice();
                mutated[at % valid.length] = value;
                decodesOrRejects(s, mutated, f);
              }
            },
          ),
          { numRuns: f === 'json' ? 25 : 40 },
        );
      });
    }
  }
});

describe('JSON decoders on hostile text', () => {
  const encoder = new TextEncoder();

  it('random JSON values and JSON-ish strings', () => {
    fc.assert(
      fc.property(signal, fc.oneof(fc.json({ maxDepth: 6 }), fc.string({ maxLength: 200 })), (s, text) => {
        decodesOrRejects(s, encoder.encode(text), 'json');
      }),
      { numRuns: 2000 },
    );
  });

  it('random values placed where OTLP fields are expected', () => {
    const value = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(value, value, value, value, (a, b, c, d) => {
        const text = JSON.stringify({
          resourceSpans: [{ resource: a, scopeSpans: [{ scope: b, spans: [c, { attributes: [{ key: 'k', value: d }] }] }] }],
          resourceMetrics: [{ scopeMetrics: [{ metrics: [{ gauge: { dataPoints: [a] } }, { histogram: b }, { sum: c }] }] }],
          resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: d }, a] }] }],
          partialSuccess: a,
          code: b,
        });
        for (const s of SIGNALS) decodesOrRejects(s, encoder.encode(text), 'json');
      }),
      { numRuns: 1000 },
    );
  });

  it('arrays and AnyValues nested 100000 deep', () => {
    const depth = 100_000;
    const deepArray = '['.repeat(depth) + ']'.repeat(depth);
    const deepValue = '{"arrayValue":{"values":['.repeat(depth) + '{}' + ']}}'.repeat(depth);
    const bodies = [
      deepArray,
      `{"resourceSpans":${deepArray}}`,
      `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${deepValue}}]}]}]}`,
      `{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":${deepValue}}]}}]}`,
    ];
    for (const text of bodies) {
      for (const s of SIGNALS) {
        const body = encoder.encode(text);
        decodesOrRejects(s, body, 'json');
      }
    }
    assert.throws(
      () => decodeRequest('logs', encoder.encode(bodies[2] ?? ''), 'json'),
      (err: unknown) => err instanceof OtlpDecodeError && /deeper than/.test(err.message),
    );
  });
});
