import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { countItems, decodeRpcStatus, encodeRequest } from '../otlp/index.js';
import type { RequestBySignal, Signal } from '../otlp/model.js';
import type { ExportItem, ExportOutcome, Exporter } from '../export/exporter.js';
import { createHttpSender, type SendOutcome } from '../export/http-sender.js';
import { mergeBySignal } from '../export/otlp-exporter.js';
import type { AgentItem } from './agent-record.js';

const gzip = promisify(gzipCallback);
const SIGNAL_ORDER: readonly Signal[] = ['traces', 'metrics', 'logs'];

/** Headers for one request, or why they cannot be made now (e.g. the API key is not fetched yet: retry). */
export type AuthorizeOutcome = { ok: true; headers: Record<string, string> } | { ok: false; message: string };

export interface OtlpPushExporterOptions {
  name: string;
  /** Base URL; `/v1/<signal>` is appended. */
  endpoint: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** What of an item this exporter sends; undefined: none of it (the opt-in filter for the hub). */
  select?: (item: AgentItem) => AgentItem | undefined;
  /** Adds credentials for the exact bytes that will be sent (SigV4 covers the gzipped body). */
  authorize?: (input: { url: string; headers: Record<string, string>; body: Uint8Array }) => Promise<AuthorizeOutcome>;
  /** Told about every non-retryable rejection with its HTTP status (e.g. to refetch a revoked API key). */
  onRejected?: (status: number, message: string) => void;
  /** Told how many items each export left out (select) and sent. */
  onItems?: (signal: Signal, counts: { sent: number; filtered: number }) => void;
}

/**
 * The agent's OTLP/HTTP exporter (used for both the local stack and the hub): merges a batch into
 * one protobuf request per signal, gzips it itself (so a signature can cover the exact bytes on the
 * wire) and sends it. No tenant header: the local stack is the account's own, and the hub sets
 * its tenant itself. Outcomes as the hub's exporters: retryable wins and re-sends the whole batch,
 * so delivery is at-least-once.
 */
export function createOtlpPushExporter(options: OtlpPushExporterOptions): Exporter {
  const base = options.endpoint.replace(/\/+$/, '');
  try {
    new URL(base);
  } catch {
    throw new TypeError(`${options.name} exporter: invalid endpoint ${options.endpoint}`);
  }
  const sender = createHttpSender({ timeoutMs: options.timeoutMs, maxConnections: 2 });
  const fixedHeaders: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.headers)) fixedHeaders[k.toLowerCase()] = v;
  fixedHeaders['content-type'] = 'application/x-protobuf';
  fixedHeaders['content-encoding'] = 'gzip';

  async function sendSignal(signal: Signal, request: RequestBySignal[Signal]): Promise<SendOutcome> {
    const url = `${base}/v1/${signal}`;
    const body = await gzip(encodeRequest(signal, request as never, 'protobuf'));
    let headers = fixedHeaders;
    if (options.authorize !== undefined) {
      const auth = await options.authorize({ url, headers: { ...fixedHeaders }, body });
      if (!auth.ok) return { kind: 'retryable', message: auth.message };
      headers = auth.headers;
    }
    // Compressed here, so the sender must not compress again; content-encoding is already set.
    return sender.send({ url, headers, body, gzip: false });
  }

  return {
    name: options.name,
    async export(exportItems: ExportItem[]): Promise<ExportOutcome> {
      const selected: AgentItem[] = [];
      const filtered: Record<Signal, number> = { traces: 0, metrics: 0, logs: 0 };
      for (const e of exportItems) {
        const item = { signal: e.signal, request: e.request } as AgentItem;
        const kept = options.select === undefined ? item : options.select(item);
        const before = countItems(item.signal, item.request);
        const after = kept === undefined ? 0 : countItems(kept.signal, kept.request);
        filtered[item.signal] += before - after;
        if (kept !== undefined && after > 0) selected.push(kept);
      }
      const merged = mergeBySignal(selected);
      const outcomes: Array<{ signal: Signal; outcome: SendOutcome }> = [];
      for (const signal of SIGNAL_ORDER) {
        const request = merged[signal];
        if (request === undefined) continue;
        outcomes.push({ signal, outcome: await sendSignal(signal, request) });
      }
      const result = combine(outcomes);
      if (result.kind !== 'retryable') {
        for (const signal of SIGNAL_ORDER) {
          const request = merged[signal];
          const sentOk = outcomes.some((o) => o.signal === signal && o.outcome.kind === 'success');
          const sent = request === undefined || !sentOk ? 0 : countItems(signal, request);
          if (sent > 0 || filtered[signal] > 0) options.onItems?.(signal, { sent, filtered: filtered[signal] });
        }
      }
      for (const { outcome } of outcomes) {
        if (outcome.kind === 'failure') options.onRejected?.(outcome.status, describe(outcome));
      }
      return result;
    },
    close(): Promise<void> {
      sender.close();
      return Promise.resolve();
    },
  };
}

/** Retryable wins (the batch is re-sent), then failure, else success (also for an empty batch). */
function combine(outcomes: ReadonlyArray<{ signal: Signal; outcome: SendOutcome }>): ExportOutcome {
  let retryAfterMs: number | undefined;
  const retryable: string[] = [];
  const failed: string[] = [];
  for (const { signal, outcome } of outcomes) {
    if (outcome.kind === 'retryable') {
      retryable.push(`${signal}: ${outcome.message}`);
      if (outcome.retryAfterMs !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, outcome.retryAfterMs);
    } else if (outcome.kind === 'failure') {
      failed.push(`${signal}: ${describe(outcome)}`);
    }
  }
  if (retryable.length > 0) {
    const message = retryable.join('; ');
    return retryAfterMs === undefined ? { kind: 'retryable', message } : { kind: 'retryable', retryAfterMs, message };
  }
  if (failed.length > 0) return { kind: 'failure', message: failed.join('; ') };
  return { kind: 'success' };
}

/** The status line plus the server's google.rpc.Status message (protobuf or JSON), when there is one. */
function describe(outcome: Extract<SendOutcome, { kind: 'failure' }>): string {
  if (outcome.body.byteLength === 0) return outcome.message;
  const format = outcome.contentType?.includes('protobuf') === true ? 'protobuf' : outcome.contentType?.includes('json') === true ? 'json' : undefined;
  // A textual body is already quoted in the sender's message.
  if (format !== 'protobuf') return outcome.message;
  try {
    const status = decodeRpcStatus(outcome.body, format);
    return status.message === '' ? outcome.message : `${outcome.message}: ${status.message}`;
  } catch {
    return outcome.message;
  }
}
