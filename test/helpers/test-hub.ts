import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { hubConfigSchema, validateConfig, type HubConfig } from '../../src/config/index.js';
import { startHub, type Hub } from '../../src/hub/hub.js';

export interface TestHub {
  hub: Hub;
  config: HubConfig;
  dataDir: string;
  otlpUrl: string;
  consoleUrl: string;
  /** GET a console API path with the admin token; parsed JSON and status. */
  api(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

/** Merges `b` into `a` (objects only; arrays and scalars replace). */
export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      typeof v === 'object' && v !== null && !Array.isArray(v) && typeof prev === 'object' && prev !== null && !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** Raw config for a hub on loopback port 0 with a fresh data dir and auth.mode none (override freely). */
export function testHubRawConfig(dataDir: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return deepMerge(
    {
      dataDir,
      logLevel: 'silent',
      otlp: { host: '127.0.0.1', port: 0 },
      console: { host: '127.0.0.1', port: 0 },
      auth: { mode: 'none', none: { accountId: '123456789012' } },
      shutdown: { drainSeconds: 5 },
    },
    overrides,
  );
}

export async function startTestHub(overrides: Record<string, unknown> = {}, options: { dataDir?: string; keepDataDir?: boolean } = {}): Promise<TestHub> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'e2e-hub-')));
  const config = validateConfig(hubConfigSchema, testHubRawConfig(dataDir, overrides), 'test');
  const logger = pino({ level: process.env['E2E_TEST_LOG'] ?? 'silent' });
  const hub = await startHub(config, logger);
  const otlpUrl = `http://127.0.0.1:${hub.otlpAddress.port}`;
  const consoleUrl = `http://127.0.0.1:${hub.consoleAddress.port}`;
  return {
    hub,
    config,
    dataDir,
    otlpUrl,
    consoleUrl,
    async api(path, init) {
      const res = await fetch(`${consoleUrl}${path}`, {
        method: init?.method ?? 'GET',
        headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': 'application/json' },
        body: init?.body === undefined ? undefined : JSON.stringify(init.body),
      });
      const text = await res.text();
      let json: unknown = undefined;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: res.status, json };
    },
    async close() {
      await hub.close();
      if (options.keepDataDir !== true && options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
