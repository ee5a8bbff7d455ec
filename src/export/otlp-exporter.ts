import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { decodeExportResponse, decodeRpcStatus } from '../otlp/index.js';
import type { Signal } from '../otlp/model.js';
import { retryableOutcome, type ExportItem, type ExportOutcome, type Exporter } from './exporter.js';
import { createHttpSender, lowerCaseKeys, type SendOutcome } from './http-sender.js';

const gzip = promisify(gzipCallback);
const SIGNAL_ORDER: readonly Signal[] = ['traces', 'metrics', 'logs'];

/** Headers for one request, or why they cannot be made now (e.g. the API key is not fetched yet: retry). */
export type AuthorizeOutcome = { ok: true; headers: Record<string, string> } | { ok: false; message: string };

/** What a filter kept of one payload: the bytes to send (undefined: nothing) and item counts. */
export interface FilteredPayload {
  bytes: Uint8Array | undefined;
  sent: number;
  filtered: number;
}

export interface OtlpExporterOptions {
  name: string;
  /** Base URL; `/v1/<signal>` is appended (e.g. http://otel-collector:4318). */
  endpoint: string;
  /** Full per-signal URLs overriding `endpoint`, e.g. Mimir `/otlp/v1/metrics`, Loki `/otlp/v1/logs`. */
  endpoints?: Partial<Record<Signal, string>>;
  /** Signals this exporter forwards (default all); items of other signals are skipped. */
  signals?: readonly Signal[];
  headers?: Record<string, string>;
  /** Sent as X-Scope-OrgID (Mimir/Loki/Tempo tenant) when set. */
  tenant?: string;
  timeoutMs: number;
  maxConnections?: number;
  /** Edits each payload before sending (the agent's opt-in filter); default: everything as queued. */
  filter?: (signal: Signal, payload: Uint8Array) => FilteredPayload;
  /** Adds credentials for the exact bytes that will be sent (SigV4 covers the gzipped body). */
  authorize?: (input: { url: string; headers: Record<string, string>; body: Uint8Array }) => Promise<AuthorizeOutcome>;
  /** Told about every non-retryable rejection with its HTTP status (e.g. to refetch a revoked API key). */
  onRejected?: (status: number, message: string) => void;
  /** Told how many items each successful export sent and left out (filter). */
  onItems?: (signal: Signal, counts: { sent: number; filtered: number }) => void;
  /** Told when a 200 carried a partial_success: the backend accepted the request but dropped items. */
  onPartialSuccess?: (signal: Signal, rejected: number, message: string) => void;
}

/**
 * The one OTLP/HTTP protobuf exporter, used by the hub (to a Collector, Mimir, Loki, Tempo…) and by
 * the agent (to the account's own stack and, signed, to the hub). It forwards queued payloads as
 * they are: the payloads of one signal in a batch are concatenated (concatenating
 * Export*ServiceRequest messages is itself a valid request: field 1 is repeated), gzipped once and
 * sent; nothing is decoded unless a filter asks for it. When one signal's request is retryable the
 * whole batch is retried, so a signal that went through may be sent twice: at-least-once delivery.
 */
