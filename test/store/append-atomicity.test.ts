import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createDuckDbStore } from '../../src/store/index.js';
import type { StoreItem } from '../../src/store/index.js';
import { hex, item, logRecord, logsRequest, metrics, metricsRequest, numberPoint, span, stampedResource, tracesRequest, anyValue } from './builders.js';

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-store-atomic-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One request per signal: `n` spans, `n` logs and `n` gauge points. */
function mixedBatch(tag: string, n: number): StoreItem[] {
  const acc = '111111111111';
  const resource = { resource: stampedResource(acc, 'shop') };
  const spans = Array.from({ length: n }, (_, i) =>
    span({ name: `${tag}-${i}`, spanId: hex((i + 1).toString(16).padStart(16, '0')) }),
  );
  const logs = Array.from({ length: n }, (_, i) => logRecord({ body: anyValue(`${tag} log ${i}`) }));
  const points = Array.from({ length: n }, (_, i) => numberPoint({ asDouble: i }));
  return [
    item.traces(acc, tracesRequest(spans, resource)),
    item.logs(acc, logsRequest(logs, resource)),
    item.metrics(acc, metricsRequest([metrics.gauge(`${tag}_gauge`, points)], resource)),
  ];
}

describe('DuckDB appender and transactions (the store relies on this)', () => {
  it("commits and rolls back an Appender's rows with an explicit transaction on the same connection", () =>
    withDir(async (dir) => {
      const instance = await DuckDBInstance.create(join(dir, 'probe.duckdb'));
      const connection = await instance.connect();
      const observer = await instance.connect();
      try {
        await connection.run('CREATE TABLE t (v BIGINT)');
        const count = async (c = connection) => Number((await c.runAndReadAll('SELECT count(*) FROM t')).getRowsJS()[0]?.[0]);

        await connection.run('BEGIN TRANSACTION');
        let appender = await connection.createAppender('t');
        for (let i = 0; i < 3; i++) {
          appender.appendBigInt(BigInt(i));
          appender.endRow();
        }
        appender.closeSync();
        assert.equal(await count(), 3, 'visible inside the transaction');
        assert.equal(await count(observer), 0, 'invisible to another connection before COMMIT');
        await connection.run('ROLLBACK');
        assert.equal(await count(), 0, 'gone after ROLLBACK');

        await connection.run('BEGIN TRANSACTION');
        appender = await connection.createAppender('t');
        appender.appendBigInt(7n);
        appender.endRow();
        appender.closeSync();
        await connection.run('COMMIT');
        assert.equal(await count(observer), 1, 'visible to others after COMMIT');
      } finally {
        observer.closeSync();
        connection.closeSync();
        instance.closeSync();
      }
    }));
});

describe('embedded store: atomic append', () => {
  it('a batch that fails after its rows were appended leaves neither rows nor cursor', () =>
    withDir(async (dir) => {
      const store = await createDuckDbStore({ path: join(dir, 'store.duckdb') });
      try {
        await store.append(mixedBatch('first', 5), 100);
        const before = await store.counts();
        assert.deepEqual(before, { spans: 5, logs: 5, points: 5 });
        // The cursor check runs inside the transaction after all three appenders flushed, so this
        // fails mid-batch: its rows are in the transaction when it aborts.
        await assert.rejects(store.append(mixedBatch('second', 7), 50), /cursor 50 is behind/);
        assert.deepEqual(await store.counts(), before);
        assert.equal(await store.cursor(), 100);
        assert.deepEqual(await store.queryLogs({ contains: 'second', limit: 10 }), []);
        // The store stays usable after the failure.
        await store.append(mixedBatch('third', 2), 150);
        assert.deepEqual(await store.counts(), { spans: 7, logs: 7, points: 7 });
        assert.equal(await store.cursor(), 150);
      } finally {
        await store.close();
      }
    }));

  it('an empty batch still advances the cursor', () =>
    withDir(async (dir) => {
      const store = await createDuckDbStore({ path: join(dir, 'store.duckdb') });
      try {
        assert.equal(await store.cursor(), 0);
        await store.append([], 42);
        assert.equal(await store.cursor(), 42);
        await store.append([], 42);
        assert.equal(await store.cursor(), 42);
      } finally {
        await store.close();
      }
    }));

  it('refuses a cursor that is not a non-negative integer', () =>
    withDir(async (dir) => {
      const store = await createDuckDbStore({ path: join(dir, 'store.duckdb') });
      try {
        await assert.rejects(store.append([], -1), RangeError);
        await assert.rejects(store.append([], 1.5), RangeError);
        assert.equal(await store.cursor(), 0);
      } finally {
        await store.close();
      }
    }));

  it('keeps rows and cursor across close and reopen in the same process', () =>
    withDir(async (dir) => {
      const path = join(dir, 'nested', 'store.duckdb');
      const first = await createDuckDbStore({ path });
      await first.append(mixedBatch('kept', 3), 1234);
      await first.close();
      await first.close(); // idempotent
      await assert.rejects(first.counts(), /closed/);

      const second = await createDuckDbStore({ path, maxMemoryBytes: 256 * 1024 * 1024 });
      try {
        assert.deepEqual(await second.counts(), { spans: 3, logs: 3, points: 3 });
        assert.equal(await second.cursor(), 1234);
        const logs = await second.queryLogs({ contains: 'kept log 2', limit: 10 });
        assert.deepEqual(
          logs.map((l) => l.body),
          ['kept log 2'],
        );
        await second.append(mixedBatch('more', 1), 1300);
        assert.deepEqual(await second.counts(), { spans: 4, logs: 4, points: 4 });
      } finally {
        await second.close();
      }
    }));

  it('serialises concurrent appends and queries', () =>
    withDir(async (dir) => {
      const store = await createDuckDbStore({ path: join(dir, 'store.duckdb') });
      try {
        const work: Promise<unknown>[] = [];
        for (let i = 1; i <= 20; i++) {
          work.push(store.append(mixedBatch(`c${i}`, 3), i * 10));
          work.push(store.queryLogs({ limit: 5 }));
          work.push(store.counts());
        }
        await Promise.all(work);
        assert.deepEqual(await store.counts(), { spans: 60, logs: 60, points: 60 });
        assert.equal(await store.cursor(), 200);
      } finally {
        await store.close();
      }
    }));

  it('refuses a file whose tables have another layout, naming the table, and releases the file', () =>
    withDir(async (dir) => {
      const path = join(dir, 'old.duckdb');
      const instance = await DuckDBInstance.create(path);
      const connection = await instance.connect();
      await connection.run('CREATE TABLE spans (trace_id VARCHAR, name VARCHAR)');
      connection.closeSync();
      instance.closeSync();
      await assert.rejects(createDuckDbStore({ path }), /table spans has columns \(trace_id, name\)/);
      // The failed open closed its handles: the file can be opened again in this process.
      const again = await DuckDBInstance.create(path);
      again.closeSync();
    }));
});
