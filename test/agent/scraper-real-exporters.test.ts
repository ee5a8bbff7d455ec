import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createScraper } from '../../src/agent/index.js';
import { attributesToPlain } from '../../src/otlp/attributes.js';
import type { ExportMetricsServiceRequest, Metric } from '../../src/otlp/model.js';

// Real exporters from Debian: prometheus-node-exporter and prometheus itself (both answer the
// 0.0.4 text format); a node:http server stands in for an OpenMetrics exporter with gzip.
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const PROMETHEUS = '/usr/bin/prometheus';

let dir: string;
const children: ChildProcess[] = [];
let nodeExporterUrl: string;
let prometheusUrl: string;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitUntilAnswering(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer within 15 s`);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e2e-scraper-'));
  const nePort = await freePort();
  const ne = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${nePort}`], { stdio: 'ignore' });
  children.push(ne);
  nodeExporterUrl = `http://127.0.0.1:${nePort}/metrics`;
  const promPort = await freePort();
  const config = join(dir, 'prometheus.yml');
  await writeFile(config, 'global:\n  scrape_interval: 1m\nscrape_configs: []\n');
  const prom = spawn(
    PROMETHEUS,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`],
    { stdio: 'ignore' },
  );
  children.push(prom);
  prometheusUrl = `http://127.0.0.1:${promPort}/metrics`;
  await Promise.all([waitUntilAnswering(nodeExporterUrl, ne), waitUntilAnswering(prometheusUrl, prom)]);
});

after(async () => {
  for (const c of children) {
    if (c.exitCode === null) {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (c.exitCode === null) c.kill('SIGKILL');
    }
  }
  await rm(dir, { recursive: true, force: true });
});

function metrics(req: ExportMetricsServiceRequest): Metric[] {
  return req.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
}

function findMetric(reqs: ExportMetricsServiceRequest[], job: string, name: string): Metric | undefined {
  for (const r of reqs) {
    const res = attributesToPlain(r.resourceMetrics[0]?.resource?.attributes ?? []);
    if (res['service.name'] !== job) continue;
    const m = metrics(r).find((x) => x.name === name);
    if (m !== undefined) return m;
  }
  return undefined;
}

test('scrapes node_exporter and prometheus: counters as monotonic cumulative Sums, histograms as Histograms', async () => {
  const received: ExportMetricsServiceRequest[] = [];
  const scraper = createScraper({
    targets: [
      { url: nodeExporterUrl, job: 'node', sourceName: 'node-src' },
      { url: prometheusUrl, job: 'prometheus', sourceName: 'prom-src', labels: { team: 'o11y' } },
    ],
    intervalMs: 60_000,
    timeoutMs: 10_000,
    maxBodyBytes: 20 * 1024 * 1024,
    onMetrics: (r) => {
      received.push(r);
      return Promise.resolve();
    },
  });
  const reports = await scraper.scrapeAll();
  await scraper.stop();
  assert.deepEqual(
    reports.map((r) => [r.target.job, r.up, r.error]),
    [
      ['node', true, undefined],
      ['prometheus', true, undefined],
    ],
  );
  const cpu = findMetric(received, 'node', 'node_cpu_seconds');
  assert.ok(cpu?.sum, 'node_cpu_seconds arrives as a Sum');
  assert.equal(cpu.sum.isMonotonic, true);
  assert.equal(cpu.sum.aggregationTemporality, 2);
  const attrs = attributesToPlain(cpu.sum.dataPoints[0]?.attributes ?? []);
  assert.equal(attrs['source.name'], 'node-src');
  assert.equal(attrs['job'], 'node');
  assert.ok(typeof attrs['cpu'] === 'string' && typeof attrs['mode'] === 'string');

  const hist = findMetric(received, 'prometheus', 'prometheus_http_request_duration_seconds');
  assert.ok(hist?.histogram, 'prometheus_http_request_duration_seconds arrives as a Histogram');
  const p = hist.histogram.dataPoints[0];
  assert.ok(p);
  assert.equal(p.bucketCounts.length, p.explicitBounds.length + 1);
  assert.equal(p.bucketCounts.reduce((a, b) => a + b, 0n), p.count, 'per-bucket counts add up to the count');
  assert.equal(attributesToPlain(p.attributes)['team'], 'o11y');
  assert.equal(findMetric(received, 'node', 'up')?.gauge?.dataPoints[0]?.asDouble, 1);
});

