/*
 * OTLP request/response codec, protobuf and JSON, for all three signals.
 *
 * Hand-written rather than generated (protobufjs, protobuf-es): it is the ingest hot path: every
 * request is decoded, re-encoded for the disk queue and decoded again for the store, and the
 * shared model wants what generated code does not give us cheaply: bigint for every 64-bit field
 * (timestamps exceed 2^53), raw Uint8Array ids, absent-vs-zero for optional doubles, and one
 * error type with an offset or JSON path for any bad input, never a stack overflow or a hang
 * (every loop advances or throws; recursion is bounded by the schema and MAX_ANY_VALUE_DEPTH).
 */
import { OtlpDecodeError } from './decode-error.js';
import { readLogsRequestJson, writeLogsRequestJson } from './json-logs.js';
import { readMetricsRequestJson, writeMetricsRequestJson } from './json-metrics.js';
import { JsonReader, type JsonObject } from './json-reader.js';
import {
  readExportResponseJson,
  readRpcStatusJson,
  writeExportResponseJson,
  writeRpcStatusJson,
} from './json-responses.js';
import { readTraceRequestJson, writeTraceRequestJson } from './json-traces.js';
import { JsonWriter } from './json-writer.js';
import type { OtlpFormat, PartialSuccess, RequestBySignal, RpcStatus, Signal } from './model.js';
import { readLogsRequest, writeLogsRequest } from './proto-logs.js';
import { readMetricsRequest, writeMetricsRequest } from './proto-metrics.js';
import { ProtoReader } from './proto-reader.js';
import { readExportResponse, readRpcStatus, writeExportResponse, writeRpcStatus } from './proto-responses.js';
import { readTraceRequest, writeTraceRequest } from './proto-traces.js';
import { ProtoWriter } from './proto-writer.js';

// A BOM before JSON text is tolerated (stripped); malformed UTF-8 becomes U+FFFD, as in JSON.parse of a string.
const utf8Decoder = new TextDecoder('utf-8');

/**
 * Runs a decoder and guarantees the one error type: decoders throw OtlpDecodeError themselves,
 * anything else (a bug, an engine RangeError) is wrapped rather than leaking as a 500.
 */
function guard<T>(format: OtlpFormat, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof OtlpDecodeError) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new OtlpDecodeError(`invalid ${format === 'json' ? 'JSON' : 'protobuf'}: ${detail}`, { cause: err });
  }
}

function parseJsonRoot(j: JsonReader, body: Uint8Array): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8Decoder.decode(body));
  } catch (err) {
    // SyntaxError for bad text; RangeError if an engine ever recurses too deep.
    throw new OtlpDecodeError(`invalid JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return j.object(parsed);
}

/** Decodes an Export*ServiceRequest body; throws OtlpDecodeError (E2E_BAD_REQUEST) on any bad input. */
export function decodeRequest<S extends Signal>(signal: S, body: Uint8Array, format: OtlpFormat): RequestBySignal[S] {
  return guard(format, () => {
    if (format === 'json') {
      const j = new JsonReader();
      const root = parseJsonRoot(j, body);
      switch (signal) {
        case 'traces':
          return readTraceRequestJson(j, root) as RequestBySignal[S];
        case 'metrics':
          return readMetricsRequestJson(j, root) as RequestBySignal[S];
        case 'logs':
          return readLogsRequestJson(j, root) as RequestBySignal[S];
      }
    } else {
      const r = new ProtoReader(body);
      switch (signal) {
        case 'traces':
          return readTraceRequest(r) as RequestBySignal[S];
        case 'metrics':
          return readMetricsRequest(r) as RequestBySignal[S];
        case 'logs':
          return readLogsRequest(r) as RequestBySignal[S];
      }
    }
    throw new TypeError(`unknown signal ${String(signal)}`);
  });
}

/** Encodes an Export*ServiceRequest; proto3 defaults are omitted in both formats. */
export function encodeRequest<S extends Signal>(signal: S, request: RequestBySignal[S], format: OtlpFormat): Uint8Array {
  if (format === 'json') {
    const w = new JsonWriter();
    if (signal === 'traces') writeTraceRequestJson(w, request as RequestBySignal['traces']);
    else if (signal === 'metrics') writeMetricsRequestJson(w, request as RequestBySignal['metrics']);
    else if (signal === 'logs') writeLogsRequestJson(w, request as RequestBySignal['logs']);
    else throw new TypeError(`unknown signal ${String(signal)}`);
    return w.finish();
  }
  const w = new ProtoWriter();
  if (signal === 'traces') writeTraceRequest(w, request as RequestBySignal['traces']);
  else if (signal === 'metrics') writeMetricsRequest(w, request as RequestBySignal['metrics']);
  else if (signal === 'logs') writeLogsRequest(w, request as RequestBySignal['logs']);
  else throw new TypeError(`unknown signal ${String(signal)}`);
  return w.finish();
}

/**
 * Encodes Export{Trace,Metrics,Logs}ServiceResponse. A partial success with nothing rejected and
 * no message is full success in the OTLP spec, and is encoded as the empty response.
 */
export function encodeExportResponse(signal: Signal, partial: PartialSuccess | undefined, format: OtlpFormat): Uint8Array {
  if (format === 'json') {
    const w = new JsonWriter();
    writeExportResponseJson(w, signal, partial);
    return w.finish();
  }
  const w = new ProtoWriter(64);
  writeExportResponse(w, partial);
  return w.finish();
}

/** Decodes an export response; undefined means full success (no or empty partial_success). */
export function decodeExportResponse(signal: Signal, body: Uint8Array, format: OtlpFormat): PartialSuccess | undefined {
  return guard(format, () => {
    if (format === 'json') {
      // OTLP/HTTP allows an empty body for full success; treat it as `{}`.
      if (body.length === 0) return undefined;
      const j = new JsonReader();
      return readExportResponseJson(j, signal, parseJsonRoot(j, body));
    }
    return readExportResponse(new ProtoReader(body));
  });
}

/** Encodes google.rpc.Status (details are never written). */
export function encodeRpcStatus(status: RpcStatus, format: OtlpFormat): Uint8Array {
  if (format === 'json') {
    const w = new JsonWriter();
    writeRpcStatusJson(w, status);
    return w.finish();
  }
  const w = new ProtoWriter(64);
  writeRpcStatus(w, status);
  return w.finish();
}

/** Decodes google.rpc.Status; details are skipped. */
export function decodeRpcStatus(body: Uint8Array, format: OtlpFormat): RpcStatus {
  return guard(format, () => {
    if (format === 'json') {
      const j = new JsonReader();
      return readRpcStatusJson(j, parseJsonRoot(j, body));
    }
    return readRpcStatus(new ProtoReader(body));
  });
}
