import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { completedDurationMs, instanceDurationMs, instanceStatus, stepStatus } from '../../src/processes/index.js';
import type { InstanceRow } from '../../src/store/types.js';

const S = 1_000_000_000n;
const NOW = 1_700_000_000n * S;

function row(opts: { lastSeen: boolean; errorSpans: number; ageSeconds: number; steps?: number }): InstanceRow {
  const n = opts.steps ?? 3;
  const startNs = NOW - BigInt(opts.ageSeconds) * S;
  return {
    key: 'k',
    startNs,
    endNs: startNs + 2n * S,
    traceIds: ['t'],
    accounts: ['a'],
    steps: Array.from({ length: n }, (_, i) => {
      const seen = i < n - 1 || opts.lastSeen;
      return { name: `s${i}`, seen, error: false, startNs: seen ? startNs + BigInt(i) * S : null, endNs: seen ? startNs + BigInt(i + 1) * S : null };
    }),
    errorSpans: opts.errorSpans,
    spanCount: n,
  };
}

describe('instanceStatus', () => {
  it('applies completed, failed, stuck, inFlight in that order (every combination)', () => {
    const def = { stuckAfterSeconds: 600 };
    const cases: [boolean, number, number, string][] = [
      // lastSeen, errorSpans, ageSeconds → status
      [true, 0, 10, 'completed'],
      [true, 0, 6000, 'completed'],
      [true, 2, 10, 'completed'],
      [true, 2, 6000, 'completed'],
      [false, 1, 10, 'failed'],
      [false, 1, 6000, 'failed'],
      [false, 0, 6000, 'stuck'],
      [false, 0, 601, 'stuck'],
      [false, 0, 600, 'inFlight'],
      [false, 0, 10, 'inFlight'],
    ];
    for (const [lastSeen, errorSpans, ageSeconds, expected] of cases) {
      assert.equal(instanceStatus(row({ lastSeen, errorSpans, ageSeconds }), def, NOW), expected, JSON.stringify({ lastSeen, errorSpans, ageSeconds }));
    }
  });

  it('stuck is "started more than stuckAfterSeconds ago", with fractional seconds', () => {
    const r = row({ lastSeen: false, errorSpans: 0, ageSeconds: 0 });
    assert.equal(instanceStatus(r, { stuckAfterSeconds: 0.5 }, NOW + 500_000_000n), 'inFlight');
    assert.equal(instanceStatus(r, { stuckAfterSeconds: 0.5 }, NOW + 500_000_001n), 'stuck');
  });

  it('properties: a seen last step always completes; otherwise errors fail; status is one of four', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.nat(5), fc.nat(100_000), fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 8 }), (lastSeen, errorSpans, age, stuckAfter, steps) => {
        const status = instanceStatus(row({ lastSeen, errorSpans, ageSeconds: age, steps }), { stuckAfterSeconds: stuckAfter }, NOW);
        if (lastSeen) return status === 'completed';
        if (errorSpans > 0) return status === 'failed';
        return status === (age > stuckAfter ? 'stuck' : 'inFlight');
      }),
    );
  });
});

describe('durations and step status', () => {
  it('a completed instance lasts from its first span to the end of its last step’s span', () => {
    const r = row({ lastSeen: true, errorSpans: 0, ageSeconds: 100 });
    // Later spans (a notification after invoicing) do not extend it.
    r.endNs = r.startNs + 10n * S;
    assert.equal(instanceDurationMs(r), 3000);
    assert.equal(completedDurationMs(r), 3000);
  });

  it('an unfinished instance lasts until its latest span so far and has no completed duration', () => {
    const r = row({ lastSeen: false, errorSpans: 0, ageSeconds: 100 });
    assert.equal(instanceDurationMs(r), 2000);
    assert.equal(completedDurationMs(r), undefined);
  });

  it('step status is ok, error or missing', () => {
    assert.equal(stepStatus({ name: 'a', seen: true, error: false, startNs: 1n, endNs: 2n }), 'ok');
    assert.equal(stepStatus({ name: 'a', seen: true, error: true, startNs: 1n, endNs: 2n }), 'error');
    assert.equal(stepStatus({ name: 'a', seen: false, error: false, startNs: null, endNs: null }), 'missing');
  });
});
