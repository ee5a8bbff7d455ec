import { decodeRequest, encodeRequest } from '../otlp/index.js';
import { checkJsonShape } from '../otlp/json-guard.js';
import type { OtlpFormat, Signal } from '../otlp/model.js';
import { editRequest, itemNoun, type ScanPolicy } from '../otlp/scan/index.js';
import { OtlpDecodeError } from '../otlp/decode-error.js';
import { recordHeaderBytes, writeRecordHeader } from './queue-record.js';

/** Items dropped for one reason (a validation rule or a limit), with the phrase for partial_success. */
export interface Rejection {
  /** e.g. `traces.resource.source.name` or `limits.maxAttributeKeyBytes`. */
  name: string;
  count: number;
  text: string;
}

export type PrepareOutcome =
  | {
      kind: 'ok';
      /** The queue record (header + stamped protobuf), or undefined when no item was accepted. */
      record: Uint8Array | undefined;
      accepted: number;
      rejected: number;
      /** Left out by an opt-in filter (not a rejection). */
      filtered: number;
      rejections: Rejection[];
    }
  /** 400: undecodable, too deep, too many items. */
  | { kind: 'invalid'; message: string };

export interface PrepareInput {
  signal: Signal;
  /** The decompressed request body. */
  body: Uint8Array;
  format: OtlpFormat;
  /** Written into the record and stamped where the policy says (empty on the agent). */
  accountId: string;
  receivedAtMs: number;
  policy: ScanPolicy;
  /** Objects plus arrays a JSON body may have (checked before it is parsed). */
  maxJsonContainers: number;
}

/**
 * One request's whole data-path work between decompression and the queue: a JSON body is
 * converted to protobuf once (after its shape was checked), then one pass over the protobuf bytes
 * checks, limits, validates, trims and stamps them into a queue record. No decode/encode round trip
 * for protobuf bodies. Never throws for bad input.
 */
export function prepareRecord(input: PrepareInput): PrepareOutcome {
  let protobuf = input.body;
  if (input.format === 'json') {
    const converted = jsonToProtobuf(input.signal, input.body, input.maxJsonContainers);
    if (!converted.ok) return { kind: 'invalid', message: converted.message };
    protobuf = converted.bytes;
  }
  const headerBytes = recordHeaderBytes(input.accountId);
  const edit = editRequest(input.policy, protobuf, { headroomBytes: headerBytes, accountId: input.accountId });
  if (edit.kind !== 'ok') return { kind: 'invalid', message: edit.message };
  const rejections = edit.rejectedBy.map(([reason, count]) => {
    const r = input.policy.reasons[reason];
    return { name: r?.name ?? 'unknown', count, text: r?.text ?? 'unknown reason' };
  });
  let record: Uint8Array | undefined;
  if (edit.accepted > 0) {
    record = edit.bytes;
    writeRecordHeader(record, { signal: input.signal, accountId: input.accountId, receivedAtMs: input.receivedAtMs, items: edit.accepted });
  }
  return { kind: 'ok', record, accepted: edit.accepted, rejected: edit.rejected, filtered: edit.filtered, rejections };
}

/** The partial_success error message: which rules and limits dropped how many items. */
export function rejectionMessage(signal: Signal, rejections: readonly Rejection[]): string {
  return rejections.map((r) => `${r.count} ${itemNoun(signal)} rejected by ${r.text}`).join('; ');
}

/** JSON (OTLP JSON mapping) to protobuf, once; the shape is checked before anything is parsed. */
export function jsonToProtobuf(signal: Signal, body: Uint8Array, maxContainers: number): { ok: true; bytes: Uint8Array } | { ok: false; message: string } {
  const shape = checkJsonShape(body, maxContainers);
  if (!shape.ok) return shape;
  return shapedJsonToProtobuf(signal, body);
}

/** jsonToProtobuf for a body whose shape was already checked (the conversion pool's: checked before the copy). */
export function shapedJsonToProtobuf(signal: Signal, body: Uint8Array): { ok: true; bytes: Uint8Array } | { ok: false; message: string } {
  try {
    return { ok: true, bytes: encodeRequest(signal, decodeRequest(signal, body, 'json'), 'protobuf') };
  } catch (err) {
    if (err instanceof OtlpDecodeError) return { ok: false, message: err.message };
    throw err;
  }
}
