import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { E2eError } from '../../src/errors.js';
import {
  decodeRequest,
  encodeRequest,
  idToHex,
  MAX_ANY_VALUE_DEPTH,
  OtlpDecodeError,
  type AnyValue,
  type ExportLogsServiceRequest,
  type OtlpFormat,
  type Signal,
} from '../../src/otlp/index.js';
import { logRecord } from '../helpers/otlp-requests.js';

// ---- a tiny protobuf assembler for hand-made (and deliberately broken) bodies ----

function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const tag = (field: number, wire: number): number[] => varint(field * 8 + wire);
const len = (field: number, content: number[]): number[] => [...tag(field, 2), ...varint(content.length), ...content];
const str = (field: number, s: string): number[] => len(field, [...Buffer.from(s, 'utf8')]);
const fixed64 = (field: number, v: bigint): number[] => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return [...tag(field, 1), ...b];
};
const double = (v: number): number[] => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return [...b];
};
const bytes = (...parts: number[][]): Uint8Array => new Uint8Array(parts.flat());

/** ExportTraceServiceRequest with one span built from `spanFields`. */
const traceWith = (...spanFields: number[][]): Uint8Array => bytes(len(1, len(2, len(2, spanFields.flat()))));
/** ExportLogsServiceRequest with one log record whose body is `body`. */
const logWithBody = (body: number[]): Uint8Array => bytes(len(1, len(2, len(2, len(5, body)))));

function rejects(signal: Signal, body: Uint8Array | string, format: OtlpFormat, message: RegExp): void {
  const input = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  assert.throws(
    () => decodeRequest(signal, input, format),
    (err: unknown) => {
      assert.ok(err instanceof OtlpDecodeError, `expected OtlpDecodeError, got ${String(err)}`);
      assert.ok(err instanceof E2eError);
      assert.equal(err.code, 'E2E_BAD_REQUEST');
      assert.equal(err.status, 400);
      assert.match(err.message, message);
      return true;
    },
  );
}

const json = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('protobuf decoding rejects malformed input with a clear message', () => {
  for (const wire of [3, 4, 6, 7]) {
    it(`rejects wire type ${wire}`, () => {
      rejects('traces', bytes(tag(1, wire), [0]), 'protobuf', /^invalid protobuf: field 1 at offset 0 has unsupported wire type/);
    });
  }

  it('rejects a length that overruns the message, naming field and offset', () => {
    rejects('traces', bytes(tag(1, 2), varint(5), [1, 2]), 'protobuf', /^invalid protobuf: length-delimited field 1 at offset 0 overruns the message$/);
    // Inside a sub-message the limit is the sub-message, not the body: the name of the span
    // claims 4 bytes but the span holds only 2 more, though the body continues.
    const body = bytes(len(1, len(2, [...len(2, [...tag(5, 2), 4, 0x61, 0x62]), 0x61, 0x62])));
    rejects('traces', body, 'protobuf', /length-delimited field 5 at offset \d+ overruns the message/);
  });

  it('rejects varints over 10 bytes and truncated varints', () => {
    rejects('traces', traceWith([...tag(6, 0), ...Array<number>(10).fill(0xff), 0x01]), 'protobuf', /varint at offset \d+ is longer than 10 bytes/);
    rejects('traces', bytes([0x0a, 0x80]), 'protobuf', /truncated varint at offset 1/);
  });

  it('rejects truncated fixed-width fields and field number 0', () => {
    rejects('traces', traceWith([...tag(7, 1), 1, 2, 3]), 'protobuf', /truncated 64-bit field/);
    rejects('traces', traceWith([...tag(16, 5), 1, 2]), 'protobuf', /truncated 32-bit field/);
    rejects('traces', bytes([0x02, 0x00]), 'protobuf', /invalid field tag at offset 0/);
  });

  it('rejects ids of the wrong length', () => {
    rejects('traces', traceWith(len(1, [1, 2, 3])), 'protobuf', /id field 1 at offset \d+ is 3 bytes, expected 16/);
    rejects('logs', bytes(len(1, len(2, len(2, len(10, [1]))))), 'protobuf', /expected 8/);
  });

  it('decodes the empty body as an empty request', () => {
    assert.deepStrictEqual(decodeRequest('traces', new Uint8Array(0), 'protobuf'), { resourceSpans: [] });
    assert.deepStrictEqual(decodeRequest('logs', new Uint8Array(0), 'protobuf'), { resourceLogs: [] });
  });
});

