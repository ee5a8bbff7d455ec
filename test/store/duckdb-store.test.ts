import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { openDuckDbStore, type DuckDbStoreOptions, type StoredRecord } from '../../src/store/duckdb-store.js';
import { counts, getTrace } from '../../src/store/read-queries.js';
import { readRecord } from '../../src/pipeline/index.js';
import { recordOf } from '../helpers/store-fixture.js';
import { withTempDir } from '../helpers/temp-dir.js';
import { hex, item, span, stampedResource, tracesRequest } from './builders.js';

const HOUR = 3_600_000;

function options(path: string, more: Partial<DuckDbStoreOptions> = {}): DuckDbStoreOptions {
  return { path, maxMemoryBytes: 64 << 20, threads: 1, retentionHours: 24, maxDiskBytes: 0, sliceHours: 1, ...more };
}

/** A queue record of `n` spans of trace `trace` at `position`, received at `receivedAtMs`. */
function record(position: number, trace: number, n: number, receivedAtMs = Date.now()): StoredRecord {
  const spans = Array.from({ length: n }, (_, j) => span({ name: `s${j}`, traceId: hex(trace.toString(16).padStart(32, '0')), spanId: hex((j + 1).toString(16).padStart(16, '0')), startTimeUnixNano: 1n, endTimeUnixNano: 2n }));
  const read = readRecord(recordOf(item.traces('111111111111', tracesRequest(spans, { resource: stampedResource('111111111111', 'shop') })), receivedAtMs));
  assert.ok(read.ok);
  return { position, record: read.record };
}

/** Writes a store at `path` holding one committed batch (trace 1: spans s0 and s1, cursor 10), and closes it. */
async function storeOneBatch(path: string): Promise<void> {
  const store = await openDuckDbStore(options(path));
  await store.append([record(0, 1, 2)], 10);
  await store.close();
}

const withDir = (fn: (dir: string) => Promise<void>): Promise<void> => withTempDir('e2e-duckdb-store-', fn);

