import type { QueuePosition, QueueReader, QueueRecord } from '../../src/queue/types.js';

/**
 * In-memory QueueReader for exporter tests (the real durable queue is tested on its own).
 * Positions are byte offsets as in the real queue: each record advances by its length.
 */
export class FakeQueueReader implements QueueReader {
  readonly name = 'fake';
  #records: QueueRecord[] = [];
  #end = 0;
  #position = 0;
  #acked = 0;
  #closed = false;
  #waiters = new Set<() => void>();
  readonly ackHistory: QueuePosition[] = [];

  append(data: Uint8Array): QueueRecord {
    const record = { position: this.#end, next: this.#end + Math.max(1, data.byteLength), data };
    this.#end = record.next;
    this.#records.push(record);
    for (const wake of this.#waiters) wake();
    return record;
  }

  close(): void {
    this.#closed = true;
    for (const wake of this.#waiters) wake();
  }

  get position(): QueuePosition {
    return this.#position;
  }

  get ackedPosition(): QueuePosition {
    return this.#acked;
  }

  get endPosition(): QueuePosition {
    return this.#end;
  }

  seek(position: QueuePosition): void {
    this.#position = position;
  }

  async read(options: { maxRecords: number; maxBytes: number; waitMs: number }): Promise<QueueRecord[]> {
    if (this.#closed) return [];
    if (this.#available().length === 0) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, options.waitMs);
        this.#waiters.add(wake);
      });
    }
    const out: QueueRecord[] = [];
    let bytes = 0;
    for (const record of this.#available()) {
      if (out.length >= options.maxRecords) break;
      if (out.length > 0 && bytes + record.data.byteLength > options.maxBytes) break;
      out.push(record);
      bytes += record.data.byteLength;
    }
    const last = out[out.length - 1];
    if (last !== undefined) this.#position = last.next;
    return out;
  }

  ack(position: QueuePosition): Promise<void> {
    this.ackHistory.push(position);
    if (position > this.#acked) this.#acked = position;
    return Promise.resolve();
  }

  #available(): QueueRecord[] {
    return this.#records.filter((r) => r.position >= this.#position);
  }
}

/** Polls `predicate` every few ms up to `attempts` times (bounded; no timing assertions). */
export async function waitUntil(predicate: () => boolean, what: string, attempts = 2000): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting until ${what}`);
}