test('a dead target yields up=0 with source.name', async () => {
  const deadPort = await freePort();
  const received: ExportMetricsServiceRequest[] = [];
  const scraper = createScraper({
    targets: [{ url: `http://127.0.0.1:${deadPort}/metrics`, job: 'dead', sourceName: 'dead-src' }],
    intervalMs: 60_000,
    timeoutMs: 2_000,
    maxBodyBytes: 1024 * 1024,
    onMetrics: (r) => {
      received.push(r);
      return Promise.resolve();
    },
  });
  const [report] = await scraper.scrapeAll();
  await scraper.stop();
  assert.equal(report?.up, false);
  assert.match(report?.error ?? '', /ECONNREFUSED/);
  const up = findMetric(received, 'dead', 'up')?.gauge?.dataPoints[0];
  assert.equal(up?.asDouble, 0);
  assert.equal(attributesToPlain(up?.attributes ?? [])['source.name'], 'dead-src');
});

test('a body over maxBodyBytes fails the scrape (up=0) instead of being read whole', async () => {
  const scraper = createScraper({
    targets: [{ url: prometheusUrl, job: 'prometheus', sourceName: 'p' }],
    intervalMs: 60_000,
    timeoutMs: 5_000,
    maxBodyBytes: 1024,
    onMetrics: () => Promise.resolve(),
  });
  const [report] = await scraper.scrapeAll();
  await scraper.stop();
  assert.equal(report?.up, false);
  assert.match(report?.error ?? '', /exceeds 1024 bytes/);
});

test('file_sd: targets are read, a change is picked up, and the scrape loop runs', async () => {
  const sdFile = join(dir, 'targets.json');
  const nodeHostPort = new URL(nodeExporterUrl).host;
  const promHostPort = new URL(prometheusUrl).host;
  await writeFile(sdFile, JSON.stringify([{ targets: [nodeHostPort], labels: { job: 'node-sd', source_name: 'sd-src', zone: 'a' } }]));
  const received: ExportMetricsServiceRequest[] = [];
  const scraper = createScraper({
    fileSd: [sdFile],
    fileSdPollMs: 200,
    intervalMs: 2000,
    timeoutMs: 2000,
    maxBodyBytes: 20 * 1024 * 1024,
    onMetrics: (r) => {
      received.push(r);
      return Promise.resolve();
    },
  });
  await scraper.start();
  try {
    assert.deepEqual(scraper.targets(), [{ url: `http://${nodeHostPort}/metrics`, job: 'node-sd', sourceName: 'sd-src', labels: { zone: 'a' } }]);
    // YAML is accepted too; replace the file by a YAML document naming prometheus instead.
    await writeFile(sdFile, `- targets: ["${promHostPort}"]\n  labels: { job: prom-sd, __metrics_path__: /metrics }\n`);
    for (let i = 0; i < 100 && scraper.targets()[0]?.job !== 'prom-sd'; i++) await sleep(100);
    assert.deepEqual(scraper.targets(), [{ url: `http://${promHostPort}/metrics`, job: 'prom-sd', sourceName: 'prom-sd' }]);
    for (let i = 0; i < 200 && findMetric(received, 'prom-sd', 'up') === undefined; i++) await sleep(100);
    const up = findMetric(received, 'prom-sd', 'up');
    assert.equal(up?.gauge?.dataPoints[0]?.asDouble, 1, 'the loop scraped the new target');
  } finally {
    await scraper.stop();
  }
});

test('OpenMetrics over gzip: Accept header sent, _created gives the start time, exemplar ignored', async () => {
  let accept: string | undefined;
  let acceptEncoding: string | undefined;
  const body = gzipSync(
    '# TYPE jobs counter\njobs_total{kind="a"} 7 # {trace_id="abc"} 1\njobs_created{kind="a"} 1600000000.25\n# EOF\n',
  );
  const server = createHttpServer((req, res) => {
    accept = req.headers.accept;
    acceptEncoding = req.headers['accept-encoding'];
    res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8', 'content-encoding': 'gzip' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  const received: ExportMetricsServiceRequest[] = [];
  const scraper = createScraper({
    targets: [{ url: `http://127.0.0.1:${port}/metrics`, job: 'om', sourceName: 'om-src' }],
    intervalMs: 60_000,
    timeoutMs: 5_000,
    maxBodyBytes: 1024 * 1024,
    onMetrics: (r) => {
      received.push(r);
      return Promise.resolve();
    },
  });
  try {
    const [report] = await scraper.scrapeAll();
    assert.equal(report?.up, true, report?.error);
  } finally {
    await scraper.stop();
    await new Promise((r) => server.close(r));
  }
  assert.equal(accept, 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5');
  assert.match(acceptEncoding ?? '', /gzip/);
  const jobs = findMetric(received, 'om', 'jobs');
  assert.equal(jobs?.sum?.isMonotonic, true);
  assert.equal(jobs?.sum?.dataPoints[0]?.asDouble, 7);
  assert.equal(jobs?.sum?.dataPoints[0]?.startTimeUnixNano, 1_600_000_000_250n * 1_000_000n);
  assert.equal(findMetric(received, 'om', 'jobs_created'), undefined);
});