describe('embedded store database (worker side)', () => {
  it('commits rows and cursor together; a cursor going backwards lands nothing of its batch', () =>
    withDir(async (dir) => {
      const store = await openDuckDbStore(options(join(dir, 'store.duckdb')));
      try {
        assert.deepEqual(await store.append([record(0, 1, 3)], 100), { items: 3, damaged: 0 });
        assert.equal(store.cursor, 100);
        await assert.rejects(store.append([record(100, 2, 5)], 50), /behind the stored cursor/);
        assert.deepEqual(await counts(store), { spans: 3, logs: 0, points: 0 });
        assert.equal(store.cursor, 100);
        const empty = await store.append([], 150);
        assert.deepEqual(empty, { items: 0, damaged: 0 });
        assert.equal(store.cursor, 150, 'an empty batch still advances the cursor');
      } finally {
        await store.close();
      }
    }));

  it('keeps rows, resources and cursor across close and reopen; files are private', () =>
    withDir(async (dir) => {
      const path = join(dir, 'store.duckdb');
      await storeOneBatch(path);
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      const again = await openDuckDbStore(options(path));
      try {
        assert.equal(again.cursor, 10);
        const spans = await getTrace(again, (1).toString(16).padStart(32, '0'));
        assert.deepEqual(spans.map((s) => [s.name, s.accountId, s.sourceName]), [
          ['s0', '111111111111', 'shop'],
          ['s1', '111111111111', 'shop'],
        ]);
      } finally {
        await again.close();
      }
    }));

  it('removes at open a payload file of a slice the database does not know, keeping the known ones', () =>
    withDir(async (dir) => {
      const path = join(dir, 'store.duckdb');
      await storeOneBatch(path);
      const payloads = `${path}.payloads`;
      const kept = await readdir(payloads);
      assert.equal(kept.length, 1);
      // As a crash would leave it: a slice dropped from the database, its file not yet unlinked.
      await writeFile(join(payloads, 's1.bin'), 'left by a crash');
      const logged: string[] = [];
      const again = await openDuckDbStore({ ...options(path), log: (_l, m) => logged.push(m) });
      try {
        assert.deepEqual(await readdir(payloads), kept);
        assert.ok(logged.some((m) => /payload file no stored row refers to/.test(m)), logged.join('\n'));
        assert.equal((await getTrace(again, (1).toString(16).padStart(32, '0'))).length, 2);
      } finally {
        await again.close();
      }
    }));

  it('serialises concurrent appends; queries meanwhile see whole batches only', () =>
    withDir(async (dir) => {
      const store = await openDuckDbStore(options(join(dir, 'store.duckdb')));
      try {
        const seen: number[] = [];
        const appends = Array.from({ length: 20 }, (_, i) => store.append([record(i * 10, i + 1, 25)], (i + 1) * 10));
        while (seen.length < 20) {
          const c = await counts(store);
          assert.equal(c.spans % 25, 0, `saw a partial batch: ${c.spans}`);
          seen.push(c.spans);
          if (c.spans === 500) break;
        }
        await Promise.all(appends);
        assert.equal((await counts(store)).spans, 500);
      } finally {
        await store.close();
      }
    }));

  it('moves a file of the first store layout aside and starts empty', () =>
    withDir(async (dir) => {
      const path = join(dir, 'store.duckdb');
      const old = await DuckDBInstance.create(path);
      const c = await old.connect();
      await c.run('CREATE TABLE metric_points (name VARCHAR)');
      await c.run('CREATE TABLE store_cursor (id INTEGER PRIMARY KEY, position BIGINT NOT NULL)');
      c.closeSync();
      old.closeSync();
      const logged: string[] = [];
      const store = await openDuckDbStore({ ...options(path), log: (_l, m) => logged.push(m) });
      try {
        assert.equal(store.cursor, 0);
        assert.match(logged.join('\n'), /older layout; moved aside/);
      } finally {
        await store.close();
      }
    }));

  it('retention drops whole slices past retentionHours, never the newest; queries stay correct across', () =>
    withDir(async (dir) => {
      const now = Date.now();
      const store = await openDuckDbStore(options(join(dir, 'store.duckdb'), { retentionHours: 3, sliceHours: 1 }));
      try {
        // Received 10 h, 5 h and 1 h ago, and now: four slices.
        await store.append([record(0, 1, 2, now - 10 * HOUR)], 10);
        await store.append([record(10, 2, 2, now - 5 * HOUR)], 20);
        await store.append([record(20, 3, 2, now - 1 * HOUR)], 30);
        await store.append([record(30, 4, 2, now)], 40);
        assert.equal((await store.diskStats()).slices, 4);
        assert.deepEqual(await store.retain(now), { dropped: 2 });
        const stats = await store.diskStats();
        assert.equal(stats.slices, 2);
        assert.ok(stats.oldestRetainedMs !== undefined && stats.oldestRetainedMs >= now - 2 * HOUR);
        const trace = (n: number): string => n.toString(16).padStart(32, '0');
        assert.deepEqual(await Promise.all([1, 2, 3, 4].map(async (n) => (await getTrace(store, trace(n))).length)), [0, 0, 2, 2]);
        assert.equal((await counts(store)).spans, 4);
        // Appends keep working after a drop, into the current slice.
        await store.append([record(40, 5, 1, now)], 50);
        assert.equal((await getTrace(store, trace(5))).length, 1);
      } finally {
        await store.close();
      }
    }));

  it('over maxDiskBytes the oldest slices leave until the store fits, the newest always stays', () =>
    withDir(async (dir) => {
      const now = Date.now();
      const store = await openDuckDbStore(options(join(dir, 'store.duckdb'), { retentionHours: 1000, sliceHours: 1, maxDiskBytes: 1 }));
      try {
        for (let i = 0; i < 3; i++) await store.append([record(i * 10, i + 1, 200, now - (3 - i) * HOUR)], (i + 1) * 10);
        const before = await store.diskStats();
        assert.equal(before.slices, 3);
        const { dropped } = await store.retain(now);
        assert.equal(dropped, 2, 'a 1-byte cap leaves only the newest slice');
        assert.equal((await store.diskStats()).slices, 1);
        assert.equal((await counts(store)).spans, 200);
      } finally {
        await store.close();
      }
    }));
});