describe('protobuf decoding is lenient where the spec says so', () => {
  it('skips unknown fields of every valid wire type at every level', () => {
    const unknown = [
      ...tag(100, 0), ...varint(2n ** 63n),
      ...tag(101, 1), ...double(1.5),
      ...len(102, [1, 2, 3]),
      ...tag(103, 5), 1, 2, 3, 4,
    ];
    const name = str(5, 'op');
    const plain = decodeRequest('traces', traceWith(name), 'protobuf');
    const noisy = decodeRequest('traces', bytes(unknown, len(1, [...unknown, ...len(2, [...unknown, ...len(2, [...unknown, ...name])])])), 'protobuf');
    assert.deepStrictEqual(noisy, plain);
    assert.equal(noisy.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.name, 'op');
  });

  it('treats a known field with an unexpected wire type as unknown', () => {
    const req = decodeRequest('traces', traceWith(tag(5, 0), varint(7), str(5, 'kept')), 'protobuf');
    assert.equal(req.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.name, 'kept');
  });

  it('accepts packed and unpacked repeated scalars alike', () => {
    const counts = [3n, 0n, 2n ** 64n - 1n];
    const bounds = [0.5, -1, Infinity];
    const fixedCounts = counts.map((c) => fixed64(6, c).slice(1));
    const packed = [...len(6, fixedCounts.flat()), ...len(7, bounds.flatMap(double))];
    const unpacked = [...counts.flatMap((c) => fixed64(6, c)), ...bounds.flatMap((b) => [...tag(7, 1), ...double(b)])];
    const metricWith = (point: number[]): Uint8Array => bytes(len(1, len(2, len(2, len(9, len(1, point))))));
    const a = decodeRequest('metrics', metricWith(packed), 'protobuf');
    const b = decodeRequest('metrics', metricWith(unpacked), 'protobuf');
    assert.deepStrictEqual(a, b);
    const point = a.resourceMetrics[0]?.scopeMetrics[0]?.metrics[0]?.histogram?.dataPoints[0];
    assert.deepStrictEqual(point?.bucketCounts, counts);
    assert.deepStrictEqual(point.explicitBounds, bounds);

    // Exponential histogram buckets: repeated uint64 varints.
    const buckets = (counts2: number[][]): Uint8Array => bytes(len(1, len(2, len(2, len(10, len(1, len(8, counts2.flat())))))));
    const packedExp = buckets([[...tag(1, 0), ...varint(3)], len(2, [...varint(1), ...varint(300)])]);
    const unpackedExp = buckets([[...tag(1, 0), ...varint(3)], [...tag(2, 0), ...varint(1)], [...tag(2, 0), ...varint(300)]]);
    const e1 = decodeRequest('metrics', packedExp, 'protobuf');
    assert.deepStrictEqual(e1, decodeRequest('metrics', unpackedExp, 'protobuf'));
    const positive = e1.resourceMetrics[0]?.scopeMetrics[0]?.metrics[0]?.exponentialHistogram?.dataPoints[0]?.positive;
    // offset is sint32: zigzag 3 is -2.
    assert.deepStrictEqual(positive, { offset: -2, bucketCounts: [1n, 300n] });
  });

  it('reads negative enums sent as 10-byte varints and writes them back the same way', () => {
    const body = traceWith(tag(6, 0), varint(-1));
    const req = decodeRequest('traces', body, 'protobuf');
    assert.equal(req.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.kind, -1);
    assert.deepStrictEqual(Buffer.from(encodeRequest('traces', req, 'protobuf')), Buffer.from(body));
  });

  it('lets the last member of a oneof win', () => {
    const req = decodeRequest('logs', logWithBody([...str(1, 'first'), ...tag(3, 0), ...varint(-5)]), 'protobuf');
    assert.deepStrictEqual(req.resourceLogs[0]?.scopeLogs[0]?.logRecords[0]?.body, { intValue: -5n });
  });

  it('keeps a leading BOM and replaces invalid UTF-8 with U+FFFD', () => {
    const req = decodeRequest('traces', traceWith(len(5, [0xef, 0xbb, 0xbf, 0x61, 0xff])), 'protobuf');
    assert.equal(req.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.name, '\ufeffa\ufffd');
  });

  it('keeps full 64-bit values', () => {
    const req = decodeRequest('traces', traceWith(fixed64(7, 2n ** 64n - 1n), fixed64(8, 1700000000123456789n)), 'protobuf');
    const span = req.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    assert.equal(span?.startTimeUnixNano, 2n ** 64n - 1n);
    assert.equal(span.endTimeUnixNano, 1700000000123456789n);
  });

  it('copies ids out of the body', () => {
    const id = [...Array(16).keys()];
    const body = traceWith(len(1, id));
    const span = decodeRequest('traces', Buffer.from(body), 'protobuf').resourceSpans[0]?.scopeSpans[0]?.spans[0];
    assert.ok(span);
    assert.equal(span.traceId.constructor, Uint8Array);
    body.fill(0);
    assert.equal(idToHex(span.traceId), '000102030405060708090a0b0c0d0e0f');
  });
});

