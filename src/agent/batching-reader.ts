import type { QueueReader, QueueRecord } from '../queue/types.js';

/**
 * Wraps a queue reader so a batch, once it has its first record, waits up to `maxDelayMs` for more
 * (up to the runner's maxRecords/maxBytes): a steady trickle of small requests from many local
 * senders then goes out as a few larger ones ("batching by size and time").
 */
export function batchingReader(inner: QueueReader, maxDelayMs: number): QueueReader {
  if (maxDelayMs <= 0) return inner;
  return {
    get name() {
      return inner.name;
    },
    get position() {
      return inner.position;
    },
    get ackedPosition() {
      return inner.ackedPosition;
    },
    seek: (position) => inner.seek(position),
    ack: (position) => inner.ack(position),
    async read(o) {
      const first = await inner.read(o);
      if (first.length === 0) return first;
      const out: QueueRecord[] = [...first];
      let bytes = first.reduce((n, r) => n + r.data.byteLength, 0);
      const deadline = Date.now() + maxDelayMs;
      // Bounded by the deadline; each read returns early once a record arrives.
      while (out.length < o.maxRecords && bytes < o.maxBytes) {
        const waitMs = deadline - Date.now();
        if (waitMs <= 0) break;
        const more = await inner.read({ maxRecords: o.maxRecords - out.length, maxBytes: o.maxBytes - bytes, waitMs });
        if (more.length === 0) break;
        for (const r of more) {
          out.push(r);
          bytes += r.data.byteLength;
        }
      }
      return out;
    },
  };
}
