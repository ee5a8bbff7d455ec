import type { Signal } from '../otlp/model.js';
import { compileOptIn, compileScanPolicy, editRequest, type OptInInclude, type OtlpLimits, type ScanPolicy } from '../otlp/scan/index.js';
import type { FilteredPayload } from '../export/index.js';

/** The agent's scan policies: what the receiver stamps, and what the hub exporter lets through. */
export interface AgentPolicies {
  /** Receive: the configured resource attributes set (they win), `source.name` added where missing. */
  receive(signal: Signal): ScanPolicy;
  /** The opt-in filter for the hub, over queued payload bytes. */
  optIn(signal: Signal, payload: Uint8Array): FilteredPayload;
}

export function createAgentPolicies(options: {
  limits: OtlpLimits;
  resourceAttributes: Readonly<Record<string, string>>;
  /** `resource.sourceName`: set as `source.name` on resources and metric data points that lack one. */
  sourceName: string | null;
  include: OptInInclude;
}): AgentPolicies {
  const defaults: Record<string, string> = options.sourceName === null ? {} : { 'source.name': options.sourceName };
  const receive = (signal: Signal): ScanPolicy =>
    compileScanPolicy({ signal, limits: options.limits, setResourceAttributes: options.resourceAttributes, defaultResourceAttributes: defaults, defaultPointAttributes: defaults });
  const optIn = compileOptIn(options.include);
  const filter = (signal: Signal): ScanPolicy => compileScanPolicy({ signal, limits: { ...options.limits, maxItemsPerRequest: Number.MAX_SAFE_INTEGER }, optIn });
  const receivePolicies = { traces: receive('traces'), metrics: receive('metrics'), logs: receive('logs') };
  const filterPolicies = { traces: filter('traces'), metrics: filter('metrics'), logs: filter('logs') };
  return {
    receive: (signal) => receivePolicies[signal],
    optIn(signal, payload) {
      const edit = editRequest(filterPolicies[signal], payload);
      // Queued payloads were checked when received; one that no longer scans is not sent.
      if (edit.kind !== 'ok') return { bytes: undefined, sent: 0, filtered: 0 };
      return { bytes: edit.accepted > 0 ? edit.bytes.subarray(edit.offset) : undefined, sent: edit.accepted, filtered: edit.filtered + edit.rejected };
    },
  };
}