function nestedArrays(depth: number): AnyValue {
  let v: AnyValue = { stringValue: 'leaf' };
  for (let i = 1; i < depth; i++) v = { arrayValue: { values: [v] } };
  return v;
}

function logsWithBody(body: AnyValue): ExportLogsServiceRequest {
  // Every field but the body at its protobuf default, and no resource.
  return { resourceLogs: [{ scopeLogs: [{ logRecords: [logRecord(0n, { severityNumber: 0, severityText: '', body })], schemaUrl: '' }], schemaUrl: '' }] };
}

describe('AnyValue nesting limit', () => {
  for (const format of ['protobuf', 'json'] as const) {
    it(`${format}: accepts depth ${MAX_ANY_VALUE_DEPTH} and rejects depth ${MAX_ANY_VALUE_DEPTH + 1}`, () => {
      const ok = logsWithBody(nestedArrays(MAX_ANY_VALUE_DEPTH));
      assert.deepStrictEqual(decodeRequest('logs', encodeRequest('logs', ok, format), format), ok);
      const deep = encodeRequest('logs', logsWithBody(nestedArrays(MAX_ANY_VALUE_DEPTH + 1)), format);
      rejects('logs', deep, format, new RegExp(`deeper than ${MAX_ANY_VALUE_DEPTH}`));
    });
  }

  it('protobuf: a kvlist nested 100000 deep is rejected, not a stack overflow', () => {
    // AnyValue{ kvlist_value: KeyValueList{ values: KeyValue{ value: AnyValue{ ... } } } }, written
    // back to front so each wrapper is prepended in O(1).
    const buf = new Uint8Array(4 << 20);
    let start = buf.length;
    const wrap = (field: number): void => {
      const prefix = [...tag(field, 2), ...varint(buf.length - start)];
      start -= prefix.length;
      buf.set(prefix, start);
    };
    for (let i = 0; i < 100_000; i++) {
      wrap(2);
      wrap(1);
      wrap(6);
    }
    const inner = Array.from(buf.subarray(start));
    rejects('logs', logWithBody(inner), 'protobuf', /deeper than/);
  });
});

