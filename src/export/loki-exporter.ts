import { anyValueToPlain, attributesToPlain, idToHex } from '../otlp/attributes.js';
import type { AnyValue, KeyValue } from '../otlp/model.js';
import { decodeItems } from './decode-items.js';
import { retryableOutcome, type Exporter, type ExportItem, type ExportOutcome } from './exporter.js';
import { createHttpSender } from './http-sender.js';

/** Loki indexes at most 15 labels per stream by default (`max_label_names_per_series`). */
export const MAX_LOKI_INDEX_LABELS = 15;

export interface LokiExporterOptions {
  name: string;
  /** Push URL, e.g. http://loki:3100/loki/api/v1/push */
  endpoint: string;
  /** Resource attributes promoted to index labels (sanitised names); at most 15. */
  indexLabels: readonly string[];
  tenant: string;
  headers?: Record<string, string>;
  timeoutMs: number;
}

/** Loki label names: [a-zA-Z_][a-zA-Z0-9_]*. */
export function lokiLabelName(key: string): string {
  const s = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

function text(v: AnyValue | undefined): string {
  if (v?.stringValue !== undefined) return v.stringValue;
  const plain = anyValueToPlain(v);
  return typeof plain === 'string' ? plain : JSON.stringify(plain);
}

function metadataOf(attrs: readonly KeyValue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attributesToPlain(attrs))) out[lokiLabelName(k)] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

/**
 * Logs to Loki's push API with a bounded label set: the configured resource attributes (at most 15,
 * Loki's limit) become stream labels; every other resource and record attribute, the severity and
 * the trace context travel as structured metadata, so nothing is lost and the index stays small.
 */
export function createLokiExporter(options: LokiExporterOptions): Exporter {
  if (options.indexLabels.length > MAX_LOKI_INDEX_LABELS) {
    throw new TypeError(`loki exporter ${options.name}: at most ${MAX_LOKI_INDEX_LABELS} index labels, got ${options.indexLabels.length}`);
  }
  const promoted = new Set(options.indexLabels);
  const sender = createHttpSender({ timeoutMs: options.timeoutMs });
  const headers = { ...options.headers, 'content-type': 'application/json', 'x-scope-orgid': options.tenant };

  return {
    name: options.name,
    async export(items: ExportItem[]): Promise<ExportOutcome> {
      const streams = new Map<string, { stream: Record<string, string>; values: [string, string, Record<string, string>][] }>();
      for (const item of decodeItems(items, 'logs').decoded) {
        for (const rl of item.request.resourceLogs) {
          const resAttrs = rl.resource?.attributes ?? [];
          const labels: Record<string, string> = {};
          const rest: KeyValue[] = [];
          for (const kv of resAttrs) {
            if (promoted.has(kv.key) && kv.value !== undefined) labels[lokiLabelName(kv.key)] = text(kv.value);
            else rest.push(kv);
          }
          const key = JSON.stringify(Object.entries(labels).sort());
          let stream = streams.get(key);
          if (stream === undefined) streams.set(key, (stream = { stream: labels, values: [] }));
          const resourceMeta = metadataOf(rest);
          for (const sl of rl.scopeLogs) {
            for (const r of sl.logRecords) {
              const ts = r.timeUnixNano !== 0n ? r.timeUnixNano : r.observedTimeUnixNano;
              const meta: Record<string, string> = { ...resourceMeta, ...metadataOf(r.attributes) };
              if (r.severityText !== '') meta['severity_text'] = r.severityText;
              if (r.severityNumber !== 0) meta['severity_number'] = String(r.severityNumber);
              if (r.traceId.length > 0) meta['trace_id'] = idToHex(r.traceId);
              if (r.spanId.length > 0) meta['span_id'] = idToHex(r.spanId);
              stream.values.push([ts.toString(), text(r.body), meta]);
            }
          }
        }
      }
      if (streams.size === 0) return { kind: 'success' };
      const body = Buffer.from(JSON.stringify({ streams: [...streams.values()] }));
      const outcome = await sender.send({ url: options.endpoint, headers, body, gzip: true });
      if (outcome.kind === 'success') return { kind: 'success' };
      if (outcome.kind === 'retryable') return retryableOutcome(outcome.message, outcome.retryAfterMs);
      return { kind: 'failure', message: outcome.message };
    },
    close() {
      sender.close();
      return Promise.resolve();
    },
  };
}
