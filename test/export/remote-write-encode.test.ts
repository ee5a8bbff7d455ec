import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeWriteRequest, snappyCompress } from '../../src/export/prometheus/remote-write-encode.js';
import type { PromMetadata, PromTimeSeries, PromWriteRequest } from '../../src/export/prometheus/types.js';

const snappy = createRequire(import.meta.url)('snappyjs') as { uncompress(input: Uint8Array): Uint8Array };

/** Independent protobuf wire reader for prometheus.WriteRequest (test oracle). */
function decodeWriteRequest(bytes: Uint8Array): PromWriteRequest & { staleBits: boolean[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const staleBits: boolean[] = [];
  function readMessage(start: number, end: number, onField: (field: number, wire: number, at: number, len: number, varint: bigint) => void) {
    let p = start;
    const varint = (): bigint => {
      let result = 0n;
      let shift = 0n;
      for (;;) {
        const b = bytes[p++];
        if (b === undefined) throw new Error('truncated varint');
        result |= BigInt(b & 0x7f) << shift;
        if (b < 0x80) return result;
        shift += 7n;
      }
    };
    while (p < end) {
      const tag = Number(varint());
      const field = tag >> 3;
      const wire = tag & 7;
      if (wire === 0) onField(field, wire, p, 0, varint());
      else if (wire === 1) {
        onField(field, wire, p, 8, 0n);
        p += 8;
      } else if (wire === 2) {
        const len = Number(varint());
        onField(field, wire, p, len, 0n);
        p += len;
      } else throw new Error(`unexpected wire type ${wire}`);
    }
    assert.equal(p, end, 'message ends exactly');
  }
  const text = (at: number, len: number) => new TextDecoder().decode(bytes.subarray(at, at + len));
  const out: PromWriteRequest = { timeseries: [], metadata: [] };
  readMessage(0, bytes.length, (field, _w, at, len) => {
    if (field === 1) {
      const ts: PromTimeSeries = { labels: [], samples: [] };
      readMessage(at, at + len, (f, _w2, at2, len2) => {
        if (f === 1) {
          const label = { name: '', value: '' };
          readMessage(at2, at2 + len2, (f3, _w3, at3, len3) => {
            if (f3 === 1) label.name = text(at3, len3);
            if (f3 === 2) label.value = text(at3, len3);
          });
          ts.labels.push(label);
        } else if (f === 2) {
          const sample = { value: 0, timestampMs: 0 };
          readMessage(at2, at2 + len2, (f3, _w3, at3, _l3, v) => {
            if (f3 === 1) {
              sample.value = view.getFloat64(at3, true);
              staleBits.push(view.getBigUint64(at3, true) === 0x7ff0000000000002n);
            }
            if (f3 === 2) sample.timestampMs = Number(BigInt.asIntN(64, v));
          });
          ts.samples.push(sample);
        }
      });
      out.timeseries.push(ts);
    } else if (field === 3) {
      const m: PromMetadata = { type: 0, metricFamilyName: '', help: '', unit: '' };
      readMessage(at, at + len, (f, _w2, at2, len2, v) => {
        if (f === 1) m.type = Number(v) as PromMetadata['type'];
        if (f === 2) m.metricFamilyName = text(at2, len2);
        if (f === 4) m.help = text(at2, len2);
        if (f === 5) m.unit = text(at2, len2);
      });
      out.metadata.push(m);
    }
  });
  return { ...out, staleBits };
}

describe('remote write encoding', () => {
  it('encodes series with labels sorted by name, samples and metadata', () => {
    const request: PromWriteRequest = {
      timeseries: [
        {
          labels: [{ name: 'job', value: 'shop/checkout' }, { name: '__name__', value: 'up' }, { name: 'Zone', value: 'ü' }],
          samples: [{ value: 1.5, timestampMs: 1_700_000_000_123 }, { value: -2, timestampMs: -1 }],
        },
      ],
      metadata: [{ type: 1, metricFamilyName: 'orders_total', help: 'Orders', unit: '' }],
    };
    const decoded = decodeWriteRequest(encodeWriteRequest(request));
    assert.deepEqual(decoded.timeseries, [
      {
        labels: [{ name: 'Zone', value: 'ü' }, { name: '__name__', value: 'up' }, { name: 'job', value: 'shop/checkout' }],
        samples: [{ value: 1.5, timestampMs: 1_700_000_000_123 }, { value: -2, timestampMs: -1 }],
      },
    ]);
    assert.deepEqual(decoded.metadata, request.metadata);
  });

  it('writes the exact staleness-marker NaN', () => {
    const request: PromWriteRequest = {
      timeseries: [{ labels: [{ name: '__name__', value: 'g' }], samples: [{ value: Number.NaN, timestampMs: 5, stale: true }, { value: Number.NaN, timestampMs: 6 }] }],
      metadata: [],
    };
    const decoded = decodeWriteRequest(encodeWriteRequest(request));
    assert.deepEqual(decoded.staleBits, [true, false]);
    assert.ok(Number.isNaN(decoded.timeseries[0]?.samples[1]?.value));
  });

  it('round-trips arbitrary requests (property)', () => {
    const label = fc.record({ name: fc.string({ minLength: 1 }), value: fc.string({ minLength: 1 }) });
    const sample = fc.record({
      value: fc.double({ noNaN: true }),
      timestampMs: fc.integer({ min: -(2 ** 52), max: 2 ** 52 }),
    });
    const series = fc.record({ labels: fc.uniqueArray(label, { selector: (l) => l.name, maxLength: 6 }), samples: fc.array(sample, { maxLength: 5 }) });
    const metadata = fc.record({
      type: fc.constantFrom<PromMetadata['type']>(0, 1, 2, 3, 5),
      metricFamilyName: fc.string(),
      help: fc.string(),
      unit: fc.string(),
    });
    fc.assert(
      fc.property(fc.array(series, { maxLength: 5 }), fc.array(metadata, { maxLength: 3 }), (timeseries, meta) => {
        const decoded = decodeWriteRequest(encodeWriteRequest({ timeseries, metadata: meta }));
        // Lone surrogates cannot survive UTF-8; compare with what UTF-8 round-tripping makes of them.
        const utf8 = (s: string) => new TextDecoder().decode(new TextEncoder().encode(s));
        const expected = timeseries.map((ts) => ({
          labels: [...ts.labels]
            .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
            .map((l) => ({ name: utf8(l.name), value: utf8(l.value) })),
          samples: ts.samples.map((x) => ({ value: x.value, timestampMs: x.timestampMs })),
        }));
        assert.deepEqual(decoded.timeseries, expected);
        assert.deepEqual(
          decoded.metadata,
          meta.map((m) => ({ type: m.type, metricFamilyName: utf8(m.metricFamilyName), help: utf8(m.help), unit: utf8(m.unit) })),
        );
      }),
    );
  });

  it('snappy-compresses in block format that decompresses to the input', () => {
    const input = encodeWriteRequest({
      timeseries: Array.from({ length: 50 }, (_, i) => ({ labels: [{ name: '__name__', value: `series_${i % 5}` }], samples: [{ value: i, timestampMs: i }] })),
      metadata: [],
    });
    const compressed = snappyCompress(input);
    assert.ok(compressed.byteLength < input.byteLength);
    assert.deepEqual(Buffer.from(snappy.uncompress(compressed)), Buffer.from(input));
  });
});
