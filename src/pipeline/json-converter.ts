import { Piscina } from 'piscina';
import type { Signal } from '../otlp/model.js';
import { checkJsonShape } from '../otlp/json-guard.js';
import { shapedJsonToProtobuf } from './prepare-record.js';

export type ConvertOutcome = { ok: true; bytes: Uint8Array } | { ok: false; message: string };

/** Converts OTLP JSON bodies to protobuf, the big ones on a small thread pool. */
export interface JsonConverter {
  toProtobuf(signal: Signal, body: Uint8Array, maxContainers: number): Promise<ConvertOutcome>;
  close(): Promise<void>;
}

export interface JsonConverterOptions {
  /** Bodies up to this size are converted inline (a few milliseconds); larger ones in the pool. */
  offloadAboveBytes?: number;
  /** Pool threads. Default 1: JSON is the rare path; protobuf senders never touch the pool. */
  maxThreads?: number;
}

const WORKER = new URL('./json-convert-worker.js', import.meta.url).href;

/**
 * JSON is converted once (JSON → model → protobuf) before the one-pass scan. A 64 MiB JSON body
 * takes seconds to parse; in the pool it costs a thread, not the ingest event loop, so other
 * tenants' requests keep being answered meanwhile.
 */
export function createJsonConverter(options: JsonConverterOptions = {}): JsonConverter {
  const offloadAboveBytes = options.offloadAboveBytes ?? 256 * 1024;
  let pool: Piscina | undefined;
  return {
    async toProtobuf(signal, body, maxContainers) {
      // The shape check is one cheap pass: a nesting bomb is refused before it is parsed or copied to the pool.
      const shape = checkJsonShape(body, maxContainers);
      if (!shape.ok) return shape;
      if (body.length <= offloadAboveBytes) return shapedJsonToProtobuf(signal, body);
      pool ??= new Piscina({ filename: WORKER, minThreads: 0, maxThreads: options.maxThreads ?? 1, idleTimeout: 30_000 });
      return (await pool.run({ signal, body })) as ConvertOutcome;
    },
    async close() {
      await pool?.destroy();
    },
  };
}