export function createOtlpExporter(options: OtlpExporterOptions): Exporter {
  if (options.name === '') throw new TypeError('otlp exporter: name is required');
  const signals = options.signals ?? SIGNAL_ORDER;
  if (signals.length === 0) throw new TypeError(`otlp exporter ${options.name}: signals is empty`);
  const urls = new Map<Signal, string>();
  for (const signal of SIGNAL_ORDER) {
    if (!signals.includes(signal)) continue;
    const url = options.endpoints?.[signal] ?? joinUrl(options.endpoint, `v1/${signal}`);
    try {
      new URL(url);
    } catch {
      throw new TypeError(`otlp exporter ${options.name}: invalid endpoint ${url}`);
    }
    urls.set(signal, url);
  }
  const sender = createHttpSender({ timeoutMs: options.timeoutMs, ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }) });
  const fixedHeaders: Record<string, string> = { ...lowerCaseKeys(options.headers ?? {}), 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' };
  if (options.tenant !== undefined) fixedHeaders['x-scope-orgid'] = options.tenant;

  async function sendSignal(url: string, payloads: Uint8Array[]): Promise<SendOutcome> {
    // Compressed here, not by the sender, so a signature can cover the exact bytes on the wire.
    const body = await gzip(payloads.length === 1 ? (payloads[0] as Uint8Array) : Buffer.concat(payloads));
    let headers = fixedHeaders;
    if (options.authorize !== undefined) {
      const auth = await options.authorize({ url, headers: { ...fixedHeaders }, body });
      if (!auth.ok) return { kind: 'retryable', message: auth.message };
      headers = auth.headers;
    }
    return sender.send({ url, headers, body, gzip: false });
  }

  return {
    name: options.name,
    async export(items: ExportItem[]): Promise<ExportOutcome> {
      const bySignal = new Map<Signal, { payloads: Uint8Array[]; sent: number; filtered: number }>();
      for (const item of items) {
        if (!urls.has(item.signal)) continue;
        let entry = bySignal.get(item.signal);
        if (entry === undefined) bySignal.set(item.signal, (entry = { payloads: [], sent: 0, filtered: 0 }));
        if (options.filter === undefined) {
          entry.payloads.push(item.payload);
          entry.sent += Math.max(0, item.items);
          continue;
        }
        const kept = options.filter(item.signal, item.payload);
        entry.filtered += kept.filtered;
        if (kept.bytes !== undefined && kept.sent > 0) {
          entry.payloads.push(kept.bytes);
          entry.sent += kept.sent;
        }
      }
      const outcomes: { signal: Signal; outcome: SendOutcome }[] = [];
      for (const [signal, entry] of bySignal) {
        if (entry.payloads.length === 0) continue;
        outcomes.push({ signal, outcome: await sendSignal(urls.get(signal) as string, entry.payloads) });
      }
      const result = combine(outcomes);
      if (result.kind !== 'retryable') {
        for (const [signal, entry] of bySignal) {
          const sentOk = outcomes.some((o) => o.signal === signal && o.outcome.kind === 'success');
          const sent = sentOk ? entry.sent : 0;
          if (sent > 0 || entry.filtered > 0) options.onItems?.(signal, { sent, filtered: entry.filtered });
        }
        for (const { signal, outcome } of outcomes) {
          if (outcome.kind === 'success') reportPartialSuccess(signal, outcome);
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

  function reportPartialSuccess(signal: Signal, outcome: Extract<SendOutcome, { kind: 'success' }>): void {
    if (options.onPartialSuccess === undefined || outcome.body.byteLength === 0) return;
    try {
      const partial = decodeExportResponse(signal, outcome.body, 'protobuf');
      if (partial !== undefined && (partial.rejected > 0n || partial.errorMessage !== '')) {
        options.onPartialSuccess(signal, Number(partial.rejected), partial.errorMessage);
      }
    } catch {
      // Not an Export*ServiceResponse (some backends answer 200 with other bodies): nothing to report.
    }
  }
}

/** Retryable wins (the batch is re-sent), then failure, else success (also for an empty batch). */
function combine(outcomes: readonly { signal: Signal; outcome: SendOutcome }[]): ExportOutcome {
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
  if (retryable.length > 0) return retryableOutcome(retryable.join('; '), retryAfterMs);
  if (failed.length > 0) return { kind: 'failure', message: failed.join('; ') };
  return { kind: 'success' };
}

/** The status line plus the server's google.rpc.Status message, when it sent a protobuf one. */
function describe(outcome: Extract<SendOutcome, { kind: 'failure' }>): string {
  if (outcome.contentType?.includes('protobuf') !== true || outcome.body.byteLength === 0) return outcome.message;
  try {
    const status = decodeRpcStatus(outcome.body, 'protobuf');
    return status.message === '' ? outcome.message : `${outcome.message}: ${status.message}`;
  } catch {
    return outcome.message; // not a Status after all: the status line is all we can say
  }
}

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path}`;
}
