import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { countItems, decodeRequest, encodeRequest, getStringAttribute, idToHex } from '../../src/otlp/index.js';
import type { Signal } from '../../src/otlp/model.js';
import { otlpExamplesDir } from '../helpers/paths.js';

/** The OTLP JSON examples published with the protocol definitions. */
const EXAMPLES: readonly { file: string; signal: Signal }[] = [
  { file: 'trace.json', signal: 'traces' },
  { file: 'metrics.json', signal: 'metrics' },
  { file: 'logs.json', signal: 'logs' },
];

function load(file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(otlpExamplesDir, file)));
}

describe('OTLP JSON examples', () => {
  for (const { file, signal } of EXAMPLES) {
    it(`${file} decodes as ${signal} and survives protobuf and JSON round trips`, () => {
      const model = decodeRequest(signal, load(file), 'json');
      assert.ok(countItems(signal, model) > 0);
      const pb = encodeRequest(signal, model, 'protobuf');
      assert.deepStrictEqual(decodeRequest(signal, pb, 'protobuf'), model);
      assert.deepStrictEqual(decodeRequest(signal, encodeRequest(signal, model, 'json'), 'json'), model);
    });
  }

  it('trace.json carries the values of the example', () => {
    const req = decodeRequest('traces', load('trace.json'), 'json');
    const rs = req.resourceSpans[0];
    assert.ok(rs?.resource);
    assert.equal(getStringAttribute(rs.resource.attributes, 'service.name'), 'my.service');
    const ss = rs.scopeSpans[0];
    assert.equal(ss?.scope?.name, 'my.library');
    assert.equal(ss.scope.version, '1.0.0');
    assert.equal(getStringAttribute(ss.scope.attributes, 'my.scope.attribute'), 'some scope attribute');
    const span = ss.spans[0];
    assert.ok(span);
    // Upper-case hex in the example; ids are raw bytes in the model.
    assert.equal(idToHex(span.traceId), '5b8efff798038103d269b633813fc60c');
    assert.equal(span.spanId.length, 8);
    assert.equal(idToHex(span.parentSpanId), 'eee19b7ec3c1b173');
    assert.equal(span.kind, 2);
    assert.equal(span.startTimeUnixNano, 1544712660000000000n);
    assert.equal(span.endTimeUnixNano, 1544712661000000000n);
  });

  it('metrics.json has every metric kind of the example with its values', () => {
    const req = decodeRequest('metrics', load('metrics.json'), 'json');
    const metrics = req.resourceMetrics[0]?.scopeMetrics[0]?.metrics ?? [];
    const byName = new Map(metrics.map((m) => [m.name, m]));
    const counter = byName.get('my.counter');
    assert.equal(counter?.sum?.isMonotonic, true);
    assert.equal(counter.sum.aggregationTemporality, 1);
    assert.equal(counter.sum.dataPoints[0]?.asDouble, 5);
    assert.equal(byName.get('my.gauge')?.gauge?.dataPoints[0]?.asDouble, 10);
    const hp = byName.get('my.histogram')?.histogram?.dataPoints[0];
    assert.ok(hp);
    assert.equal(hp.count, 2n);
    assert.deepStrictEqual(hp.bucketCounts, [1n, 1n]);
    assert.deepStrictEqual(hp.explicitBounds, [1]);
    assert.equal(hp.min, 0);
    assert.equal(hp.max, 2);
    const ep = byName.get('my.exponential.histogram')?.exponentialHistogram?.dataPoints[0];
    assert.ok(ep);
    assert.equal(ep.count, 3n);
    assert.equal(ep.sum, 10);
    assert.equal(ep.zeroCount, 1n);
    assert.deepStrictEqual(ep.positive, { offset: 1, bucketCounts: [0n, 2n] });
    assert.equal(ep.negative, undefined);
    assert.equal(ep.max, 5);
    // One data point per metric: sum, gauge, histogram, exponential histogram.
    assert.equal(countItems('metrics', req), 4);
  });

  it('logs.json keeps body, typed attributes and ids', () => {
    const req = decodeRequest('logs', load('logs.json'), 'json');
    const rec = req.resourceLogs[0]?.scopeLogs[0]?.logRecords[0];
    assert.ok(rec);
    assert.deepStrictEqual(rec.body, { stringValue: 'Example log record' });
    assert.equal(rec.severityNumber, 10);
    assert.equal(rec.severityText, 'Information');
    assert.equal(rec.timeUnixNano, 1544712660300000000n);
    assert.equal(idToHex(rec.traceId), '5b8efff798038103d269b633813fc60c');
    const attrs = new Map(rec.attributes.map((kv) => [kv.key, kv.value]));
    assert.deepStrictEqual(attrs.get('boolean.attribute'), { boolValue: true });
    assert.deepStrictEqual(attrs.get('int.attribute'), { intValue: 10n });
    assert.deepStrictEqual(attrs.get('double.attribute'), { doubleValue: 637.704 });
    assert.deepStrictEqual(attrs.get('array.attribute'), {
      arrayValue: { values: [{ stringValue: 'many' }, { stringValue: 'values' }] },
    });
    assert.ok(attrs.get('map.attribute')?.kvlistValue);
  });
});
