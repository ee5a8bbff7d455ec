import http from 'node:http';
import https from 'node:https';

export interface UpstreamConfig {
  /** Origin of the upstream, e.g. `https://hub.eu-central-1.example:4318`. Its path is ignored: the request path is forwarded as signed. */
  url: string;
  /** Share of traffic relative to the group's other upstreams. Default 1. */
  weight?: number;
}

export interface HealthCheckOptions {
  /** Path GET by the active check; a 2xx answer marks the upstream healthy. */
  path: string;
  intervalMs: number;
  timeoutMs: number;
}

/** One upstream origin with its own keep-alive pool and health state. */
export class Upstream {
  readonly url: URL;
  readonly origin: string;
  readonly weight: number;
  readonly agent: http.Agent;
  readonly isHttps: boolean;
  #healthy = true;
  /** Smooth weighted round-robin state (nginx' algorithm): even spread without bursts. */
  currentWeight = 0;

  constructor(config: UpstreamConfig, maxSockets: number) {
    let url: URL;
    try {
      url = new URL(config.url);
    } catch {
      throw new TypeError(`relay: invalid upstream URL ${JSON.stringify(config.url)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`relay: upstream ${config.url} must be http or https`);
    const weight = config.weight ?? 1;
    if (!Number.isInteger(weight) || weight < 1) throw new TypeError(`relay: upstream ${config.url} weight must be a positive integer`);
    this.url = url;
    this.origin = url.origin;
    this.weight = weight;
    this.isHttps = url.protocol === 'https:';
    this.agent = this.isHttps ? new https.Agent({ keepAlive: true, maxSockets }) : new http.Agent({ keepAlive: true, maxSockets });
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  markHealthy(): boolean {
    const changed = !this.#healthy;
    this.#healthy = true;
    return changed;
  }

  /** Passive marking after a failed exchange; the active check brings it back. */
  markFailed(): boolean {
    const changed = this.#healthy;
    this.#healthy = false;
    // Sockets to a dead or restarted upstream are useless; new ones are opened on recovery.
    if (changed) this.agent.destroy();
    return changed;
  }

  destroy(): void {
    this.agent.destroy();
  }
}

/** Picks the next healthy upstream by smooth weighted round robin, skipping `exclude`. */
export function pickUpstream(group: readonly Upstream[], exclude: ReadonlySet<Upstream>): Upstream | undefined {
  let best: Upstream | undefined;
  let total = 0;
  for (const u of group) {
    if (!u.healthy || exclude.has(u)) continue;
    u.currentWeight += u.weight;
    total += u.weight;
    if (best === undefined || u.currentWeight > best.currentWeight) best = u;
  }
  if (best !== undefined) best.currentWeight -= total;
  return best;
}

/** One active health check: GET `<origin><path>`, healthy on 2xx within the deadline. */
export function checkUpstream(u: Upstream, options: HealthCheckOptions): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(ok);
    };
    const target = new URL(options.path, u.origin);
    // A dedicated connection: the check must prove a new connection works, not reuse a pooled one.
    const req = (u.isHttps ? https : http).request(target, { method: 'GET', agent: false, headers: { 'user-agent': 'e2e-o11y-relay-healthcheck' } });
    const timer = setTimeout(() => {
      req.destroy(new Error('health check timed out'));
      finish(false);
    }, options.timeoutMs);
    req.on('error', () => finish(false));
    req.on('response', (res) => {
      res.resume();
      const s = res.statusCode ?? 0;
      finish(s >= 200 && s < 300);
    });
    req.end();
  });
}
