import { anyValueToPlain, attributesToPlain, decodeRequest, idToHex } from '../otlp/index.js';
import type { InstrumentationScope, LogRecord, Metric, Resource, Span } from '../otlp/model.js';
import { Output } from '../otlp/scan/index.js';

/**
 * Query-time decoding of what the store keeps as bytes (an item's `detail`, a resource, a scope):
 * the bytes are wrapped back into the smallest Export*ServiceRequest that holds them and read with
 * the one full decoder, so the store has no second decoder to keep in step.
 */
function wrap(path: readonly number[], content: Uint8Array): Uint8Array {
  const out = new Output();
  const marks = path.map(() => out.open());
  out.push(content);
  for (let i = path.length - 1; i >= 0; i--) out.close(marks[i] as ReturnType<Output['open']>, ((path[i] as number) << 3) | 2);
  return out.assemble();
}

export function decodeSpan(detail: Uint8Array): Span | undefined {
  return decodeRequest('traces', wrap([1, 2, 2], detail), 'protobuf').resourceSpans[0]?.scopeSpans[0]?.spans[0];
}

export function decodeLogRecord(detail: Uint8Array): LogRecord | undefined {
  return decodeRequest('logs', wrap([1, 2, 2], detail), 'protobuf').resourceLogs[0]?.scopeLogs[0]?.logRecords[0];
}

export function decodeResource(bytes: Uint8Array): Resource {
  return decodeRequest('traces', wrap([1, 1], bytes), 'protobuf').resourceSpans[0]?.resource ?? { attributes: [], droppedAttributesCount: 0 };
}

export function decodeScope(bytes: Uint8Array): InstrumentationScope | undefined {
  return decodeRequest('traces', wrap([1, 2, 1], bytes), 'protobuf').resourceSpans[0]?.scopeSpans[0]?.scope;
}

/** Data field of each stored metric type (index = `metrics.type`). */
const DATA_FIELD = [5, 7, 9, 10, 11] as const;

/** The metric holding one stored data point (`detail`) of metric type `type`. */
export function decodePoint(type: number, detail: Uint8Array): Metric | undefined {
  const field = DATA_FIELD[type];
  if (field === undefined) return undefined;
  return decodeRequest('metrics', wrap([1, 2, 2, field, 1], detail), 'protobuf').resourceMetrics[0]?.scopeMetrics[0]?.metrics[0];
}

export { anyValueToPlain, attributesToPlain, idToHex };
