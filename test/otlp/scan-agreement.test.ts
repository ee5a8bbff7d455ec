import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeRequest, encodeRequest } from '../../src/otlp/index.js';
import type { KeyValue, RequestBySignal, Signal } from '../../src/otlp/model.js';
import {
  DEFAULT_OTLP_LIMITS,
  compileScanPolicy,
  editRequest,
  ruleName,
  type ScanPolicyOptions,
  type ScanRule,
} from '../../src/otlp/scan/index.js';
import { oracleEdit, type OracleOptions } from '../helpers/model-oracle.js';
import { otlpExamplesDir } from '../helpers/paths.js';
import { logsRequest, metricsRequest, traceRequest } from './arbitraries.js';

const DEFAULT_RULES: ScanRule[] = [
  { signal: 'metrics', attribute: 'source.name', on: 'datapoint' },
  { signal: 'logs', attribute: 'source.name', on: 'resource' },
  { signal: 'traces', attribute: 'source.name', on: 'resource' },
];
/** Limits high enough that generated data never reaches them (limits have their own tests). */
const WIDE = { ...DEFAULT_OTLP_LIMITS, maxItemsPerRequest: 1e9, maxAttributesPerItem: 1e9, maxAttributeKeyBytes: 1e9, maxAttributeValueBytes: 1e9, maxEventsPerSpan: 1e9, maxLinksPerSpan: 1e9 };

function scanAndCompare<S extends Signal>(signal: S, model: RequestBySignal[S], options: OracleOptions): void {
  const body = encodeRequest(signal, model, 'protobuf');
  const policyOptions: ScanPolicyOptions = { signal, limits: WIDE, ...options };
  const outcome = editRequest(compileScanPolicy(policyOptions), body);
  assert.equal(outcome.kind, 'ok', outcome.kind === 'ok' ? '' : outcome.message);
  if (outcome.kind !== 'ok') return;
  const expected = oracleEdit(signal, decodeRequest(signal, body, 'protobuf'), options);
  const policy = compileScanPolicy(policyOptions);
  const got = decodeRequest(signal, outcome.bytes.subarray(outcome.offset), 'protobuf');
  assert.deepStrictEqual(got, expected.request);
  assert.equal(outcome.accepted, expected.accepted);
  assert.equal(outcome.rejected, expected.rejected);
  assert.deepStrictEqual(
    new Map(outcome.rejectedBy.map(([reason, n]) => [policy.reasons[reason]?.name ?? '?', n])),
    expected.rejectedBy,
  );
}

const EXAMPLES: readonly { file: string; signal: Signal }[] = [
  { file: 'trace.json', signal: 'traces' },
  { file: 'metrics.json', signal: 'metrics' },
  { file: 'logs.json', signal: 'logs' },
];

const ACCOUNT = { 'e2e.account.id': '123456789012' };

