import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PROMETHEUS_BIN = '/usr/bin/prometheus';

/** A port the OS just handed out on loopback (listen on 0, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A real Prometheus with the remote-write receiver, in its own temp dir, on a free loopback port.
 * `stop()` + `start()` restart it on the same port and TSDB (for outage tests); `dispose()` kills it
 * and removes the dir. A process 'exit' hook kills it too if a test dies before dispose().
 */
export class PrometheusProcess {
  readonly dir: string;
  readonly port: number;
  readonly url: string;
  #child: ChildProcess | undefined;
  #log: string[] = [];
  readonly #killOnExit = (): void => {
    this.#child?.kill('SIGKILL');
  };

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
  }

  static async create(): Promise<PrometheusProcess> {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-prom-'));
    await writeFile(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n');
    const p = new PrometheusProcess(dir, await freePort());
    process.once('exit', p.#killOnExit);
    await p.start();
    return p;
  }

  async start(): Promise<void> {
    const child = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${join(this.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--web.enable-remote-write-receiver',
        '--storage.tsdb.retention.time=1d',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.#child = child;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.#log.push(chunk);
      if (this.#log.length > 200) this.#log.shift();
    });
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${this.log()}`);
      try {
        const res = await fetch(`${this.url}/-/ready`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`prometheus did not become ready:\n${this.log()}`);
  }

  /** Graceful stop (SIGTERM, then SIGKILL if it lingers). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async dispose(): Promise<void> {
    await this.stop();
    process.removeListener('exit', this.#killOnExit);
    await rm(this.dir, { recursive: true, force: true });
  }

  log(): string {
    return this.#log.join('');
  }

  /** Instant query; returns the result vector or matrix. */
  async query<T = PromQueryResult>(expr: string, timeSeconds: number): Promise<T[]> {
    const url = `${this.url}/api/v1/query?query=${encodeURIComponent(expr)}&time=${timeSeconds}`;
    const res = await fetch(url);
    const body = (await res.json()) as { status: string; data?: { result: T[] }; error?: string };
    if (body.status !== 'success' || body.data === undefined) throw new Error(`query ${expr} failed: ${body.error ?? res.status}`);
    return body.data.result;
  }
}

export interface PromQueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PromMatrixResult {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}
