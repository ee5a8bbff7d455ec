import { ConfigError } from '../errors.js';
import type { ExportRequest, KeyValue, Resource } from '../otlp/model.js';

/**
 * Resolves `${ENV_NAME}` (and `${ENV_NAME:-default}`) references in configured attribute values,
 * once, when the config is loaded: the values then stay fixed for the agent's life, so an
 * environment change cannot re-label data mid-stream. `$${` stands for a literal `${`.
 * An unset variable without a default is a configuration error.
 */
export function resolveEnvRefs(
  attributes: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(attributes)) {
    out[key] = raw.replace(/\$(\$?)\{([^}]*)\}/g, (whole, escaped: string, ref: string) => {
      if (escaped === '$') return whole.slice(1);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(ref);
      if (m === null) throw new ConfigError(`resource.attributes.${key}: invalid reference \${${ref}}`);
      const name = m[1] ?? '';
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      if (m[2] !== undefined) return m[2];
      throw new ConfigError(`resource.attributes.${key}: environment variable ${name} is not set`);
    });
  }
  return out;
}

function enrichedResource(resource: Resource | undefined, extra: readonly KeyValue[]): Resource {
  const keys = new Set(extra.map((kv) => kv.key));
  const kept = (resource?.attributes ?? []).filter((kv) => !keys.has(kv.key));
  return { attributes: [...kept, ...extra.map((kv) => ({ key: kv.key, value: { ...kv.value } }))], droppedAttributesCount: resource?.droppedAttributesCount ?? 0 };
}

/**
 * Adds the agent's configured attributes (cloud.account.id, cloud.region, k8s.cluster.name…) to
 * every resource of a request and returns the enriched copy; the input is not modified.
 *
 * The configured values WIN over what the sender set: they describe where the agent runs, which
 * the operator knows better than an application (a service copied between clusters keeps
 * reporting its old `k8s.cluster.name`), and the hub groups and authorises data by them.
 */
export function enrichResource<R extends ExportRequest>(request: R, attributes: Readonly<Record<string, string>>): R {
  const extra: KeyValue[] = Object.entries(attributes).map(([key, value]) => ({ key, value: { stringValue: value } }));
  if (extra.length === 0) return request;
  if ('resourceMetrics' in request) {
    return { ...request, resourceMetrics: request.resourceMetrics.map((rm) => ({ ...rm, resource: enrichedResource(rm.resource, extra) })) };
  }
  if ('resourceLogs' in request) {
    return { ...request, resourceLogs: request.resourceLogs.map((rl) => ({ ...rl, resource: enrichedResource(rl.resource, extra) })) };
  }
  return { ...request, resourceSpans: request.resourceSpans.map((rs) => ({ ...rs, resource: enrichedResource(rs.resource, extra) })) };
}
