import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { Signal } from '../src/otlp/model.js';
import { runCodecBench } from './codec.js';
import { benchPayload } from './payloads.js';
import { cpuSeconds, metric, peakRssMb, samplePeakPss, startAgent, startBaseline, startHub, type Child } from './processes.js';
import { createAccount, signedHeaders } from './sign.js';

/**
 * `npm run bench`: what a user pays, measured from the outside on this machine (shared with the
 * load generator). For traces, logs and metrics, with the embedded store on and off, SigV4 + API
 * key on: items/s, CPU-seconds per item over every thread of the hub process (/proc, so the store
 * worker and DuckDB's threads count), p50/p99, peak RSS, how long the store needs to catch up after
 * the load stops, disk bytes per million items; a bare Node server in the same run for the ratio;
 * the agent's forwarding cost; and the codec micro-benchmark. One JSON line per measurement, then
 * a Markdown table.
 */
const ITEMS = 100;
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 16);
const DURATION_S = Number(process.env['BENCH_SECONDS'] ?? 10);
const SIGNALS: Signal[] = (process.env['BENCH_SIGNALS']?.split(',') as Signal[] | undefined) ?? ['traces', 'logs', 'metrics'];
const ACCOUNT = '123456789012';
const ADMIN = randomBytes(24).toString('hex');

interface Result {
  scenario: string;
  target: string;
  itemsPerSec: number;
  cpuSecondsPerMillionItems: number;
  itemsPerCpuSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMb: number;
  /** Largest sampled sum of PSS over the process tree (shared library pages counted once). */
  peakPssMb: number;
  catchUpSeconds?: number;
  diskBytesPerMillionItems?: number;
  non2xx: number;
  ratioToBaseline?: number;
}

/** Distinct requests (ids and times differ) cycled by the load, so storage is not flattered by duplicates. */
const VARIANTS = 32;

interface Variant {
  body: Uint8Array;
  headers: Record<string, string>;
}

function drive(port: number, signal: Signal, variants: readonly Variant[]): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}/v1/${signal}`,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: variants.map((v) => ({ method: 'POST', path: `/v1/${signal}`, headers: { 'content-type': 'application/x-protobuf', ...v.headers }, body: Buffer.from(v.body) })),
  });
}

function bodies(signal: Signal): Uint8Array[] {
  return Array.from({ length: VARIANTS }, (_, seed) => benchPayload(signal, ITEMS, seed));
}

function hubConfig(dir: string, name: string, store: boolean): Record<string, unknown> {
  return {
    dataDir: join(dir, `data-${name}`),
    logLevel: 'warn',
    otlp: { host: '127.0.0.1', port: 0, maxConcurrentRequests: 1024 },
    console: { host: '127.0.0.1', port: 0 },
    // The usage plan is not what is measured: lift it so every request is processed.
    usagePlans: { default: { requestsPerSecond: 1_000_000, burst: 1_000_000, bytesPerSecond: 1_000_000_000_000 } },
    queue: { maxBytes: 8 * 1024 * 1024 * 1024 },
    exporters: { embedded: { enabled: store } },
  };
}

interface Measured<T> {
  value: T;
  cpuSeconds: number;
  peakPssMb: number;
  peakRssMb: number;
}

/** Runs `work` while measuring the CPU and memory of the process tree under `pid`. */
async function measured<T>(pid: number | undefined, work: () => Promise<T>): Promise<Measured<T>> {
  const cpu0 = await cpuSeconds(pid);
  const pss = samplePeakPss(pid);
  const value = await work();
  const cpu = (await cpuSeconds(pid)) - cpu0;
  return { value, cpuSeconds: cpu, peakPssMb: await pss.stop(), peakRssMb: await peakRssMb(pid) };
}

/** The columns every row has, from a load's result and what it cost. */
function row(scenario: string, target: string, items: number, r: autocannon.Result, m: Measured<unknown>): Result {
  return {
    scenario,
    target,
    itemsPerSec: Math.round(items / r.duration),
    cpuSecondsPerMillionItems: Number(((m.cpuSeconds / items) * 1e6).toFixed(2)),
    itemsPerCpuSecond: Math.round(items / m.cpuSeconds),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    peakRssMb: m.peakRssMb,
    peakPssMb: m.peakPssMb,
    non2xx: r.non2xx,
  };
}

/** Runs one load against a fresh hub and measures it until the store (if any) caught up. */
async function measureHub(dir: string, signal: Signal, store: boolean, payloads: readonly Uint8Array[]): Promise<Result> {
  const name = `${signal}-${store ? 'store' : 'nostore'}`;
  const hub = await startHub(dir, name, hubConfig(dir, name, store), ADMIN);
  try {
    const consolePort = hub.ports['console'] as number;
    const account = await createAccount(consolePort, ADMIN, ACCOUNT);
    const port = hub.ports['otlp'] as number;
    const variants = await Promise.all(payloads.map(async (body) => ({ body, headers: await signedHeaders(account, port, `/v1/${signal}`, body) })));
    let catchUpSeconds: number | undefined;
    let diskBytesPerMillionItems: number | undefined;
    const m = await measured(hub.child.pid, async () => {
      const r = await drive(port, signal, variants);
      const loadEnd = Date.now();
      const accepted = (r.requests.total - r.non2xx) * ITEMS;
      if (store) {
        while ((await metric(consolePort, 'e2e_export_items_total', { exporter: 'embedded', outcome: 'sent' })) < accepted) await sleep(100);
        catchUpSeconds = Number(((Date.now() - loadEnd) / 1000).toFixed(1));
        // The store's disk figures refresh every 10 s; give them one round.
        await sleep(10_500);
        diskBytesPerMillionItems = Math.round((await metric(consolePort, 'e2e_store_disk_bytes', { kind: 'file' })) / (accepted / 1e6));
      }
      return { r, accepted };
    });
    return {
      ...row(`${signal} ${store ? '+ store' : 'store off'}`, 'hub', m.value.accepted, m.value.r, m),
      ...(catchUpSeconds === undefined ? {} : { catchUpSeconds }),
      ...(diskBytesPerMillionItems === undefined ? {} : { diskBytesPerMillionItems }),
    };
  } finally {
    await hub.stop();
  }
}

async function measureBaseline(base: Child, signal: Signal, payloads: readonly Uint8Array[]): Promise<Result> {
  const m = await measured(base.child.pid, () => drive(base.ports['otlp'] as number, signal, payloads.map((body) => ({ body, headers: {} }))));
  return row(signal, 'bare node server', (m.value.requests.total - m.value.non2xx) * ITEMS, m.value, m);
}

/** The agent's cost: unsigned OTLP in from local apps, one pass, signed and forwarded to a hub. */
async function measureAgent(dir: string): Promise<Result> {
  const hub = await startHub(dir, 'agent-target', hubConfig(dir, 'agent-target', false), ADMIN);
  const account = await createAccount(hub.ports['console'] as number, ADMIN, ACCOUNT);
  const agent = await startAgent(dir, {
    dataDir: join(dir, 'agent-data'),
    logLevel: 'warn',
    receivers: { otlp: { host: '127.0.0.1', port: 0 } },
    resource: { attributes: { 'cloud.region': 'eu-central-1' } },
    exporters: {
      hub: {
        endpoint: `http://127.0.0.1:${hub.ports['otlp']}`,
        credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey },
        apiKey: account.apiKey,
        include: { traces: { attributes: { 'source.name': 'bench-source' } } },
      },
    },
    health: { host: '127.0.0.1', port: 0 },
  });
  try {
    const m = await measured(agent.child.pid, async () => {
      const r = await drive(agent.ports['otlp'] as number, 'traces', bodies('traces').map((body) => ({ body, headers: {} })));
      const accepted = (r.requests.total - r.non2xx) * ITEMS;
      // Until the hub has everything the agent acknowledged.
      while ((await metric(hub.ports['console'] as number, 'e2e_ingest_items_total', { signal: 'traces', outcome: 'accepted' })) < accepted) await sleep(100);
      return { r, accepted };
    });
    return row('traces via agent → hub', 'agent', m.value.accepted, m.value.r, m);
  } finally {
    await agent.stop();
    await hub.stop();
  }
}

