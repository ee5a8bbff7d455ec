import type { Signal } from '../otlp/model.js';
import type { ScanPolicy } from '../otlp/scan/index.js';
import { prepareRecord, rejectionMessage, type JsonConverter, type PrepareOutcome } from '../pipeline/index.js';
import type { AppendOutcome, DurableQueue } from '../queue/types.js';
import { ACCEPTED, type AcceptOutcome, type AcceptRequest } from './otlp-receiver.js';

export type PreparedRecord = Extract<PrepareOutcome, { kind: 'ok' }>;

export interface IngestAcceptOptions {
  /** Names the queue in refusals ("the hub queue is full"). */
  ownerName: 'hub' | 'agent';
  /** The scan policy of a signal (validation rules, count limits, stamps). */
  policyFor(signal: Signal): ScanPolicy;
  /** JSON → protobuf, large bodies off the event loop. */
  json: JsonConverter;
  /** Objects plus arrays a JSON body may have (checked before it is parsed). */
  maxJsonContainers: number;
  queue: DurableQueue;
  /** Told once the record is durable (or nothing was left to store): counts per signal and account. */
  onAccepted?(accountId: string, signal: Signal, prepared: PreparedRecord): void;
}

/**
 * The owner's part of an OTLP request, once it is authenticated, admitted and decompressed, for
 * the hub and the agent alike: JSON → protobuf once → one pass that validates, trims and stamps
 * into a queue record → durable append (group-committed fsync) → items counted. Nothing is
 * acknowledged before it is on disk; rejected items are answered as partial success.
 */
export function createIngestAccept(options: IngestAcceptOptions): AcceptRequest {
  const { json, maxJsonContainers, queue } = options;
  return async (signal, body, format, accountId, release) => {
    let protobuf: Uint8Array = body;
    if (format === 'json') {
      const converted = await json.toProtobuf(signal, body, maxJsonContainers);
      if (!converted.ok) return { kind: 'invalid', message: converted.message };
      protobuf = converted.bytes;
    }
    const prepared = prepareRecord({
      signal,
      body: protobuf,
      format: 'protobuf',
      accountId,
      receivedAtMs: Date.now(),
      policy: options.policyFor(signal),
      maxJsonContainers,
    });
    // The record is made: the decompressed bytes go back to the in-flight budget before the append waits on the disk.
    release();
    if (prepared.kind === 'invalid') return prepared;
    if (prepared.record !== undefined) {
      const appended = await queue.append(prepared.record);
      // Nothing was stored: count nothing, tell the sender to retry the whole request.
      if (appended !== 'ok') return queueRefusal(options.ownerName, appended, queue);
    }
    options.onAccepted?.(accountId, signal, prepared);
    if (prepared.rejected === 0) return ACCEPTED;
    return { kind: 'ok', partial: { rejected: BigInt(prepared.rejected), errorMessage: rejectionMessage(signal, prepared.rejections) } };
  };
}

function queueRefusal(owner: string, appended: Exclude<AppendOutcome, 'ok'>, queue: DurableQueue): AcceptOutcome {
  return {
    kind: 'unavailable',
    message:
      appended === 'full'
        ? `the ${owner} queue is full; retry later`
        : appended === 'unavailable'
          ? `the ${owner} cannot write its queue right now (${queue.health().lastError ?? 'I/O error'}); retry later`
          : `the ${owner} is shutting down`,
    retryAfterSeconds: appended === 'closed' ? 10 : 5,
  };
}
