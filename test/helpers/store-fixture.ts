import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pino } from 'pino';
import { encodeRequest, countItems } from '../../src/otlp/index.js';
import type { RequestBySignal, Signal } from '../../src/otlp/model.js';
import { encodeRecord } from '../../src/pipeline/index.js';
import { createDurableQueue } from '../../src/queue/index.js';
import type { DurableQueue } from '../../src/queue/types.js';
import { startEmbeddedStore, type EmbeddedStore, type StartEmbeddedStoreOptions, type StoreChannel } from '../../src/store/index.js';

/** One request of one account, as ingest would have queued it (already stamped). */
export type TestItem = { [S in Signal]: { signal: S; accountId: string; request: RequestBySignal[S] } }[Signal];

export interface StoreFixture extends EmbeddedStore {
  queue: DurableQueue;
  /** Queues the items as ingest would and waits until the store committed them. */
  append(items: readonly TestItem[], receivedAtMs?: number): Promise<void>;
  /** The running store worker (to kill it in crash tests). */
  worker(): StoreChannel | undefined;
}

/**
 * The real embedded store (store worker, DuckDB file) fed from a real durable queue in `dir`:
 * tests go through the same path as the hub, records in, queries out.
 */
export async function openStoreFixture(dir: string, options: Partial<StartEmbeddedStoreOptions> = {}): Promise<StoreFixture> {
  const queue = await createDurableQueue({ dir: join(dir, 'queue'), maxBytes: 1 << 30 });
  let current: StoreChannel | undefined;
  const store = await startEmbeddedStore({
    path: join(dir, 'store.duckdb'),
    reader: queue.reader('embedded'),
    logger: pino({ level: process.env['E2E_TEST_LOG'] ?? 'silent' }),
    maxMemoryBytes: 128 * 1024 * 1024,
    threads: 1,
    retentionHours: 168,
    maxDiskBytes: 0,
    sliceHours: 6,
    onWorker: (w) => (current = w),
    ...options,
  });
  return {
    queue,
    worker: () => current,
    async append(items, receivedAtMs = Date.now()) {
      for (const item of items) {
        const outcome = await queue.append(recordOf(item, receivedAtMs));
        assert.equal(outcome, 'ok');
      }
      assert.ok(await store.waitFor(queue.endPosition(), 20_000), 'the store caught up with the queue');
    },
    async close() {
      await store.close();
      await queue.close();
    },
    getTrace: (id) => store.getTrace(id),
    queryLogs: (q) => store.queryLogs(q),
    queryMetrics: (q) => store.queryMetrics(q),
    metricNames: (q) => store.metricNames(q),
    searchTraces: (q) => store.searchTraces(q),
    setProcesses: (defs) => store.setProcesses(defs),
    processInstances: (def, q) => store.processInstances(def, q),
    processInstance: (def, key) => store.processInstance(def, key),
    counts: () => store.counts(),
    status: () => store.status(),
    waitFor: (p, t) => store.waitFor(p, t),
  };
}

/** The queue record ingest would have written for `item`. */
export function recordOf(item: TestItem, receivedAtMs: number): Uint8Array {
  const header = { signal: item.signal, accountId: item.accountId, receivedAtMs };
  switch (item.signal) {
    case 'traces':
      return encodeRecord({ ...header, items: countItems('traces', item.request) }, encodeRequest('traces', item.request, 'protobuf'));
    case 'logs':
      return encodeRecord({ ...header, items: countItems('logs', item.request) }, encodeRequest('logs', item.request, 'protobuf'));
    case 'metrics':
      return encodeRecord({ ...header, items: countItems('metrics', item.request) }, encodeRequest('metrics', item.request, 'protobuf'));
  }
}
