import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The relay's own Prometheus metrics, in a registry of its own (several relays may share a process in tests). */
export interface RelayMetrics {
  registry: Registry;
  requests: Counter<'route' | 'code'>;
  upstreamRequests: Counter<'upstream' | 'outcome'>;
  upstreamHealthy: Gauge<'upstream'>;
  retries: Counter;
  requestBytes: Counter<'route'>;
  duration: Histogram<'route'>;
}

export function createRelayMetrics(): RelayMetrics {
  const registry = new Registry();
  return {
    registry,
    requests: new Counter({
      name: 'e2e_relay_requests_total',
      help: 'Requests answered by the relay, by route and HTTP status.',
      labelNames: ['route', 'code'],
      registers: [registry],
    }),
    upstreamRequests: new Counter({
      name: 'e2e_relay_upstream_requests_total',
      help: 'Exchanges with upstreams by outcome (response, connect_error, timeout).',
      labelNames: ['upstream', 'outcome'],
      registers: [registry],
    }),
    upstreamHealthy: new Gauge({
      name: 'e2e_relay_upstream_healthy',
      help: '1 when the upstream is considered healthy, else 0.',
      labelNames: ['upstream'],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'e2e_relay_retries_total',
      help: 'Requests retried on another upstream after a connection failure.',
      registers: [registry],
    }),
    requestBytes: new Counter({
      name: 'e2e_relay_request_bytes_total',
      help: 'Request body bytes forwarded, by route.',
      labelNames: ['route'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'e2e_relay_request_duration_seconds',
      help: 'Time from request received to response headers sent, by route.',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
