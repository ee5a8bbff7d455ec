import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbStore } from '../../src/store/index.js';
import { attrs, hex, item, span, stampedResource, tracesRequest } from './builders.js';

const BATCHES = 100;
const SPANS_PER_BATCH = 100;

// A sanity print, not a benchmark gate: no timing is asserted (bench/ holds the real benchmarks).
it('appends 100 batches of 100 spans and reports rows/s', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-store-throughput-'));
  const store = await createDuckDbStore({ path: join(dir, 'store.duckdb') });
  try {
    const resource = { resource: stampedResource('111111111111', 'shop', 'checkout') };
    const batches = Array.from({ length: BATCHES }, (_, b) => [
      item.traces(
        '111111111111',
        tracesRequest(
          Array.from({ length: SPANS_PER_BATCH }, (_, i) =>
            span({
              name: `GET /orders/${i}`,
              traceId: hex((b + 1).toString(16).padStart(32, '0')),
              spanId: hex((i + 1).toString(16).padStart(16, '0')),
              attributes: attrs({ 'http.method': 'GET', 'http.status_code': 200n, 'order.id': `o-${b}-${i}` }),
            }),
          ),
          resource,
        ),
      ),
    ]);
    const started = process.hrtime.bigint();
    for (let b = 0; b < BATCHES; b++) await store.append(batches[b] ?? [], (b + 1) * 10);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    const rows = BATCHES * SPANS_PER_BATCH;
    console.log(`# store append: ${rows} spans in ${BATCHES} batches, ${elapsedMs.toFixed(0)} ms, ${Math.round((rows / elapsedMs) * 1000)} rows/s`);
    assert.equal((await store.counts()).spans, rows);
    assert.equal((await store.getTrace('00000000000000000000000000000064')).length, SPANS_PER_BATCH);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
