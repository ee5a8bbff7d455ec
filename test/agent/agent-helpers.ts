import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { agentConfigSchema, startAgent, type Agent, type AgentConfig } from '../../src/agent/index.js';
import { validateConfig } from '../../src/config/index.js';
import { countItems, decodeRequest, encodeExportResponse } from '../../src/otlp/index.js';
import type { RequestBySignal, Signal } from '../../src/otlp/model.js';
import { deepMerge } from '../helpers/test-hub.js';

export interface SinkRequest<S extends Signal = Signal> {
  signal: S;
  request: RequestBySignal[S];
  headers: IncomingMessage['headers'];
  atMs: number;
  items: number;
}

export interface OtlpSink {
  url: string;
  requests: SinkRequest[];
  /** Every request seen, including those answered with an error (with its arrival time). */
  attempts: Array<{ path: string; atMs: number; status: number }>;
  /** Decides the answer to each request; default 200. Requests answered other than 2xx are not kept in `requests`. */
  respond: (path: string, attempt: number) => { status: number; headers?: Record<string, string>; body?: Uint8Array };
  items(signal: Signal): number;
  close(): Promise<void>;
}

/** A tiny OTLP/HTTP protobuf receiver standing in for a local stack or the hub. */
export async function startOtlpSink(): Promise<OtlpSink> {
  const sink: OtlpSink = {
    url: '',
    requests: [],
    attempts: [],
    respond: () => ({ status: 200 }),
    items: (signal) => sink.requests.filter((r) => r.signal === signal).reduce((n, r) => n + r.items, 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (req.method === 'GET' && path === '/healthz') {
        res.writeHead(200).end('ok');
        return;
      }
      const signal = /^\/v1\/(traces|metrics|logs)$/.exec(path)?.[1] as Signal | undefined;
      const atMs = Date.now();
      const answer = sink.respond(path, sink.attempts.length);
      sink.attempts.push({ path, atMs, status: answer.status });
      if (signal === undefined) {
        res.writeHead(404).end();
        return;
      }
      if (answer.status !== 200) {
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers }).end(answer.body ?? 'stand-in says no');
        return;
      }
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const request = decodeRequest(signal, body, 'protobuf');
      sink.requests.push({ signal, request, headers: req.headers, atMs, items: countItems(signal, request) });
      const out = encodeExportResponse(signal, undefined, 'protobuf');
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': out.length }).end(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return sink;
}

/** Raw agent config on loopback port 0 with fast retries (override freely). */
export function testAgentRawConfig(dataDir: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const fast = { retry: { initialBackoffSeconds: 0.05, maxBackoffSeconds: 0.5 }, batch: { maxDelayMs: 20 }, timeoutSeconds: 5 };
  return deepMerge(
    {
      dataDir,
      logLevel: 'silent',
      receivers: { otlp: { host: '127.0.0.1', port: 0 } },
      health: { host: '127.0.0.1', port: 0 },
      exporters: { local: { ...fast }, hub: { ...fast } },
      shutdown: { drainSeconds: 2 },
    },
    overrides,
  );
}

export interface TestAgent {
  agent: Agent;
  config: AgentConfig;
  dataDir: string;
  otlpUrl: string;
  healthUrl: string;
  close(): Promise<void>;
}

export async function startTestAgent(
  overrides: Record<string, unknown> = {},
  options: { dataDir?: string; /** Collects the agent's log lines (JSON) at level info and above. */ logs?: string[] } = {},
): Promise<TestAgent> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'e2e-agent-')));
  const config = validateConfig(agentConfigSchema, testAgentRawConfig(dataDir, overrides), 'test');
  const logs = options.logs;
  const logger =
    logs === undefined
      ? pino({ level: process.env['E2E_TEST_LOG'] ?? 'silent' })
      : pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const agent = await startAgent(config, logger);
  return {
    agent,
    config,
    dataDir,
    otlpUrl: `http://127.0.0.1:${agent.otlpAddress.port}`,
    healthUrl: `http://127.0.0.1:${agent.healthAddress.port}`,
    async close() {
      await agent.close();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Parses the agent's `{"event":"listening","otlp","health"}` line. */
export function agentListeningLine(line: string): { otlpPort: number; healthPort: number } | undefined {
  try {
    const v = JSON.parse(line) as { event?: string; otlp?: string; health?: string };
    if (v.event !== 'listening' || v.otlp === undefined || v.health === undefined) return undefined;
    return { otlpPort: Number(v.otlp.split(':').pop()), healthPort: Number(v.health.split(':').pop()) };
  } catch {
    return undefined;
  }
}

/** A port that was free a moment ago, for a process that must come back on the same address after a restart. */
export async function freePort(): Promise<number> {
  const { createServer: createNetServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A logs request (OTLP JSON) with one record per marker, opted in for the hub by `e2e.share: yes`. */
export function markedLogs(markers: readonly string[]): string {
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'source.name', value: { stringValue: 'durability-test' } }] },
        scopeLogs: [
          {
            logRecords: markers.map((m) => ({
              timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
              severityNumber: 9,
              body: { stringValue: m },
              attributes: [{ key: 'e2e.share', value: { stringValue: 'yes' } }],
            })),
          },
        ],
      },
    ],
  });
}

/** POSTs marked logs to an agent; true only for a 200 (the agent acknowledged them as durable). */
export async function sendMarked(otlpUrl: string, markers: readonly string[]): Promise<boolean> {
  try {
    const res = await fetch(`${otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: markedLogs(markers) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false; // connection refused or reset: not acknowledged
  }
}

/** Log bodies containing `contains` at a hub's query API, with how often each occurs. */
export async function hubLogBodies(consoleUrl: string, adminToken: string, contains: string): Promise<Map<string, number>> {
  const res = await fetch(`${consoleUrl}/api/logs?contains=${encodeURIComponent(contains)}&limit=1000`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  const json = (await res.json()) as { logs?: Array<{ body: unknown }> };
  const out = new Map<string, number>();
  for (const l of json.logs ?? []) {
    if (typeof l.body === 'string') out.set(l.body, (out.get(l.body) ?? 0) + 1);
  }
  return out;
}
