import type { Signal } from '../otlp/model.js';
import { jsonToProtobuf } from './prepare-record.js';

/**
 * Runs in the JSON conversion pool (piscina): a large OTLP JSON body parsed and converted to
 * protobuf here does not hold the ingest event loop for the second it can take.
 */
export default function convert(input: { signal: Signal; body: Uint8Array; maxContainers: number }): { ok: true; bytes: Uint8Array } | { ok: false; message: string } {
  return jsonToProtobuf(input.signal, input.body, input.maxContainers);
}
