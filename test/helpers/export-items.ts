import { encodeRequest } from '../../src/otlp/index.js';
import { countItems } from '../../src/otlp/index.js';
import type { RequestBySignal, Signal } from '../../src/otlp/model.js';
import type { ExportItem } from '../../src/export/exporter.js';

/** An exporter input as the runner hands it over: a queue record's header and protobuf payload. */
export function exportItem<S extends Signal>(signal: S, accountId: string, request: RequestBySignal[S], receivedAtMs = Date.now()): ExportItem {
  return { signal, accountId, receivedAtMs, items: countItems(signal, request), payload: encodeRequest(signal, request, 'protobuf') };
}
