import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDuckDbStore } from '../../src/store/duckdb-store.js';
import { counts, getTrace } from '../../src/store/read-queries.js';

// Runs both from source under tsx (this file is .ts) and compiled (dist/test/store/*.js): the child
// imports the store module of the same flavour.
const here = fileURLToPath(import.meta.url);
const fromSource = here.endsWith('.ts');
const repoRoot = resolve(dirname(here), fromSource ? '../..' : '../../..');
const srcDir = join(repoRoot, fromSource ? 'src' : 'dist/src');
const childScript = join(repoRoot, 'test/fixtures/store-append-child.mjs');

const SPANS_PER_BATCH = 50;
const MAX_BATCHES_PER_RUN = 400;

interface ChildRun {
  printed: number[];
  exit: { code: number | null; signal: NodeJS.Signals | null };
  stderr: string;
}

/**
 * Starts the child at batch `first` and kills it with SIGKILL `delayMs` after it printed `killAfter`
 * cursors: the varying delay lands the kill at different points of the following append.
 */
function runAndKill(dbPath: string, first: number, killAfter: number, delayMs: number): Promise<ChildRun> {
  const args = [
    ...(fromSource ? ['--import', 'tsx'] : []),
    childScript,
    srcDir,
    dbPath,
    String(SPANS_PER_BATCH),
    String(first),
    String(MAX_BATCHES_PER_RUN),
  ];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const printed: number[] = [];
    let stderr = '';
    let pending = '';
    let killScheduled = false;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) printed.push(Number(line));
      if (printed.length >= killAfter && !killScheduled) {
        killScheduled = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ printed, exit: { code, signal }, stderr }));
  });
}

describe('embedded store: kill -9 during appends (in the process that owns the database)', () => {
  it('resumes from the stored cursor with exactly the rows of the batches up to it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-store-crash-'));
    const dbPath = join(dir, 'store.duckdb');
    try {
      let first = 0;
      for (const [killAfter, delayMs] of [
        [3, 0],
        [2, 1 + Math.random() * 4],
        [2, 3 + Math.random() * 8],
        [4, Math.random() * 15],
      ] as const) {
        const run = await runAndKill(dbPath, first, killAfter, delayMs);
        assert.equal(run.exit.signal, 'SIGKILL', `child was killed (stderr: ${run.stderr})`);
        const lastPrinted = run.printed.at(-1) ?? first * 1000;
        assert.ok(run.printed.length >= killAfter);

        const store = await openDuckDbStore({ path: dbPath, maxMemoryBytes: 64 << 20, threads: 1, retentionHours: 1e6, maxDiskBytes: 0, sliceHours: 1e5 });
        try {
          const cursor = store.cursor;
          assert.ok(cursor >= lastPrinted, `stored cursor ${cursor} >= last acknowledged ${lastPrinted}`);
          assert.equal(cursor % 1000, 0);
          const batches = cursor / 1000;
          assert.deepEqual(await counts(store), { spans: batches * SPANS_PER_BATCH, logs: 0, points: 0 });
          // Every stored batch is whole and stored once; the batch after the cursor is absent.
          for (let b = 0; b <= batches; b++) {
            const traceId = (b + 1).toString(16).padStart(32, '0');
            const spans = await getTrace(store, traceId);
            assert.equal(spans.length, b < batches ? SPANS_PER_BATCH : 0, `batch ${b}`);
          }
          first = batches;
        } finally {
          await store.close();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
