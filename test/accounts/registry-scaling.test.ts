/**
 * Regression: every change used to rewrite and fsync the whole registry file, so creating an
 * account got slower with every account (77 ms each at first, 698 ms by 2,500). Now a change writes
 * its own rows.
 *
 * No timing threshold, and no comparison across minutes either: on a shared machine the load moves
 * more than the effect would. The 2,451st..2,500th creations in a full registry are measured
 * alternately with the 11th..60th in an almost empty one, in the same seconds, so both see the same
 * load; with a cost that grows with the registry the first would be many times the second.
 * Two measures: wall time (what an admin waits), and bytes handed to write(2) per creation
 * (/proc/self/io `wchar`), which does not depend on the load at all: the old whole-file rewrite
 * wrote 1.37 MB per creation at 2,500 accounts against 20 KB at 10; this registry writes ~1.3 KB
 * either way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAccountRegistry } from '../../src/accounts/index.js';

const ACCOUNTS = 2500;
const SAMPLE = 50;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Bytes this process has passed to write(2) and friends so far; undefined where /proc is missing. */
function writtenBytes(): number | undefined {
  try {
    const m = /^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return m === null ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

interface Cost {
  ms: number;
  bytes: number | undefined;
}

async function measured(fn: () => Promise<unknown>): Promise<Cost> {
  const bytes = writtenBytes();
  const started = performance.now();
  await fn();
  const ms = performance.now() - started;
  const after = writtenBytes();
  return { ms, bytes: bytes === undefined || after === undefined ? undefined : after - bytes };
}

test(`creating the ${ACCOUNTS}th account takes about as long, and writes about as much, as the 10th`, async (t) => {
  const bigDir = await mkdtemp(join(tmpdir(), 'e2e-registry-scale-'));
  const smallDir = await mkdtemp(join(tmpdir(), 'e2e-registry-scale-'));
  const big = await openAccountRegistry({ dataDir: bigDir, masterKey: randomBytes(32) });
  const small = await openAccountRegistry({ dataDir: smallDir, masterKey: randomBytes(32) });
  try {
    for (let i = 0; i < 10; i++) await small.add({ id: `small-${i}` });
    for (let i = 0; i < ACCOUNTS - SAMPLE; i++) await big.add({ id: `acct-${i}`, name: `Account ${i}` });
    const late: Cost[] = [];
    const early: Cost[] = [];
    for (let i = 0; i < SAMPLE; i++) {
      late.push(await measured(() => big.add({ id: `late-${i}`, name: `Late ${i}` })));
      early.push(await measured(() => small.add({ id: `early-${i}`, name: `Early ${i}` })));
    }
    const lateMs = median(late.map((c) => c.ms));
    const earlyMs = median(early.map((c) => c.ms));
    assert.ok(lateMs < 3 * earlyMs, `median creation with ~${ACCOUNTS} accounts ${lateMs.toFixed(2)} ms vs with ~${10 + SAMPLE / 2} accounts ${earlyMs.toFixed(2)} ms`);
    if (late.every((c) => c.bytes !== undefined) && early.every((c) => c.bytes !== undefined)) {
      const lateBytes = median(late.map((c) => c.bytes ?? 0));
      const earlyBytes = median(early.map((c) => c.bytes ?? 0));
      assert.ok(earlyBytes > 0, 'a creation writes something');
      assert.ok(lateBytes < 3 * earlyBytes, `median bytes written per creation with ~${ACCOUNTS} accounts ${lateBytes} vs with ~${10 + SAMPLE / 2} accounts ${earlyBytes}`);
    } else {
      t.diagnostic('/proc/self/io is not readable here: bytes written per creation not compared');
    }
    assert.equal(big.list().length, ACCOUNTS);
  } finally {
    await big.close();
    await small.close();
    await rm(bigDir, { recursive: true, force: true });
    await rm(smallDir, { recursive: true, force: true });
  }
});
