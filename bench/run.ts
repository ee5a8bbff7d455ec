import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { stringify } from 'yaml';
import type { Signal } from '../src/otlp/model.js';
import { benchPayload } from './payloads.js';

/**
 * `npm run bench`: the hub (child process, embedded store, auth none) against a bare Node HTTP
 * baseline in the same run, driven by autocannon with identical OTLP protobuf requests.
 * Prints one JSON line per scenario and target; ratios are hub/baseline since machines are noisy.
 */
const ITEMS = 100;
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const DURATION_S = Number(process.env['BENCH_SECONDS'] ?? 10);
const root = resolve(new URL('../..', import.meta.url).pathname);

async function startChild(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((res, rej) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const v = JSON.parse(line) as { event?: string; port?: number; otlp?: string };
        if (v.event === 'listening') res(v.port ?? Number(v.otlp?.split(':').pop()));
      } catch {
        /* other output */
      }
    });
    child.once('exit', (code) => rej(new Error(`child exited ${code}`)));
  });
  return { child, port };
}

async function peakRssMb(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

async function drive(port: number, signal: Signal, body: Buffer): Promise<autocannon.Result> {
  // Each scenario posts to its signal's path; the baseline ignores the path.
  return autocannon({
    url: `http://127.0.0.1:${port}/v1/${signal}`,
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body,
    connections: CONNECTIONS,
    duration: DURATION_S,
  });
}

function okRps(r: autocannon.Result): number {
  return (r.requests.total - r.non2xx) / r.duration;
}

/** A hub child process on loopback with auth none; `extra` adds config keys. */
async function startHub(dir: string, name: string, extra: Record<string, unknown>): Promise<{ child: ChildProcess; port: number }> {
  const configFile = join(dir, `${name}.yaml`);
  await writeFile(
    configFile,
    stringify({
      dataDir: join(dir, `data-${name}`),
      logLevel: 'warn',
      otlp: { host: '127.0.0.1', port: 0, maxConcurrentRequests: 1024 },
      console: { host: '127.0.0.1', port: 0 },
      auth: { mode: 'none' },
      // The usage plan is not what is measured here: lift it so every request is processed.
      usagePlans: { default: { requestsPerSecond: 1_000_000, burst: 1_000_000, bytesPerSecond: 1_000_000_000 } },
      ...extra,
    }),
  );
  return startChild([join(root, 'dist/src/cli/main.js'), 'hub', '--config', configFile]);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-bench-'));
  const hub = await startHub(dir, 'hub', {});
  // The same hub without the embedded store: the ingest path alone (auth, decode, validate, fsync).
  const ingestOnly = await startHub(dir, 'hub-ingest-only', { queue: { maxBytes: 4 * 1024 * 1024 * 1024 }, exporters: { embedded: { enabled: false } } });
  const base = await startChild([join(root, 'dist/bench/baseline-server.js')]);
  try {
    for (const signal of ['traces', 'logs', 'metrics'] as Signal[]) {
      const body = Buffer.from(benchPayload(signal, ITEMS));
      const results: Record<string, autocannon.Result> = {};
      for (const [target, port] of [['baseline', base.port], ['hub', hub.port], ['hub-ingest-only', ingestOnly.port]] as const) {
        const r = await drive(port, signal, body);
        results[target] = r;
        const non2xx = r.non2xx;
        // Only 2xx answers count: a refused request is not throughput.
        const rps = (r.requests.total - non2xx) / r.duration;
        const line = {
          scenario: `${signal}-${ITEMS}x20attrs`,
          target,
          connections: CONNECTIONS,
          requestsPerSec: Math.round(rps),
          itemsPerSec: Math.round(rps * ITEMS),
          mbPerSec: Number(((rps * body.length) / 1e6).toFixed(2)),
          requestBytes: body.length,
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          peakRssMb: await peakRssMb(target === 'hub' ? hub.child.pid : target === 'baseline' ? base.child.pid : ingestOnly.child.pid),
          non2xx,
          errors: r.errors,
          ratioToBaseline: target === 'baseline' ? 1 : Number((rps / okRps(results['baseline'] ?? r)).toFixed(3)),
        };
        process.stdout.write(`${JSON.stringify(line)}\n`);
      }
    }
  } finally {
    hub.child.kill('SIGTERM');
    ingestOnly.child.kill('SIGTERM');
    base.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
