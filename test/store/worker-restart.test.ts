import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreUnavailableError, type ProcessDefinitionForStore, type StoreLogger } from '../../src/store/index.js';
import { eventually } from '../helpers/test-hub.js';
import { openStoreFixture, recordOf } from '../helpers/store-fixture.js';
import { hex, item, span, stampedResource, tracesRequest } from './builders.js';

const trace = (n: number): string => n.toString(16).padStart(32, '0');
const batch = (n: number) => item.traces('111111111111', tracesRequest([span({ name: `t${n}`, traceId: hex(trace(n)), spanId: hex('0000000000000001') })], { resource: stampedResource('111111111111', 'shop') }));

// How each isolation ends when killed: a process at once (SIGKILL, as a native crash or the OOM
// killer would), a thread once its DuckDB calls in flight are done (exit code 1, as after an
// uncaught error: stopping a thread inside a native call would abort the hub).
const killedAs = { process: /store worker stopped \(SIGKILL\)/, thread: /store worker stopped \(exit code 1\)/ } as const;

for (const isolation of ['thread', 'process'] as const)
describe(`embedded store worker (${isolation}): death and restart`, () => {
  it('reports the store down, restarts the worker, and stores what was queued meanwhile exactly once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-store-restart-'));
    const store = await openStoreFixture(dir, { isolation, maxRestartDelayMs: 200 });
    try {
      await store.append([batch(1), batch(2)]);
      const worker = store.worker();
      assert.ok(worker !== undefined);
      worker.kill();
      await eventually(async () => !store.status().up, 'the store reported down');
      assert.match(store.status().reason ?? '', killedAs[isolation]);
      await assert.rejects(store.getTrace(trace(1)), StoreUnavailableError);
      // Ingest keeps queueing while the store is down.
      for (const n of [3, 4, 5]) assert.equal(await store.queue.append(recordOf(batch(n), Date.now())), 'ok');
      await eventually(async () => store.status().up, 'the worker restarted', 20_000);
      assert.equal(store.status().restarts, 1);
      assert.ok(await store.waitFor(store.queue.endPosition(), 20_000));
      for (const n of [1, 2, 3, 4, 5]) assert.equal((await store.getTrace(trace(n))).length, 1, `trace ${n} stored exactly once`);
      assert.deepEqual(await store.counts(), { spans: 5, logs: 0, points: 0 });
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a worker killed in the middle of a big append resumes at its committed position', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-store-restart-'));
    const store = await openStoreFixture(dir, { isolation, maxRestartDelayMs: 200, batchMaxRecords: 50 });
    try {
      for (let n = 1; n <= 400; n++) assert.equal(await store.queue.append(recordOf(batch(n), Date.now())), 'ok');
      // Kill it while it works through the backlog, twice.
      for (let k = 0; k < 2; k++) {
        await eventually(async () => (await store.counts().catch(() => ({ spans: 0 }))).spans > 0 || undefined, 'some spans stored', 20_000);
        store.worker()?.kill();
        await eventually(async () => !store.status().up, 'reported down');
        await eventually(async () => store.status().up, 'restarted', 20_000);
      }
      assert.ok(await store.waitFor(store.queue.endPosition(), 30_000));
      assert.deepEqual(await store.counts(), { spans: 400, logs: 0, points: 0 });
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an uncaught error in the worker: it says so, exits (code 1) and is restarted; nothing queued is lost', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-store-restart-'));
    const lines: string[] = [];
    const store = await openStoreFixture(dir, { isolation, maxRestartDelayMs: 200, logger: captureLogger(lines) });
    try {
      await store.append([batch(1)]);
      // A malformed message makes the worker's own code throw outside any request's error handling.
      store.worker()?.post({ type: 'processes', defs: null as unknown as ProcessDefinitionForStore[] });
      await eventually(async () => !store.status().up, 'the store reported down');
      assert.match(store.status().reason ?? '', /store worker stopped \(exit code 1\)/);
      for (const n of [2, 3]) assert.equal(await store.queue.append(recordOf(batch(n), Date.now())), 'ok');
      await eventually(async () => store.status().up, 'the worker restarted', 20_000);
      assert.ok(await store.waitFor(store.queue.endPosition(), 20_000));
      assert.deepEqual(await store.counts(), { spans: 3, logs: 0, points: 0 });
      assert.ok(lines.some((l) => l.includes('uncaught error in the store worker')), lines.join('\n'));
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** A StoreLogger that keeps each line's message and fields as text. */
function captureLogger(lines: string[]): StoreLogger {
  const keep = (obj: object, msg: string): void => void lines.push(`${msg} ${JSON.stringify(obj)}`);
  return { info: keep, warn: keep, error: keep };
}
