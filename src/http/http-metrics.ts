import { Counter, Gauge, type Registry } from 'prom-client';

/** What a guarded server reports; read when /metrics is rendered (no work per connection). */
export interface HttpServerGauges {
  readonly name: string;
  openConnections(): number;
  requestsInFlight(): number;
}

/** Why a new connection was closed at once. */
export type RefusalReason = 'max_connections' | 'max_connections_per_client';

/**
 * Connection-level metrics shared by every server of a process (hub: `otlp` and `console`; agent:
 * `agent_otlp` and `agent_health`; relay: `relay`), labelled by server.
 */
export interface HttpMetrics {
  /** Counts one refused connection. */
  refused(server: string, reason: RefusalReason): void;
  /** Registers a server whose open connections and requests in flight are exported as gauges. */
  track(server: HttpServerGauges): void;
}

export function createHttpMetrics(registry: Registry): HttpMetrics {
  const tracked: HttpServerGauges[] = [];
  const refusedTotal = new Counter({
    name: 'e2e_http_connections_refused_total',
    help: 'New connections closed at once because a connection limit was reached, by server and reason (max_connections|max_connections_per_client)',
    labelNames: ['server', 'reason'],
    registers: [registry],
  });
  new Gauge({
    name: 'e2e_http_open_connections',
    help: 'Open connections, by server',
    labelNames: ['server'],
    registers: [registry],
    collect() {
      for (const s of tracked) this.set({ server: s.name }, s.openConnections());
    },
  });
  new Gauge({
    name: 'e2e_http_requests_in_flight',
    help: 'Requests holding a request slot, by server',
    labelNames: ['server'],
    registers: [registry],
    collect() {
      for (const s of tracked) this.set({ server: s.name }, s.requestsInFlight());
    },
  });
  return {
    refused: (server, reason) => refusedTotal.inc({ server, reason }),
    track: (server) => {
      tracked.push(server);
    },
  };
}
