/**
 * Raw-socket clients for connection-level attack tests: pipelined requests abandoned mid-way,
 * slowloris connections, metric scraping. Everything on real loopback sockets.
 */
import net from 'node:net';
import http from 'node:http';

/** `count` copies of one raw request, concatenated (HTTP/1.1 pipelining). */
export function pipelined(request: string, count: number): Buffer {
  return Buffer.from(request.repeat(count), 'latin1');
}

/** The exact request of the reproduction: unsigned, JSON, `Content-Length: 2`, body `{}`. */
export function unsignedLogsRequest(host: string): string {
  return `POST /v1/logs HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`;
}

export type CloseHow = 'end' | 'destroy-on-first-byte' | 'destroy-at-once';

/**
 * Connects, writes `payload` in one go and closes the way `how` says; resolves when the socket is
 * closed, with the bytes the server managed to send back.
 */
export function writeAndAbandon(port: number, payload: Buffer, how: CloseHow, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => {
    let received = 0;
    const s = net.connect({ port, host }, () => {
      s.write(payload);
      if (how === 'end') s.end();
      if (how === 'destroy-at-once') s.destroy();
    });
    s.on('data', (d: Buffer) => {
      received += d.length;
      if (how === 'destroy-on-first-byte') s.destroy();
    });
    s.on('error', () => undefined);
    // A server that never answers must not hold the test: give up (and close) after a while.
    const timer = setTimeout(() => s.destroy(), 5000);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

export interface Slowloris {
  /** Sockets the server has not closed. */
  open(): number;
  /** Sockets the server closed (refused at once or timed out). */
  closedByServer(): number;
  stop(): void;
}

/**
 * Opens `count` connections that send a request line and then one header byte per second, never
 * finishing the headers (slowloris). Connections are opened in batches so the test process stays
 * responsive.
 */
export async function slowloris(port: number, count: number, options: { host?: string; localAddress?: string; batch?: number } = {}): Promise<Slowloris> {
  const sockets = new Set<net.Socket>();
  let closedByServer = 0;
  let stopped = false;
  const batch = options.batch ?? 200;
  for (let i = 0; i < count && !stopped; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, count - i) }, () =>
        new Promise<void>((resolve) => {
          const s = net.connect({ port, host: options.host ?? '127.0.0.1', ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) });
          s.on('connect', () => {
            sockets.add(s);
            s.write('POST /v1/logs HTTP/1.1\r\nHost: x\r\nX-Slow: ');
            resolve();
          });
          s.on('data', () => undefined);
          s.on('error', () => resolve());
          s.on('close', () => {
            if (sockets.delete(s) && !stopped) closedByServer++;
            resolve();
          });
        }),
      ),
    );
  }
  const timer = setInterval(() => {
    for (const s of sockets) if (!s.destroyed) s.write('a');
  }, 1000);
  return {
    open: () => sockets.size,
    closedByServer: () => closedByServer,
    stop() {
      stopped = true;
      clearInterval(timer);
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
  };
}

/** GET `url` from a given local address (another loopback address is another client); status and body. */
export function getFrom(url: string, options: { localAddress?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: options.headers ?? {}, ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** The value of one sample in Prometheus text (`name{labels}`), or undefined. */
export function sample(metricsText: string, nameWithLabels: string): number | undefined {
  for (const line of metricsText.split('\n')) {
    if (line.startsWith(`${nameWithLabels} `)) return Number(line.slice(nameWithLabels.length + 1));
  }
  return undefined;
}

/**
 * Sends raw bytes and resolves with everything the server answered until it closed (or `timeoutMs`).
 * The client does not half-close: Node's server would end its side at once, before a slow answer.
 */
export function rawExchange(port: number, payload: Buffer | string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const s = net.connect({ port, host: '127.0.0.1' }, () => s.write(payload));
    s.setEncoding('latin1');
    s.on('data', (d: string) => (out += d));
    s.on('error', () => undefined);
    const timer = setTimeout(() => s.destroy(), timeoutMs);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}
