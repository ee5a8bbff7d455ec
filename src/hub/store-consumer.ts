import type { Logger } from 'pino';
import { decodeRequest } from '../otlp/index.js';
import { readRecord } from '../pipeline/index.js';
import type { QueueReader } from '../queue/types.js';
import type { EmbeddedStore, StoreItem } from '../store/types.js';

export interface StoreConsumer {
  /** Resolves once the store has everything appended to the queue up to `position`, or on timeout. */
  waitFor(position: number, timeoutMs: number): Promise<boolean>;
  readonly lagSeconds: number;
  stop(): Promise<void>;
}

/**
 * Moves records from the durable queue into the embedded store. The store keeps the queue position
 * in the same transaction as the rows, and this consumer starts from that position, so a crash
 * between the store commit and the queue ack never stores a record twice.
 */
export async function startStoreConsumer(options: {
  reader: QueueReader;
  store: EmbeddedStore;
  logger: Logger;
  batchMaxRecords?: number;
  batchMaxBytes?: number;
  onStored?: (items: number) => void;
}): Promise<StoreConsumer> {
  const { reader, store, logger } = options;
  const stored = await store.cursor();
  if (stored > 0) reader.seek(stored);
  let stopped = false;
  let position = reader.position;
  let oldestUnstoredAtMs: number | undefined;
  const waiters = new Set<{ position: number; resolve: (ok: boolean) => void }>();

  const loop = async (): Promise<void> => {
    let failures = 0;
    while (!stopped) {
      const records = await reader.read({
        maxRecords: options.batchMaxRecords ?? 512,
        maxBytes: options.batchMaxBytes ?? 16 * 1024 * 1024,
        waitMs: 500,
      });
      if (records.length === 0) {
        oldestUnstoredAtMs = undefined;
        continue;
      }
      const items: StoreItem[] = [];
      for (const r of records) {
        try {
          const read = readRecord(r.data);
          if (!read.ok) throw new Error(read.reason);
          const { signal, accountId, receivedAtMs, payload } = read.record;
          oldestUnstoredAtMs ??= receivedAtMs;
          items.push({ signal, accountId, request: decodeRequest(signal, payload, 'protobuf') } as StoreItem);
        } catch (err) {
          // A record this version cannot read is logged and skipped rather than blocking the queue.
          logger.error({ err, position: r.position }, 'unreadable queue record skipped');
        }
      }
      const next = records[records.length - 1]!.next;
      for (;;) {
        try {
          await store.append(items, next);
          failures = 0;
          break;
        } catch (err) {
          failures++;
          logger.error({ err, failures }, 'embedded store append failed; retrying');
          if (stopped) return;
          await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** Math.min(failures, 6))));
        }
      }
      position = next;
      oldestUnstoredAtMs = undefined;
      options.onStored?.(items.length);
      await reader.ack(next);
      for (const w of waiters) {
        if (w.position <= position) {
          waiters.delete(w);
          w.resolve(true);
        }
      }
    }
  };
  const running = loop().catch((err: unknown) => logger.fatal({ err }, 'store consumer stopped'));

  return {
    waitFor(target, timeoutMs) {
      if (position >= target) return Promise.resolve(true);
      return new Promise((resolve) => {
        const w = { position: target, resolve };
        waiters.add(w);
        setTimeout(() => {
          if (waiters.delete(w)) resolve(false);
        }, timeoutMs).unref();
      });
    },
    get lagSeconds() {
      return oldestUnstoredAtMs === undefined ? 0 : Math.max(0, (Date.now() - oldestUnstoredAtMs) / 1000);
    },
    async stop() {
      stopped = true;
      await running;
      for (const w of waiters) w.resolve(false);
      waiters.clear();
    },
  };
}
