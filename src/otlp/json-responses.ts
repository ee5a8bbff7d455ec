import type { JsonObject, JsonReader } from './json-reader.js';
import type { JsonWriter } from './json-writer.js';
import type { PartialSuccess, RpcStatus, Signal } from './model.js';
import { isEmptyPartial } from './proto-responses.js';

/** The JSON name of partial_success.rejected_* per signal. */
const REJECTED_FIELD: Readonly<Record<Signal, string>> = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
};

export function writeExportResponseJson(w: JsonWriter, signal: Signal, partial: PartialSuccess | undefined): void {
  w.open('{');
  if (!isEmptyPartial(partial)) {
    w.key('partialSuccess');
    w.open('{');
    w.bigint(REJECTED_FIELD[signal], partial.rejected);
    w.string('errorMessage', partial.errorMessage);
    w.close('}');
  }
  w.close('}');
}

export function readExportResponseJson(j: JsonReader, signal: Signal, root: JsonObject): PartialSuccess | undefined {
  const partial = j.message(root, 'partialSuccess', (p) => ({
    rejected: j.int64(p, REJECTED_FIELD[signal]),
    errorMessage: j.string(p, 'errorMessage'),
  }));
  return isEmptyPartial(partial) ? undefined : partial;
}

export function writeRpcStatusJson(w: JsonWriter, status: RpcStatus): void {
  w.open('{');
  w.int('code', status.code);
  w.string('message', status.message);
  w.close('}');
}

export function readRpcStatusJson(j: JsonReader, root: JsonObject): RpcStatus {
  // details (repeated google.protobuf.Any) carry nothing the hub acts on.
  return { code: j.int32(root, 'code'), message: j.string(root, 'message') };
}