function table(results: readonly Result[]): string {
  const head = '| scenario | target | items/s | items per CPU-second | CPU-s per 1M items | p50 ms | p99 ms | peak RSS MiB (sum of processes) | peak memory MiB (PSS) | store catch-up s | disk bytes per 1M items | non-2xx | ratio to bare server |';
  const sep = `|${head.split('|').slice(1, -1).map(() => '---').join('|')}|`;
  const rows = results.map(
    (r) =>
      `| ${r.scenario} | ${r.target} | ${r.itemsPerSec} | ${r.itemsPerCpuSecond} | ${r.cpuSecondsPerMillionItems} | ${r.p50Ms} | ${r.p99Ms} | ${r.peakRssMb} | ${r.peakPssMb} | ${r.catchUpSeconds ?? ''} | ${r.diskBytesPerMillionItems ?? ''} | ${r.non2xx} | ${r.ratioToBaseline ?? ''} |`,
  );
  return [head, sep, ...rows].join('\n');
}

async function main(): Promise<void> {
  runCodecBench(Number(process.env['BENCH_CODEC_ITERATIONS'] ?? 2000));
  const dir = await mkdtemp(join(tmpdir(), 'e2e-bench-'));
  const results: Result[] = [];
  const emit = (r: Result): void => {
    results.push(r);
    process.stdout.write(`${JSON.stringify(r)}\n`);
  };
  const base = await startBaseline();
  try {
    for (const signal of SIGNALS) {
      const payloads = bodies(signal);
      const baseline = await measureBaseline(base, signal, payloads);
      emit(baseline);
      for (const store of [true, false]) {
        const r = await measureHub(dir, signal, store, payloads);
        r.ratioToBaseline = Number((r.itemsPerCpuSecond / baseline.itemsPerCpuSecond).toFixed(3));
        emit(r);
      }
    }
    if (process.env['BENCH_AGENT'] !== '0') emit(await measureAgent(dir));
  } finally {
    await base.stop();
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(`\n${table(results)}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
