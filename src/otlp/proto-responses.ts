import type { PartialSuccess, RpcStatus } from './model.js';
import { readMessage, writeEnumField, writeStringField } from './proto-common.js';
import type { ProtoReader } from './proto-reader.js';
import type { ProtoWriter } from './proto-writer.js';

/*
 * Export{Trace,Metrics,Logs}ServiceResponse: partial_success = 1, whose rejected_* = 1 (int64) and
 * error_message = 2 have the same numbers for all three signals. google.rpc.Status: code = 1,
 * message = 2, details = 3 (ignored).
 */

/** The OTLP spec treats a partial_success with nothing rejected and no message as full success. */
export function isEmptyPartial(partial: PartialSuccess | undefined): partial is undefined {
  return partial === undefined || (partial.rejected === 0n && partial.errorMessage === '');
}

export function writeExportResponse(w: ProtoWriter, partial: PartialSuccess | undefined): void {
  if (isEmptyPartial(partial)) return;
  const at = w.beginLength(1);
  if (partial.rejected !== 0n) {
    w.tag(1, 0);
    w.int64(partial.rejected);
  }
  writeStringField(w, 2, partial.errorMessage);
  w.endLength(at);
}

function readPartial(r: ProtoReader): PartialSuccess {
  const partial: PartialSuccess = { rejected: 0n, errorMessage: '' };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (1 << 3) | 0:
        partial.rejected = r.int64();
        break;
      case (2 << 3) | 2:
        partial.errorMessage = r.string(2);
        break;
      default:
        r.skip(tag);
    }
  }
  return partial;
}

export function readExportResponse(r: ProtoReader): PartialSuccess | undefined {
  let partial: PartialSuccess | undefined;
  while (r.pos < r.end) {
    const tag = r.readTag();
    if (tag === ((1 << 3) | 2)) partial = readMessage(r, 1, readPartial);
    else r.skip(tag);
  }
  return isEmptyPartial(partial) ? undefined : partial;
}

export function writeRpcStatus(w: ProtoWriter, status: RpcStatus): void {
  writeEnumField(w, 1, status.code);
  writeStringField(w, 2, status.message);
}

export function readRpcStatus(r: ProtoReader): RpcStatus {
  const status: RpcStatus = { code: 0, message: '' };
  while (r.pos < r.end) {
    const tag = r.readTag();
    switch (tag) {
      case (1 << 3) | 0:
        status.code = r.int32();
        break;
      case (2 << 3) | 2:
        status.message = r.string(2);
        break;
      default:
        r.skip(tag);
    }
  }
  return status;
}
