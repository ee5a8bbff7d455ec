import { decodeRequest } from '../otlp/index.js';
import type { RequestBySignal, Signal } from '../otlp/model.js';
import type { ExportItem } from './exporter.js';

/**
 * Decodes the payloads of one signal's items, for the exporters that must translate (remote write,
 * Loki); OTLP exporters never call this. A payload that does not decode (damaged on disk after its
 * checksum passed — practically never) is counted, not thrown: a throw would retry the batch forever.
 */
export function decodeItems<S extends Signal>(items: readonly ExportItem[], signal: S): { decoded: { accountId: string; request: RequestBySignal[S] }[]; undecodable: number } {
  const decoded: { accountId: string; request: RequestBySignal[S] }[] = [];
  let undecodable = 0;
  for (const item of items) {
    if (item.signal !== signal) continue;
    try {
      decoded.push({ accountId: item.accountId, request: decodeRequest(signal, item.payload, 'protobuf') });
    } catch {
      undecodable++;
    }
  }
  return { decoded, undecodable };
}
