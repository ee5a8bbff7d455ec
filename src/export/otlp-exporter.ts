import { decodeRpcStatus, encodeRequest } from '../otlp/index.js';
import type { RequestBySignal, Signal } from '../otlp/model.js';
import type { ExportItem, ExportOutcome, Exporter } from './exporter.js';
import { createHttpSender, type SendOutcome } from './http-sender.js';

export interface OtlpExporterOptions {
  name: string;
  /** Base URL; `/v1/<signal>` is appended (e.g. http://otel-collector:4318). */
  endpoint: string;
  /** Full per-signal URLs overriding `endpoint`, e.g. Mimir `/otlp/v1/metrics`, Loki `/otlp/v1/logs`. */
  endpoints?: Partial<Record<Signal, string>>;
  /** Signals this exporter forwards; items of other signals are ignored. */
  signals: readonly Signal[];
  headers?: Record<string, string>;
  /** Sent as X-Scope-OrgID (Mimir/Loki/Tempo tenant). */
  tenant: string;
  timeoutMs: number;
  maxConnections?: number;
}

/**
 * OTLP/HTTP protobuf exporter (to an OpenTelemetry Collector, Mimir, Loki, Tempo …). A batch becomes
 * one gzip-compressed request per signal, all accounts' resources concatenated (each resource keeps
 * its `e2e.account.id`). When one signal's request is retryable the whole batch is retried, so a
 * signal that went through may be sent twice: delivery is at-least-once.
 */
export function createOtlpExporter(options: OtlpExporterOptions): Exporter {
  if (options.name === '') throw new TypeError('otlp exporter: name is required');
  if (options.signals.length === 0) throw new TypeError(`otlp exporter ${options.name}: signals is empty`);
  const urls = new Map<Signal, string>();
  for (const signal of options.signals) {
    const url = options.endpoints?.[signal] ?? joinUrl(options.endpoint, `v1/${signal}`);
    try {
      new URL(url);
    } catch {
      throw new TypeError(`otlp exporter ${options.name}: invalid endpoint ${url}`);
    }
    urls.set(signal, url);
  }
  const sender = createHttpSender({
    timeoutMs: options.timeoutMs,
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
  });
  const headers: Record<string, string> = {
    ...lowerCaseKeys(options.headers ?? {}),
    'content-type': 'application/x-protobuf',
    'x-scope-orgid': options.tenant,
  };

  async function sendSignal<S extends Signal>(signal: S, request: RequestBySignal[S], url: string): Promise<SendOutcome> {
    const body = encodeRequest(signal, request, 'protobuf');
    return sender.send({ url, headers, body, gzip: true });
  }

  return {
    name: options.name,
    async export(items: ExportItem[]): Promise<ExportOutcome> {
      const merged = mergeBySignal(items);
      const outcomes: Array<{ signal: Signal; outcome: SendOutcome }> = [];
      for (const [signal, url] of urls) {
        const request = merged[signal];
        if (request === undefined) continue;
        outcomes.push({ signal, outcome: await sendSignal(signal, request, url) });
      }
      return combine(outcomes);
    },
    close(): Promise<void> {
      sender.close();
      return Promise.resolve();
    },
  };
}

type MergedRequests = { [S in Signal]?: RequestBySignal[S] };
/** Any item that carries one signal's request (hub queue items, agent queue items). */
export type SignalRequest = { [S in Signal]: { signal: S; request: RequestBySignal[S] } }[Signal];

/** Concatenates the resource-level lists of each signal's requests (a request per signal, not per item). */
export function mergeBySignal(items: readonly SignalRequest[]): MergedRequests {
  const out: MergedRequests = {};
  for (const item of items) {
    switch (item.signal) {
      case 'traces':
        (out.traces ??= { resourceSpans: [] }).resourceSpans.push(...item.request.resourceSpans);
        break;
      case 'metrics':
        (out.metrics ??= { resourceMetrics: [] }).resourceMetrics.push(...item.request.resourceMetrics);
        break;
      case 'logs':
        (out.logs ??= { resourceLogs: [] }).resourceLogs.push(...item.request.resourceLogs);
        break;
    }
  }
  return out;
}

/** Retryable wins (the batch is re-sent), then failure, else success. */
function combine(outcomes: ReadonlyArray<{ signal: Signal; outcome: SendOutcome }>): ExportOutcome {
  const retryable = outcomes.filter((o) => o.outcome.kind === 'retryable');
  if (retryable.length > 0) {
    let retryAfterMs: number | undefined;
    for (const { outcome } of retryable) {
      if (outcome.kind === 'retryable' && outcome.retryAfterMs !== undefined) {
        retryAfterMs = Math.max(retryAfterMs ?? 0, outcome.retryAfterMs);
      }
    }
    const message = retryable.map(({ signal, outcome }) => `${signal}: ${describe(outcome)}`).join('; ');
    return retryAfterMs === undefined ? { kind: 'retryable', message } : { kind: 'retryable', retryAfterMs, message };
  }
  const failed = outcomes.filter((o) => o.outcome.kind === 'failure');
  if (failed.length > 0) {
    return { kind: 'failure', message: failed.map(({ signal, outcome }) => `${signal}: ${describe(outcome)}`).join('; ') };
  }
  return { kind: 'success' };
}

function describe(outcome: SendOutcome): string {
  if (outcome.kind !== 'failure') return outcome.kind === 'retryable' ? outcome.message : 'ok';
  // OTLP error bodies are google.rpc.Status; quote its message when the sender could not show text.
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

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}
