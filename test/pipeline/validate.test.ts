import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateRequest, enrichRequest, rejectionMessage } from '../../src/pipeline/index.js';
import { getStringAttribute } from '../../src/otlp/attributes.js';
import type { ExportMetricsServiceRequest, ExportTraceServiceRequest, KeyValue } from '../../src/otlp/model.js';
import type { ValidationRule } from '../../src/config/index.js';

const s = (key: string, v: string): KeyValue => ({ key, value: { stringValue: v } });
const DEFAULT_RULES: ValidationRule[] = [
  { signal: 'metrics', attribute: 'source.name', on: 'datapoint' },
  { signal: 'logs', attribute: 'source.name', on: 'resource' },
  { signal: 'traces', attribute: 'source.name', on: 'resource' },
];

function point(attrs: KeyValue[]) {
  return { attributes: attrs, startTimeUnixNano: 0n, timeUnixNano: 1n, asDouble: 1, exemplars: [], flags: 0 };
}

describe('validation', () => {
  it('drops metric data points without source.name and keeps the rest, counting per rule', () => {
    const req: ExportMetricsServiceRequest = {
      resourceMetrics: [
        {
          resource: { attributes: [s('source.name', 'on-resource-only')], droppedAttributesCount: 0 },
          schemaUrl: '',
          scopeMetrics: [
            {
              schemaUrl: '',
              metrics: [
                { name: 'a', description: '', unit: '', metadata: [], gauge: { dataPoints: [point([s('source.name', 'x')]), point([])] } },
                { name: 'b', description: '', unit: '', metadata: [], sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [point([])] } },
              ],
            },
          ],
        },
      ],
    };
    const r = validateRequest('metrics', req, DEFAULT_RULES);
    assert.equal(r.accepted, 1);
    assert.equal(r.rejected, 2);
    assert.deepEqual([...r.rejectedByRule], [['metrics.datapoint.source.name', 2]]);
    assert.equal(req.resourceMetrics[0]!.scopeMetrics[0]!.metrics.length, 1, 'metric left without points is removed');
    assert.match(rejectionMessage('metrics', r), /2 data points rejected by rule metrics\.datapoint\.source\.name/);
  });

  it('an empty string attribute counts as missing; configurable rules on spans', () => {
    const req: ExportTraceServiceRequest = {
      resourceSpans: [
        {
          resource: { attributes: [s('source.name', '')], droppedAttributesCount: 0 },
          schemaUrl: '',
          scopeSpans: [{ schemaUrl: '', spans: [] }],
        },
      ],
    };
    const r = validateRequest('traces', req, DEFAULT_RULES);
    assert.equal(r.accepted, 0);
    assert.equal(req.resourceSpans.length, 0);
  });

  it('enrichment overwrites every e2e.account.id the sender set', () => {
    const req: ExportTraceServiceRequest = {
      resourceSpans: [
        { resource: { attributes: [s('e2e.account.id', 'evil'), s('x', 'y'), s('e2e.account.id', 'evil2')], droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [] },
        { schemaUrl: '', scopeSpans: [] },
      ],
    };
    enrichRequest('traces', req, '123');
    const first = req.resourceSpans[0]!.resource!.attributes;
    assert.equal(first.filter((a) => a.key === 'e2e.account.id').length, 1);
    assert.equal(getStringAttribute(first, 'e2e.account.id'), '123');
    assert.equal(getStringAttribute(req.resourceSpans[1]!.resource!.attributes, 'e2e.account.id'), '123');
  });
});
