import http from 'node:http';
import https from 'node:https';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ExportMetricsServiceRequest } from '../otlp/model.js';
import { createFileSdWatcher, type FileSdWatcher, type ScrapeTarget } from './file-sd.js';
import { fetchScrape } from './scrape-http.js';
import { DEFAULT_MAX_SAMPLES, formatFromContentType, tryParsePrometheusText } from './prometheus-text-parser.js';
import { prometheusToOtlp, type ScrapeTargetInfo } from './prometheus-to-otlp.js';
import { createStartTimeCache } from './start-time-cache.js';

export interface ScraperOptions {
  /** Static targets from the agent config. */
  targets?: readonly ScrapeTarget[];
  /** file_sd files (JSON or YAML), watched for changes. */
  fileSd?: readonly string[];
  intervalMs: number;
  /** Per-scrape deadline; must not exceed intervalMs. */
  timeoutMs: number;
  /** Cap on one scrape body after decompression. */
  maxBodyBytes: number;
  /** A scrape with more samples fails whole (Prometheus' sample_limit). Default 200 000. */
  maxSamples?: number;
  /** Longest label name or value. Default 4096. */
  maxLabelLength?: number;
  /** How often file_sd files are stat'ed in case fs.watch missed a change. Default 30 s. */
  fileSdPollMs?: number;
  /** Receives one request per scrape (also for failed scrapes, which carry `up` 0). */
  onMetrics(request: ExportMetricsServiceRequest): Promise<void>;
  /** Per-scrape report, for logging and self-metrics. */
  onScrape?(report: ScrapeReport): void;
  /** Problems that are not one scrape's: file_sd read errors, onMetrics rejections. */
  onError?(message: string): void;
  /** Wall clock (unix ms) for sample timestamps. */
  now?: () => number;
}

export interface ScrapeReport {
  target: ScrapeTarget;
  up: boolean;
  durationMs: number;
  samples: number;
  error?: string;
}

export interface Scraper {
  /** Loads file_sd and starts every target's loop, each at its own offset inside the interval. */
  start(): Promise<void>;
  /** Stops every loop and waits for scrapes in flight. */
  stop(): Promise<void>;
  /** Scrapes every current target once, now (also usable without start()). */
  scrapeAll(): Promise<ScrapeReport[]>;
  /** The current targets: static ones plus those file_sd discovered. */
  targets(): ScrapeTarget[];
}

interface TargetLoop {
  target: ScrapeTarget;
  timer: NodeJS.Timeout | undefined;
  running: Promise<ScrapeReport> | undefined;
}

function targetKey(t: ScrapeTarget): string {
  return JSON.stringify([t.url, t.job, t.sourceName, t.labels ?? {}]);
}

function targetInfo(target: ScrapeTarget): ScrapeTargetInfo {
  const url = new URL(target.url);
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const port = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port);
  const address = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const info: ScrapeTargetInfo = {
    job: target.job,
    instance: `${url.hostname}:${port}`,
    sourceName: target.sourceName,
    scheme,
    serverAddress: address,
    serverPort: port,
  };
  if (target.labels !== undefined) info.labels = target.labels;
  return info;
}

/**
 * The agent's Prometheus receiver: scrapes static and file_sd targets on an interval and hands
 * each scrape, converted to OTLP, to `onMetrics`. A failed scrape (refused, timeout, HTTP error,
 * body too large, unparsable, too many samples) still produces `up` 0, as Prometheus does.
 */
