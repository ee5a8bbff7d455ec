import type { Signal } from '../otlp/model.js';
import { shapedJsonToProtobuf } from './prepare-record.js';

/**
 * Runs in the JSON conversion pool (piscina): a large OTLP JSON body parsed and converted to
 * protobuf here does not hold the ingest event loop for the second it can take. The body's shape
 * was checked before it was sent here (json-converter.ts), so it is not checked again.
 */
export default function convert(input: { signal: Signal; body: Uint8Array }): { ok: true; bytes: Uint8Array } | { ok: false; message: string } {
  return shapedJsonToProtobuf(input.signal, input.body);
}
