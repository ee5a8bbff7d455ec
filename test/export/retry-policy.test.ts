import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_RETRY_AFTER_MS, backoffMs, isRetryableStatus, parseRetryAfterMs } from '../../src/export/retry-policy.js';

describe('isRetryableStatus', () => {
  it('retries 429, 502, 503, 504 and network errors under OTLP rules', () => {
    for (const status of [429, 502, 503, 504, undefined]) assert.equal(isRetryableStatus(status), true, String(status));
  });
  it('does not retry rejections of the data itself', () => {
    for (const status of [400, 401, 403, 404, 413, 415, 500, 501]) assert.equal(isRetryableStatus(status), false, String(status));
  });
  it('retries every 5xx and 429 under remote-write rules, no other 4xx', () => {
    for (const status of [429, 500, 502, 503, 599]) assert.equal(isRetryableStatus(status, 'remote-write'), true);
    for (const status of [400, 401, 404, 413]) assert.equal(isRetryableStatus(status, 'remote-write'), false);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads delta-seconds', () => {
    assert.equal(parseRetryAfterMs('120', now), 120_000);
    assert.equal(parseRetryAfterMs(' 0 ', now), 0);
    assert.equal(parseRetryAfterMs(['3', '9'], now), 3000);
  });
  it('reads an HTTP-date relative to now, never negative', () => {
    assert.equal(parseRetryAfterMs('Wed, 01 Jan 2025 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfterMs('Tue, 31 Dec 2024 23:00:00 GMT', now), 0);
  });
  it('caps absurd waits', () => {
    assert.equal(parseRetryAfterMs('99999999', now), MAX_RETRY_AFTER_MS);
    assert.equal(parseRetryAfterMs('Fri, 01 Jan 2100 00:00:00 GMT', now), MAX_RETRY_AFTER_MS);
    assert.equal(parseRetryAfterMs('60', now, 5000), 5000);
  });
  it('answers undefined for absent or invalid values', () => {
    for (const v of [undefined, '', '  ', '-5', '1.5', 'soon', '12abc', 'in 5 minutes']) {
      assert.equal(parseRetryAfterMs(v, now), undefined, String(v));
    }
  });
  it('never throws and stays within [0, cap] on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const ms = parseRetryAfterMs(s, now);
        return ms === undefined || (ms >= 0 && ms <= MAX_RETRY_AFTER_MS);
      }),
    );
  });
});

describe('backoffMs', () => {
  it('grows exponentially up to maxMs (random at its ceiling)', () => {
    const top = { initialMs: 100, maxMs: 1000, random: () => 0.999999 };
    assert.deepEqual(
      [0, 1, 2, 3, 4, 10, 1000].map((a) => backoffMs(a, top)),
      [99, 199, 399, 799, 999, 999, 999],
    );
  });
  it('uses full jitter: the whole range down to 0', () => {
    assert.equal(backoffMs(5, { initialMs: 100, maxMs: 1000, random: () => 0 }), 0);
    assert.equal(backoffMs(1, { initialMs: 100, maxMs: 1000, random: () => 0.5 }), 100);
  });
  it('stays within [0, maxMs) for any attempt', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 10_000 }), (attempt, initialMs) => {
        const ms = backoffMs(attempt, { initialMs, maxMs: 30_000 });
        return ms >= 0 && ms < 30_000 && Number.isInteger(ms);
      }),
    );
  });
});
