import type { OtlpFormat, Signal } from '../otlp/model.js';
import { prepareRecord, rejectionMessage, type HubPolicies, type JsonConverter, type PrepareOutcome } from '../pipeline/index.js';
import type { AppendOutcome, DurableQueue } from '../queue/types.js';
import type { IngestStatsObserver } from '../stats/index.js';
import type { IngestMetrics } from './ingest-metrics.js';
import { ACCEPTED, type AcceptOutcome, type AcceptRequest } from './otlp-receiver.js';

export interface IngestAcceptOptions {
  /** The scan policy of each signal (validation rules, count limits, account stamp). */
  policies: HubPolicies;
  /** JSON → protobuf, large bodies off the event loop. */
  json: JsonConverter;
  /** Objects plus arrays a JSON body may have (checked before it is parsed). */
  maxJsonContainers: number;
  queue: DurableQueue;
  stats: IngestStatsObserver;
  metrics: Pick<IngestMetrics, 'items' | 'rejectedByRule'>;
  now?: () => number;
}

/**
 * The hub's part of an OTLP request, once it is authenticated, admitted and decompressed: JSON →
 * protobuf → one pass that validates and stamps the account into a queue record → durable append
 * (group-committed fsync) → items counted per account. Nothing is acknowledged before it is on disk.
 */
export function createIngestAccept(options: IngestAcceptOptions): AcceptRequest {
  const { policies, json, maxJsonContainers, queue } = options;
  const now = options.now ?? Date.now;
  return async (signal, body, format, accountId, release) => {
    let protobuf: Uint8Array = body;
    let bodyFormat: OtlpFormat = format;
    if (format === 'json') {
      const converted = await json.toProtobuf(signal, body, maxJsonContainers);
      if (!converted.ok) return { kind: 'invalid', message: converted.message };
      protobuf = converted.bytes;
      bodyFormat = 'protobuf';
    }
    const prepared = prepareRecord({
      signal,
      body: protobuf,
      format: bodyFormat,
      accountId,
      receivedAtMs: now(),
      policy: policies.forSignal(signal),
      maxJsonContainers,
    });
    // The record is made: the decompressed bytes go back to the in-flight budget before the append waits on the disk.
    release();
    if (prepared.kind === 'invalid') return prepared;
    if (prepared.record !== undefined) {
      const appended = await queue.append(prepared.record);
      // Nothing was stored: count nothing, tell the sender to retry the whole request.
      if (appended !== 'ok') return queueRefusal(appended, queue);
    }
    countItems(options, accountId, signal, prepared);
    if (prepared.rejected === 0) return ACCEPTED;
    return { kind: 'ok', partial: { rejected: BigInt(prepared.rejected), errorMessage: rejectionMessage(signal, prepared.rejections) } };
  };
}

function queueRefusal(appended: Exclude<AppendOutcome, 'ok'>, queue: DurableQueue): AcceptOutcome {
  return {
    kind: 'unavailable',
    message:
      appended === 'full'
        ? 'the hub queue is full; retry later'
        : appended === 'unavailable'
          ? `the hub cannot write its queue right now (${queue.health().lastError ?? 'I/O error'}); retry later`
          : 'the hub is shutting down',
    retryAfterSeconds: appended === 'closed' ? 10 : 5,
  };
}

/** Accepted and rejected items per signal (metrics) and per account (stats). */
function countItems({ metrics, stats }: IngestAcceptOptions, accountId: string, signal: Signal, prepared: Extract<PrepareOutcome, { kind: 'ok' }>): void {
  metrics.items.inc({ signal, outcome: 'accepted' }, prepared.accepted);
  if (prepared.rejected > 0) {
    metrics.items.inc({ signal, outcome: 'rejected' }, prepared.rejected);
    for (const r of prepared.rejections) {
      metrics.rejectedByRule.inc({ signal, rule: r.name }, r.count);
      stats.recordRejectedByRule(accountId, signal, r.name, r.count);
    }
  }
  stats.recordItems(accountId, signal, prepared.accepted, prepared.rejected);
}
