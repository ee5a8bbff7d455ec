import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createDurableQueue } from '../../src/queue/index.js';
import { drain, makeTempDir, text } from './temp-dir.js';

// Under tsx this file is test/queue/crash.test.ts; compiled it is dist/test/queue/crash.test.js.
const underTsx = import.meta.url.endsWith('.ts');
const childScript = fileURLToPath(new URL(`./fixtures/crash-child.${underTsx ? 'ts' : 'js'}`, import.meta.url));
const repoRoot = fileURLToPath(new URL(underTsx ? '../../' : '../../../', import.meta.url));

/** Runs the child until it acknowledged at least `minAcked` records, then SIGKILLs it. */
async function runAndKill(dir: string, first: number, minAcked: number): Promise<number[]> {
  const args = underTsx ? ['--import', 'tsx', childScript, dir, String(first)] : [childScript, dir, String(first)];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const acked: number[] = [];
  let partial = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) acked.push(Number(line));
    if (acked.length >= minAcked && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const { code, signal } = await exited;
  // Only complete lines count as acknowledged (a partial line is dropped, it proves nothing).
  assert.equal(signal, 'SIGKILL', `child ended on its own (code ${code}): ${stderr}`);
  return acked;
}

void test('every append acknowledged before kill -9 is on disk exactly once, in order', { timeout: 120_000 }, async (t) => {
  const { dir, cleanup } = await makeTempDir('crash');
  t.after(cleanup);

  const acked1 = await runAndKill(dir, 0, 2000);
  // The second run recovers the first run's log (possibly a torn tail) and appends after it.
  const acked2 = await runAndKill(dir, 1_000_000, 2000);
  assert.ok(acked1.length >= 2000 && acked2.length >= 2000);

  const queue = await createDurableQueue({ dir, maxBytes: 1 << 30, segmentBytes: 64 * 1024 });
  t.after(() => queue.close());
  const records = await drain(queue.reader('verify'), queue, 4 << 20);
  const numbers = records.map((r) => {
    const [n, padding] = text(r).split(':');
    assert.equal(padding, 'p'.repeat(Number(n) % 700), 'payload intact');
    return Number(n);
  });
  for (let i = 1; i < numbers.length; i++) {
    assert.ok(numbers[i]! > numbers[i - 1]!, `log order follows the child's sequence at index ${i}`);
  }
  const present = new Set(numbers);
  assert.equal(present.size, numbers.length, 'no duplicates');
  const missing = [...acked1, ...acked2].filter((n) => !present.has(n));
  assert.deepEqual(missing, [], 'acknowledged records lost');
  // Appends are written in call order, so what survives of each run is a gap-free prefix.
  const run1 = numbers.filter((n) => n < 1_000_000);
  const run2 = numbers.filter((n) => n >= 1_000_000);
  assert.deepEqual(run1, Array.from({ length: run1.length }, (_, i) => i));
  assert.deepEqual(run2, Array.from({ length: run2.length }, (_, i) => 1_000_000 + i));
  assert.ok(queue.stats().segments > 1, 'the runs rolled segments');
});
