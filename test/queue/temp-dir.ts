import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DurableQueue, QueueReader, QueueRecord } from '../../src/queue/index.js';

/** A fresh directory under the OS temp dir, removed by the returned cleanup. */
export async function makeTempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `e2e-queue-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 }) };
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
