/** The upstream groups a request can be routed to; `default` serves what no signal route claims. */
export type RouteName = 'metrics' | 'logs' | 'traces' | 'default';

export interface RoutingOptions {
  /** Route by the first label of the Host header: `metrics.`, `logs.`, `traces.`. Default true. */
  byHost?: boolean;
  /** Route by the OTLP path `/v1/metrics`, `/v1/logs`, `/v1/traces`. Default true. */
  byPath?: boolean;
}

const SIGNALS: ReadonlySet<string> = new Set(['metrics', 'logs', 'traces']);

/**
 * The route for a request: the Host prefix wins when host routing is on and the prefix names a
 * signal (so `metrics.relay.example/v1/self/api-key` reaches the metrics group), then the path,
 * then `default`.
 */
export function routeFor(host: string | undefined, path: string, options: RoutingOptions): RouteName {
  if (options.byHost !== false && host !== undefined) {
    const dot = host.indexOf('.');
    const first = (dot === -1 ? '' : host.slice(0, dot)).toLowerCase();
    if (SIGNALS.has(first)) return first as RouteName;
  }
  if (options.byPath !== false) {
    const q = path.indexOf('?');
    const p = q === -1 ? path : path.slice(0, q);
    const m = /^\/v1\/(metrics|logs|traces)\/?$/.exec(p);
    if (m !== null) return m[1] as RouteName;
  }
  return 'default';
}
