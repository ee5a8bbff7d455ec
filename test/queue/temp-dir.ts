import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import type { DurableQueue, QueueReader, QueueRecord } from '../../src/queue/index.js';

/** A fresh directory under the OS temp dir, removed by the returned cleanup. */
export async function makeTempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `e2e-queue-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 }) };
}

/**
 * Like makeTempDir, but on a memory file system where there is one (/dev/shm on Linux): for tests
 * that build many small queues to check the on-disk format rather than the disk. Every segment
 * file costs fdatasyncs, which a busy shared disk can stretch to seconds; on tmpfs they cost
 * nothing, and reads, writes and truncation behave the same.
 */
export async function makeMemoryTempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  try {
    const dir = await mkdtemp(join('/dev/shm', `e2e-queue-${prefix}-`));
    return { dir, cleanup: () => rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 }) };
  } catch {
    return makeTempDir(prefix);
  }
}

export async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.seg')).sort();
}

export function record(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function text(rec: QueueRecord): string {
  return new TextDecoder().decode(rec.data);
}

/** Reads everything currently durable (no waiting), in bounded calls. */
export async function drain(reader: QueueReader, queue: DurableQueue, maxBytes = 1 << 20): Promise<QueueRecord[]> {
  const out: QueueRecord[] = [];
  for (let i = 0; i < 100_000; i++) {
    const batch = await reader.read({ maxRecords: 1000, maxBytes, waitMs: 0 });
    if (batch.length === 0) break;
    out.push(...batch);
    if (reader.position >= queue.endPosition()) break;
  }
  return out;
}

/** Flips bits of the byte at `offset` in the file at `path` (damage as a failing disk does it). */
export async function flipByte(path: string, offset: number, mask = 0x55): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    const b = Buffer.alloc(1);
    const { bytesRead } = await fh.read(b, 0, 1, offset);
    if (bytesRead !== 1) throw new Error(`no byte at ${offset} in ${path}`);
    b[0] = (b[0] as number) ^ mask;
    await fh.write(b, 0, 1, offset);
  } finally {
    await fh.close();
  }
}

/** The repository root, from a test file under tsx (test/queue) or compiled (dist/test/queue). */
export function repoRoot(metaUrl: string): string {
  return fileURLToPath(new URL(metaUrl.endsWith('.ts') ? '../../' : '../../../', metaUrl));
}

/** A pino logger whose lines end up parsed in `lines`, to assert what an operator would read. */
export function collectingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}