describe('JSON decoding', () => {
  const span = (fields: string): string =>
    `{"resourceSpans":[{"scopeSpans":[{"spans":[{},{},{${fields}}]}]}]}`;

  it('names the path of a bad id', () => {
    rejects('traces', json(span('"traceId":"abc"')), 'json', /^invalid JSON: resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[2\]\.traceId is not 32 hex characters$/);
    rejects('traces', json(span(`"spanId":"${'g'.repeat(16)}"`)), 'json', /spans\[2\]\.spanId is not 16 hex characters/);
    rejects('traces', json(span('"parentSpanId":12')), 'json', /parentSpanId is not 16 hex characters/);
  });

  it('accepts hex ids in any case and "" as the empty id', () => {
    const req = decodeRequest('traces', json(span('"traceId":"5B8EFFF798038103d269b633813fc60c","spanId":""')), 'json');
    const s = req.resourceSpans[0]?.scopeSpans[0]?.spans[2];
    assert.equal(idToHex(s?.traceId ?? new Uint8Array(0)), '5b8efff798038103d269b633813fc60c');
    assert.equal(s?.spanId.length, 0);
  });

  it('accepts enum names, snake_case names, numbers for int64 and special doubles; ignores unknown fields', () => {
    const body = `{
      "resource_metrics": [{ "scope_metrics": [{ "metrics": [
        { "name": "a", "sum": { "aggregation_temporality": "AGGREGATION_TEMPORALITY_CUMULATIVE", "is_monotonic": true,
          "data_points": [{ "as_int": 42, "time_unix_nano": 1700000000, "somethingNew": {"x": [1]} }] } },
        { "name": "b", "gauge": { "dataPoints": [{ "asDouble": "NaN" }, { "asDouble": "-Infinity" }, { "asDouble": "Infinity" }, { "asDouble": "2.5" }] } }
      ] }] }],
      "extra": true
    }`;
    const req = decodeRequest('metrics', json(body), 'json');
    const [a, b] = req.resourceMetrics[0]?.scopeMetrics[0]?.metrics ?? [];
    assert.equal(a?.sum?.aggregationTemporality, 2);
    assert.equal(a.sum.isMonotonic, true);
    assert.deepStrictEqual(a.sum.dataPoints[0]?.asInt, 42n);
    assert.equal(a.sum.dataPoints[0]?.timeUnixNano, 1700000000n);
    assert.deepStrictEqual(b?.gauge?.dataPoints.map((p) => p.asDouble), [NaN, -Infinity, Infinity, 2.5]);

    const logs = decodeRequest('logs', json('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"SEVERITY_NUMBER_WARN3","body":null}]}]}]}'), 'json');
    const rec = logs.resourceLogs[0]?.scopeLogs[0]?.logRecords[0];
    assert.equal(rec?.severityNumber, 15);
    assert.equal(rec.body, undefined);

    const traces = decodeRequest('traces', json(span('"kind":"SPAN_KIND_CONSUMER","status":{"code":"STATUS_CODE_ERROR"}')), 'json');
    const s = traces.resourceSpans[0]?.scopeSpans[0]?.spans[2];
    assert.equal(s?.kind, 5);
    assert.deepStrictEqual(s.status, { message: '', code: 2 });
  });

  it('rejects values of the wrong type or range with their path', () => {
    rejects('traces', json(span('"kind":"SPAN_KIND_BOGUS"')), 'json', /spans\[2\]\.kind has unknown enum value "SPAN_KIND_BOGUS"/);
    rejects('traces', json(span('"startTimeUnixNano":"-1"')), 'json', /startTimeUnixNano is not an unsigned 64-bit integer/);
    rejects('traces', json(span('"startTimeUnixNano":"18446744073709551616"')), 'json', /unsigned 64-bit/);
    rejects('traces', json(span('"droppedAttributesCount":1.5')), 'json', /droppedAttributesCount is not an unsigned 32-bit integer/);
    rejects('traces', json(span('"name":7')), 'json', /spans\[2\]\.name is not a string/);
    rejects('traces', json('{"resourceSpans":{}}'), 'json', /^invalid JSON: resourceSpans is not an array$/);
    rejects('traces', json(span('"attributes":[{"key":"k","value":{"stringValue":"a","intValue":"1"}}]')), 'json', /attributes\[0\]\.value sets both stringValue and intValue/);
    rejects('traces', json(span('"attributes":[{"key":"k","value":{"intValue":"9223372036854775808"}}]')), 'json', /value\.intValue is not a 64-bit integer/);
    rejects('traces', json(span('"attributes":[{"key":"k","value":{"bytesValue":"***"}}]')), 'json', /bytesValue is not base64/);
    rejects('metrics', json('{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{},"sum":{}}]}]}]}'), 'json', /sets both gauge and sum/);
  });

  it('rejects text that is not a JSON object', () => {
    rejects('traces', json('{"resourceSpans": ['), 'json', /^invalid JSON: /);
    rejects('traces', json('[]'), 'json', /^invalid JSON: the top-level value is not an object$/);
    rejects('logs', json(''), 'json', /^invalid JSON: /);
  });

  it('decodes base64 bytes, standard and URL-safe', () => {
    const req = decodeRequest('logs', json('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"bytesValue":"+/8="}},{"body":{"bytesValue":"-_8"}}]}]}]}'), 'json');
    const recs = req.resourceLogs[0]?.scopeLogs[0]?.logRecords ?? [];
    assert.deepStrictEqual(recs[0]?.body, { bytesValue: new Uint8Array([0xfb, 0xff]) });
    assert.deepStrictEqual(recs[1]?.body, { bytesValue: new Uint8Array([0xfb, 0xff]) });
  });
});
