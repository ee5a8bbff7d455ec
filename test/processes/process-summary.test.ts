import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { percentile, processesSchema, processTimeline, summariseProcess, type ProcessDefinition } from '../../src/processes/index.js';
import type { InstanceRow } from '../../src/store/types.js';

const S = 1_000_000_000n;
const MS = 1_000_000n;
const NOW = 1_700_000_000n * S;
const [DEF] = processesSchema.parse([
  {
    name: 'order',
    match: { attribute: 'business.process', equals: 'order' },
    key: 'order.id',
    steps: [
      { name: 'placed', span: 'POST /orders' },
      { name: 'paid', span: 'pay' },
    ],
    stuckAfterSeconds: 60,
    slo: { maxDurationSeconds: 1, maxErrorRatio: 0.25 },
  },
]) as [ProcessDefinition];

/** kind: c completed (duration ms), f failed, s stuck, i in flight */
function inst(key: string, kind: 'c' | 'f' | 's' | 'i', durationMs = 100, startNs = NOW - 10n * S): InstanceRow {
  const start = kind === 's' ? NOW - 120n * S : startNs;
  const done = kind === 'c';
  return {
    key,
    startNs: start,
    endNs: start + BigInt(durationMs) * MS,
    traceIds: [key],
    accounts: ['a'],
    steps: [
      // A failed instance: its first step's span is ERROR and it never got paid.
      { name: 'placed', seen: true, error: kind === 'f', startNs: start, endNs: start + MS },
      { name: 'paid', seen: done, error: false, startNs: done ? start : null, endNs: done ? start + BigInt(durationMs) * MS : null },
    ],
    errorSpans: kind === 'f' ? 1 : 0,
    spanCount: 2,
  };
}

describe('percentile (nearest rank)', () => {
  it('is the smallest value with at least p% at or below it', () => {
    assert.equal(percentile([], 50), null);
    assert.equal(percentile([7], 99), 7);
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(v, 50), 50);
    assert.equal(percentile(v, 95), 95);
    assert.equal(percentile(v, 99), 99);
    assert.equal(percentile([1, 2, 3, 4], 50), 2);
  });

  it('property: a value of the list, with at least p% at or below it', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 100 }), (values, p) => {
        const sorted = [...values].sort((a, b) => a - b);
        const q = percentile(sorted, p);
        if (q === null || !sorted.includes(q)) return false;
        return sorted.filter((v) => v <= q).length >= (p / 100) * sorted.length;
      }),
    );
  });
});

describe('summariseProcess', () => {
  it('counts statuses and steps (instances, not spans), durations of completed ones, and the SLO', () => {
    const rows = [inst('a', 'c', 100), inst('b', 'c', 300), inst('c', 'f'), inst('d', 's'), inst('e', 'i')];
    const s = summariseProcess(DEF, rows, NOW);
    assert.deepEqual(
      { instances: s.instances, completed: s.completed, failed: s.failed, stuck: s.stuck, inFlight: s.inFlight },
      { instances: 5, completed: 2, failed: 1, stuck: 1, inFlight: 1 },
    );
    assert.deepEqual(s.steps, [
      { name: 'placed', seen: 5, failed: 1 },
      { name: 'paid', seen: 2, failed: 0 },
    ]);
    assert.deepEqual(s.durationMs, { p50: 100, p95: 300, p99: 300 });
    // (1 failed + 1 stuck) / 5 = 0.4 > 0.25
    assert.equal(s.slo.met, false);
    assert.equal(s.slo.errorRatio, 0.4);
  });

  it('a completed instance with an error span (a retried payment) counts as completed', () => {
    const retried = inst('r', 'c');
    retried.errorSpans = 1;
    assert.equal(summariseProcess(DEF, [retried], NOW).completed, 1);
  });

  it('SLO: met with no instances; missed when p95 is over maxDurationSeconds', () => {
    assert.equal(summariseProcess(DEF, [], NOW).slo.met, true);
    assert.deepEqual(summariseProcess(DEF, [], NOW).durationMs, { p50: null, p95: null, p99: null });
    assert.equal(summariseProcess(DEF, [inst('a', 'c', 999), inst('b', 'c', 1000)], NOW).slo.met, true);
    assert.equal(summariseProcess(DEF, [inst('a', 'c', 999), inst('b', 'c', 1001)], NOW).slo.met, false);
    // Exactly at the error ratio is within it.
    assert.equal(summariseProcess(DEF, [inst('a', 'c'), inst('b', 'c'), inst('c', 'c'), inst('d', 'f')], NOW).slo.met, true);
  });

  it('property: the four statuses add up to the instances', () => {
    const kinds = fc.constantFrom<'c' | 'f' | 's' | 'i'>('c', 'f', 's', 'i');
    fc.assert(
      fc.property(fc.array(kinds, { maxLength: 50 }), (ks) => {
        const s = summariseProcess(DEF, ks.map((k, i) => inst(`k${i}`, k)), NOW);
        return s.completed + s.failed + s.stuck + s.inFlight === s.instances && s.steps[0]!.seen === s.instances;
      }),
    );
  });
});

describe('processTimeline', () => {
  it('buckets by start time over the whole window, zeros included', () => {
    const since = NOW - 300n * S;
    const rows = [inst('a', 'c', 100, since + 5n * S), inst('b', 'f', 100, since + 65n * S), inst('c', 'c', 300, since + 70n * S), inst('old', 'c', 1, since - S)];
    const points = processTimeline(DEF, rows, since, NOW, 60n * S, NOW);
    assert.equal(points.length, 5);
    assert.deepEqual(
      points.map((p) => [p.started, p.completed, p.failed, p.p95DurationMs]),
      [
        [1, 1, 0, 100],
        [2, 1, 1, 300],
        [0, 0, 0, null],
        [0, 0, 0, null],
        [0, 0, 0, null],
      ],
    );
    assert.equal(points[1]!.timeUnixNano, String(since + 60n * S));
  });
});

describe('processes config', () => {
  it('has the DESIGN defaults and refuses duplicates', () => {
    const [d] = processesSchema.parse([{ name: 'x', match: { attribute: 'a', equals: 'b' }, key: 'k', steps: [{ name: 's', span: 'S' }] }]);
    assert.equal(d!.stuckAfterSeconds, 600);
    assert.deepEqual(d!.slo, { maxDurationSeconds: 300, maxErrorRatio: 0.01 });
    const dupSteps = processesSchema.safeParse([{ name: 'x', match: { attribute: 'a', equals: 'b' }, key: 'k', steps: [{ name: 's', span: 'S' }, { name: 's', span: 'T' }] }]);
    assert.equal(dupSteps.success, false);
    const dupNames = processesSchema.safeParse([
      { name: 'x', match: { attribute: 'a', equals: 'b' }, key: 'k', steps: [{ name: 's', span: 'S' }] },
      { name: 'x', match: { attribute: 'a', equals: 'b' }, key: 'k', steps: [{ name: 's', span: 'S' }] },
    ]);
    assert.equal(dupNames.success, false);
    assert.equal(processesSchema.safeParse([{ name: 'x', match: { attribute: 'a', equals: 'b' }, key: 'k', steps: [] }]).success, false);
    assert.equal(processesSchema.safeParse([{ name: 'x', match: { attribute: 'a', equals: 'b' }, key: 'k', steps: [{ name: 's', span: 'S' }], extra: 1 }]).success, false);
  });
});
