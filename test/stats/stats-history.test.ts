import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { AccountStatsBook, createStatsHistory } from '../../src/stats/index.js';

const DAY_MS = 86_400_000;
const logger = pino({ level: 'silent' });

describe('stats history', () => {
  it('sums increments per 10 s bucket, zero-fills steps, applies retention, and reopens from disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-hist-'));
    let nowMs = Date.UTC(2026, 0, 10, 12, 0, 0);
    const path = join(dir, 'history.duckdb');
    try {
      let history = await createStatsHistory({ path, retentionDays: 30, logger, now: () => nowMs, flushIntervalMs: 3_600_000 });
      const book = new AccountStatsBook({ dataDir: dir, history, now: () => nowMs });
      const old = nowMs - 40 * DAY_MS;
      history.add('a', { accepted: { spans: 7 } }, old);
      book.recordItems('a', 'traces', 2, 1);
      book.recordRejectedByRule('a', 'traces', 'traces.resource.source.name', 1);
      nowMs += 5_000;
      book.recordItems('a', 'logs', 3, 0);
      book.recordThrottled('b');
      nowMs += 10_000;
      book.recordDenied('b');
      await history.flush();

      const sinceNs = BigInt(nowMs - 60_000) * 1_000_000n;
      const untilNs = BigInt(nowMs + 1) * 1_000_000n;
      const q = await history.query({ since: sinceNs, until: untilNs, stepSeconds: 10 });
      assert.deepEqual(
        q.map((s) => s.accountId),
        ['a', 'b'],
      );
      const a = q[0]!.points.filter((p) => p.accepted.spans + p.accepted.logRecords > 0);
      assert.equal(a.length, 1, 'both increments fall in the same 10 s bucket');
      assert.deepEqual(a[0]!.accepted, { spans: 2, dataPoints: 0, logRecords: 3 });
      assert.deepEqual(a[0]!.rejected, { spans: 1, dataPoints: 0, logRecords: 0 });
      assert.deepEqual(a[0]!.rejectedByRule, { 'traces.resource.source.name': 1 });
      const b = q[1]!.points;
      assert.equal(b.reduce((n, p) => n + p.throttledRequests, 0), 1);
      assert.equal(b.reduce((n, p) => n + p.deniedRequests, 0), 1, 'the unflushed current bucket counts too');
      assert.equal(q[0]!.points.length, 7, 'every 10 s step of the window, zeros included');

      const oneStep = await history.query({ accounts: ['a'], since: sinceNs, until: untilNs, stepSeconds: 3600 });
      assert.equal(oneStep.length, 1);
      assert.equal(oneStep[0]!.points.reduce((n, p) => n + p.accepted.spans, 0), 2, 'the 40-day-old bucket fell to retention');
      const ancient = await history.query({ since: BigInt(old - 60_000) * 1_000_000n, until: BigInt(old + 60_000) * 1_000_000n, stepSeconds: 60 });
      assert.deepEqual(ancient, []);
      await history.close();

      history = await createStatsHistory({ path, retentionDays: 30, logger, now: () => nowMs });
      const reopened = await history.query({ since: sinceNs, until: untilNs, stepSeconds: 60 });
      assert.equal(reopened.find((s) => s.accountId === 'b')?.points.reduce((n, p) => n + p.deniedRequests, 0), 1, 'written at close');
      await history.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