describe('one-pass scan agrees with full decode + model validation', () => {
  for (const { file, signal } of EXAMPLES) {
    it(`${file}: default rules and account stamping`, () => {
      const model = decodeRequest(signal, new Uint8Array(readFileSync(join(otlpExamplesDir, file))), 'json');
      scanAndCompare(signal, model, { rules: DEFAULT_RULES, setResourceAttributes: ACCOUNT });
      scanAndCompare(signal, model, { rules: [], setResourceAttributes: ACCOUNT });
      scanAndCompare(signal, model, {});
      scanAndCompare(signal, model, {
        rules: [{ signal, attribute: 'service.name', on: 'resource' }, { signal, attribute: 'my.span.attr', on: signal === 'traces' ? 'span' : signal === 'logs' ? 'record' : 'datapoint' }],
        setResourceAttributes: ACCOUNT,
        defaultResourceAttributes: { 'source.name': 'agent-default', 'service.name': 'not-used' },
        defaultPointAttributes: { 'source.name': 'agent-default' },
      });
    });
  }

  /** Requests where some items carry the rule attributes and senders try to set the account. */
  const spice = (attrs: KeyValue[], choice: number): KeyValue[] => {
    if (choice === 1) return [...attrs, { key: 'source.name', value: { stringValue: 'src' } }];
    if (choice === 2) return [{ key: 'e2e.account.id', value: { stringValue: 'forged' } }, ...attrs, { key: 'e2e.account.id', value: { stringValue: 'again' } }];
    if (choice === 3) return [...attrs, { key: 'source.name', value: {} }];
    return attrs;
  };
  const choice = fc.integer({ min: 0, max: 3 });

  const ruleSets = (signal: Signal): fc.Arbitrary<ScanRule[]> =>
    fc.subarray([
      { signal, attribute: 'source.name', on: 'resource' },
      { signal, attribute: 'source.name', on: signal === 'traces' ? 'span' : signal === 'logs' ? 'record' : 'datapoint' },
      { signal, attribute: 'e2e.account.id', on: 'resource' },
    ] as ScanRule[]);
  const attrs = (...choices: Record<string, string>[]): fc.Arbitrary<Record<string, string>> => fc.constantFrom(...choices);
  const stampOptions = fc.record({
    setResourceAttributes: attrs({}, ACCOUNT, { ...ACCOUNT, 'cloud.region': 'eu-central-1' }),
    defaultResourceAttributes: attrs({}, { 'source.name': 'dflt' }),
    defaultPointAttributes: attrs({}, { 'source.name': 'dflt' }),
  });

  it('traces: property', () => {
    fc.assert(
      fc.property(traceRequest, fc.array(choice, { minLength: 8, maxLength: 8 }), ruleSets('traces'), stampOptions, (req, c, rules, stamp) => {
        let i = 0;
        for (const rs of req.resourceSpans) {
          if (rs.resource) rs.resource.attributes = spice(rs.resource.attributes, c[i++ % 8] ?? 0);
          for (const ss of rs.scopeSpans) for (const s of ss.spans) s.attributes = spice(s.attributes, c[i++ % 8] ?? 0);
        }
        scanAndCompare('traces', req, { rules, ...stamp });
      }),
      { numRuns: 300 },
    );
  });

  it('logs: property', () => {
    fc.assert(
      fc.property(logsRequest, fc.array(choice, { minLength: 8, maxLength: 8 }), ruleSets('logs'), stampOptions, (req, c, rules, stamp) => {
        let i = 0;
        for (const rl of req.resourceLogs) {
          if (rl.resource) rl.resource.attributes = spice(rl.resource.attributes, c[i++ % 8] ?? 0);
          for (const sl of rl.scopeLogs) for (const r of sl.logRecords) r.attributes = spice(r.attributes, c[i++ % 8] ?? 0);
        }
        scanAndCompare('logs', req, { rules, ...stamp });
      }),
      { numRuns: 300 },
    );
  });

  it('metrics: property', () => {
    fc.assert(
      fc.property(metricsRequest, fc.array(choice, { minLength: 8, maxLength: 8 }), ruleSets('metrics'), stampOptions, (req, c, rules, stamp) => {
        let i = 0;
        for (const rm of req.resourceMetrics) {
          if (rm.resource) rm.resource.attributes = spice(rm.resource.attributes, c[i++ % 8] ?? 0);
          for (const sm of rm.scopeMetrics) {
            for (const m of sm.metrics) {
              const points = m.gauge?.dataPoints ?? m.sum?.dataPoints ?? m.histogram?.dataPoints ?? m.exponentialHistogram?.dataPoints ?? m.summary?.dataPoints ?? [];
              for (const p of points) p.attributes = spice(p.attributes, c[i++ % 8] ?? 0);
            }
          }
        }
        scanAndCompare('metrics', req, { rules, ...stamp });
      }),
      { numRuns: 300 },
    );
  });

  it('names rules as the model validator does', () => {
    assert.equal(ruleName({ signal: 'logs', attribute: 'source.name', on: 'resource' }), 'logs.resource.source.name');
  });
});
