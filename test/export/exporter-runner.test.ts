import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExportItem, ExportOutcome, Exporter } from '../../src/export/exporter.js';
import { startExporterRunner } from '../../src/export/exporter-runner.js';
import { encodeRecord } from '../../src/pipeline/index.js';
import { FakeQueueReader, waitUntil } from './fake-queue-reader.js';

/** Queue records of one item each, carrying n in accountId; 'garbage' is a record the runner cannot read. */
function record(n: number | 'garbage', receivedAtMs = 0): Uint8Array {
  if (n === 'garbage') return new Uint8Array([9, 9, 9]);
  return encodeRecord({ signal: 'logs', accountId: String(n), receivedAtMs, items: 1 }, new Uint8Array(0));
}

type Step = ExportOutcome | ((ids: string[]) => ExportOutcome | Promise<ExportOutcome>);

/** An exporter answering from a script of outcomes (the last repeats), recording every batch. */
class ScriptedExporter implements Exporter {
  readonly name = 'scripted';
  readonly batches: string[][] = [];
  #script: Step[];
  closed = false;
  constructor(script: Step[]) {
    this.#script = script;
  }
  async export(items: ExportItem[]): Promise<ExportOutcome> {
    const ids = items.map((i) => i.accountId);
    this.batches.push(ids);
    const step = this.#script.length > 1 ? this.#script.shift() : this.#script[0];
    if (step === undefined) return { kind: 'success' };
    return typeof step === 'function' ? step(ids) : step;
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

const retry = { initialMs: 1, maxMs: 5 };

describe('exporter runner', () => {
  it('exports in batches and acknowledges each batch after success', async () => {
    const reader = new FakeQueueReader();
    for (let n = 0; n < 7; n++) reader.append(record(n));
    const exporter = new ScriptedExporter([{ kind: 'success' }]);
    const outcomes: string[] = [];
    const runner = startExporterRunner({
      exporter, reader, batchMaxRecords: 3, batchMaxBytes: 1 << 20, retry,
      onOutcome: (o) => outcomes.push(o.kind),
    });
    try {
      await waitUntil(() => runner.stats().sentItems === 7, 'all sent');
      assert.deepEqual(exporter.batches, [['0', '1', '2'], ['3', '4', '5'], ['6']]);
      assert.equal(reader.ackedPosition, reader.endPosition);
      assert.deepEqual(outcomes, ['success', 'success', 'success']);
      const stats = runner.stats();
      assert.equal(stats.failedItems, 0);
      assert.equal(stats.retries, 0);
      assert.equal(typeof stats.lastSuccessAt, 'number');
      assert.equal(stats.lagSeconds, 0);
    } finally {
      await runner.stop();
    }
  });

  it('re-sends the same batch on retryable outcomes and never acknowledges before success', async () => {
    const reader = new FakeQueueReader();
    reader.append(record(1));
    reader.append(record(2));
    let ackedDuringRetries = -1;
    const exporter = new ScriptedExporter([
      { kind: 'retryable', message: 'down' },
      { kind: 'retryable', message: 'down' },
      () => {
        ackedDuringRetries = reader.ackedPosition;
        return { kind: 'retryable', retryAfterMs: 1, message: 'throttled' };
      },
      { kind: 'success' },
    ]);
    const runner = startExporterRunner({ exporter, reader, batchMaxRecords: 10, batchMaxBytes: 1 << 20, retry });
    try {
      await waitUntil(() => runner.stats().sentItems === 2, 'sent after retries');
      assert.equal(ackedDuringRetries, 0);
      assert.deepEqual(exporter.batches, [['1', '2'], ['1', '2'], ['1', '2'], ['1', '2']]);
      assert.equal(runner.stats().retries, 3);
      assert.equal(reader.ackedPosition, reader.endPosition);
    } finally {
      await runner.stop();
    }
  });

  it('skips a batch the backend rejects (failure), counts it and carries on', async () => {
    const reader = new FakeQueueReader();
    reader.append(record(1));
    const errors: string[] = [];
    const exporter = new ScriptedExporter([{ kind: 'failure', message: 'HTTP 400: bad data' }, { kind: 'success' }]);
    const runner = startExporterRunner({
      exporter, reader, batchMaxRecords: 1, batchMaxBytes: 1 << 20, retry,
      logger: { warn: () => {}, error: (_o, msg) => errors.push(msg) },
    });
    try {
      await waitUntil(() => runner.stats().failedItems === 1, 'poison skipped');
      reader.append(record(2));
      await waitUntil(() => runner.stats().sentItems === 1, 'next batch sent');
      assert.deepEqual(exporter.batches, [['1'], ['2']]);
      assert.equal(reader.ackedPosition, reader.endPosition);
      assert.ok(errors.some((m) => m.includes('rejected')));
    } finally {
      await runner.stop();
    }
  });

  it('skips undecodable records but exports the rest of their batch', async () => {
    const reader = new FakeQueueReader();
    reader.append(record(1));
    reader.append(record('garbage'));
    reader.append(record(3));
    const exporter = new ScriptedExporter([{ kind: 'success' }]);
    const runner = startExporterRunner({
      exporter, reader, batchMaxRecords: 10, batchMaxBytes: 1 << 20, retry,
      logger: { warn: () => {}, error: () => {} },
    });
    try {
      await waitUntil(() => runner.stats().sentItems === 2, 'decodable ones sent');
      assert.deepEqual(exporter.batches, [['1', '3']]);
      assert.equal(runner.stats().failedItems, 1);
      assert.equal(reader.ackedPosition, reader.endPosition);
    } finally {
      await runner.stop();
    }
  });

  it('treats a throwing exporter as retryable, losing nothing', async () => {
    const reader = new FakeQueueReader();
    reader.append(record(1));
    const exporter = new ScriptedExporter([
      () => {
        throw new Error('bug');
      },
      { kind: 'success' },
    ]);
    const runner = startExporterRunner({
      exporter, reader, batchMaxRecords: 10, batchMaxBytes: 1 << 20, retry,
      logger: { warn: () => {}, error: () => {} },
    });
    try {
      await waitUntil(() => runner.stats().sentItems === 1, 'sent after throw');
      assert.equal(runner.stats().retries, 1);
    } finally {
      await runner.stop();
    }
  });

  it('stop() interrupts a long Retry-After wait and leaves the batch unacknowledged for the next runner', async () => {
    const reader = new FakeQueueReader();
    reader.append(record(1));
    reader.append(record(2));
    const exporter = new ScriptedExporter([{ kind: 'retryable', retryAfterMs: 600_000, message: 'quota' }]);
    const runner = startExporterRunner({
      exporter, reader, batchMaxRecords: 10, batchMaxBytes: 1 << 20, retry,
      logger: { warn: () => {}, error: () => {} },
    });
    await waitUntil(() => runner.stats().retries === 1, 'first retry scheduled');
    // The test would hang for 10 minutes (and be killed) if stop() did not interrupt the wait.
    await runner.stop();
    assert.equal(reader.ackedPosition, 0);
    assert.equal(reader.position, 0, 'rewound to the unacknowledged batch');

    const next = new ScriptedExporter([{ kind: 'success' }]);
    const second = startExporterRunner({ exporter: next, reader, batchMaxRecords: 10, batchMaxBytes: 1 << 20, retry });
    try {
      await waitUntil(() => second.stats().sentItems === 2, 'second runner sent the batch');
      assert.deepEqual(next.batches, [['1', '2']]);
    } finally {
      await second.stop();
    }
  });

  it('stop() abandons an in-flight export without acknowledging it', async () => {
    const reader = new FakeQueueReader();
    reader.append(record(1));
    let started = false;
    const exporter = new ScriptedExporter([
      () => {
        started = true;
        return new Promise<ExportOutcome>(() => {}); // never settles: a hung backend
      },
    ]);
    const runner = startExporterRunner({ exporter, reader, batchMaxRecords: 10, batchMaxBytes: 1 << 20, retry });
    await waitUntil(() => started, 'export started');
    await runner.stop();
    assert.equal(reader.ackedPosition, 0);
    assert.equal(runner.stats().sentItems, 0);
  });

  it('reports lag from receive times while a batch is pending', async () => {
    const reader = new FakeQueueReader();
    reader.append(record(1, 990_000));
    let nowMs = 1_000_000;
    let release: (o: ExportOutcome) => void = () => {};
    const exporter = new ScriptedExporter([() => new Promise<ExportOutcome>((resolve) => (release = resolve))]);
    const runner = startExporterRunner({
      exporter, reader, batchMaxRecords: 10, batchMaxBytes: 1 << 20, retry,
      nowMs: () => nowMs,
    });
    try {
      await waitUntil(() => exporter.batches.length === 1, 'export started');
      assert.equal(runner.stats().lagSeconds, 10);
      nowMs += 5000;
      assert.equal(runner.stats().lagSeconds, 15);
      release({ kind: 'success' });
      await waitUntil(() => runner.stats().sentItems === 1, 'sent');
      assert.equal(runner.stats().lagSeconds, 0);
    } finally {
      await runner.stop();
    }
  });

  it('does not spin on a closed queue and stops promptly', async () => {
    const reader = new FakeQueueReader();
    reader.close();
    let reads = 0;
    const counting = new Proxy(reader, {
      get(target, prop, receiver) {
        if (prop === 'read') return (o: Parameters<FakeQueueReader['read']>[0]) => (reads++, target.read(o));
        const v: unknown = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const runner = startExporterRunner({
      exporter: new ScriptedExporter([{ kind: 'success' }]), reader: counting, batchMaxRecords: 10, batchMaxBytes: 1 << 20, retry, readWaitMs: 50,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await runner.stop();
    // A busy loop would read thousands of times in 200 ms; the idle pause keeps it to a handful.
    assert.ok(reads <= 10, `reads: ${reads}`);
  });

  it('rejects bad options at construction', () => {
    const reader = new FakeQueueReader();
    const exporter = new ScriptedExporter([{ kind: 'success' }]);
    assert.throws(() => startExporterRunner({ exporter, reader, batchMaxRecords: 0, batchMaxBytes: 1, retry }), TypeError);
    assert.throws(
      () => startExporterRunner({ exporter, reader, batchMaxRecords: 1, batchMaxBytes: 1, retry: { initialMs: 10, maxMs: 1 } }),
      TypeError,
    );
  });
});