export function createScraper(options: ScraperOptions): Scraper {
  if (!(options.intervalMs > 0)) throw new TypeError('createScraper: intervalMs must be > 0');
  if (!(options.timeoutMs > 0) || options.timeoutMs > options.intervalMs) {
    throw new TypeError('createScraper: timeoutMs must be > 0 and not exceed intervalMs');
  }
  if (!(options.maxBodyBytes > 0)) throw new TypeError('createScraper: maxBodyBytes must be > 0');
  for (const t of options.targets ?? []) {
    try {
      const u = new URL(t.url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
    } catch {
      throw new TypeError(`createScraper: invalid target URL ${JSON.stringify(t.url)}`);
    }
    if (t.job === '' || t.sourceName === '') throw new TypeError(`createScraper: target ${t.url} needs job and sourceName`);
  }
  const now = options.now ?? Date.now;
  const maxSamples = options.maxSamples ?? DEFAULT_MAX_SAMPLES;
  const startTimes = createStartTimeCache();
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 2 });
  const staticTargets = [...(options.targets ?? [])];
  let discovered: ScrapeTarget[] = [];
  const loops = new Map<string, TargetLoop>();
  let started = false;
  let sweepTimer: NodeJS.Timeout | undefined;
  const watcher: FileSdWatcher | undefined =
    (options.fileSd ?? []).length > 0
      ? createFileSdWatcher({
          paths: options.fileSd ?? [],
          pollMs: options.fileSdPollMs ?? 30_000,
          onTargets(targets) {
            discovered = targets;
            reconcile();
          },
          onError: (message) => options.onError?.(message),
        })
      : undefined;

  const currentTargets = (): ScrapeTarget[] => {
    const seen = new Set<string>();
    const out: ScrapeTarget[] = [];
    for (const t of [...staticTargets, ...discovered]) {
      const k = targetKey(t);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(t);
    }
    return out;
  };

  async function scrapeTarget(target: ScrapeTarget): Promise<ScrapeReport> {
    const scrapeTimeMs = now();
    const t0 = performance.now();
    const fetched = await fetchScrape(target.url, {
      timeoutMs: options.timeoutMs,
      maxBodyBytes: options.maxBodyBytes,
      httpAgent,
      httpsAgent,
    });
    let report: ScrapeReport;
    let request: ExportMetricsServiceRequest;
    const info = targetInfo(target);
    if (!fetched.ok) {
      const durationMs = performance.now() - t0;
      report = { target, up: false, durationMs, samples: 0, error: fetched.message };
      request = prometheusToOtlp({ families: [], target: info, scrapeTimeMs, scrapeDurationMs: durationMs, up: false, startTimes });
    } else {
      const parsed = tryParsePrometheusText(fetched.body, {
        format: formatFromContentType(fetched.contentType),
        maxSamples,
        ...(options.maxLabelLength === undefined ? {} : { maxLabelLength: options.maxLabelLength }),
      });
      const durationMs = performance.now() - t0;
      if (!parsed.ok) {
        report = { target, up: false, durationMs, samples: 0, error: parsed.error.message };
        request = prometheusToOtlp({ families: [], target: info, scrapeTimeMs, scrapeDurationMs: durationMs, up: false, startTimes });
      } else {
        report = { target, up: true, durationMs, samples: parsed.sampleCount };
        request = prometheusToOtlp({ families: parsed.families, target: info, scrapeTimeMs, scrapeDurationMs: durationMs, up: true, startTimes });
      }
    }
    try {
      await options.onMetrics(request);
    } catch (err) {
      options.onError?.(`scrape ${target.url}: onMetrics failed: ${(err as Error).message}`);
    }
    options.onScrape?.(report);
    return report;
  }

  const runLoop = (loop: TargetLoop): void => {
    // Skip a tick rather than stack scrapes when a target is slower than the interval.
    if (loop.running !== undefined) return;
    loop.running = scrapeTarget(loop.target).finally(() => {
      loop.running = undefined;
    });
  };

  const reconcile = (): void => {
    if (!started) return;
    const wanted = new Map(currentTargets().map((t) => [targetKey(t), t]));
    for (const [k, loop] of loops) {
      if (wanted.has(k)) continue;
      clearTimeout(loop.timer);
      clearInterval(loop.timer);
      loops.delete(k);
    }
    for (const [k, target] of wanted) {
      if (loops.has(k)) continue;
      const loop: TargetLoop = { target, timer: undefined, running: undefined };
      // A stable per-target offset spreads scrapes over the interval, as Prometheus does.
      const offsetMs = createHash('sha256').update(k).digest().readUInt32BE(0) % options.intervalMs;
      loop.timer = setTimeout(() => {
        runLoop(loop);
        loop.timer = setInterval(() => runLoop(loop), options.intervalMs);
      }, offsetMs);
      loops.set(k, loop);
    }
  };

  return {
    async start() {
      if (started) return;
      started = true;
      await watcher?.start();
      reconcile();
      sweepTimer = setInterval(() => startTimes.forgetOlderThan(now() - 10 * options.intervalMs), 10 * options.intervalMs);
      sweepTimer.unref();
    },
    async stop() {
      started = false;
      watcher?.stop();
      clearInterval(sweepTimer);
      const inFlight: Promise<ScrapeReport>[] = [];
      for (const loop of loops.values()) {
        clearTimeout(loop.timer);
        clearInterval(loop.timer);
        if (loop.running !== undefined) inFlight.push(loop.running);
      }
      loops.clear();
      await Promise.allSettled(inFlight);
      httpAgent.destroy();
      httpsAgent.destroy();
    },
    async scrapeAll() {
      if (watcher !== undefined) await watcher.refresh();
      return Promise.all(currentTargets().map((t) => scrapeTarget(t)));
    },
    targets: currentTargets,
  };
}
