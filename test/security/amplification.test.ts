import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { decodeExportResponse, decodeRpcStatus, encodeRequest } from '../../src/otlp/index.js';
import type { KeyValue } from '../../src/otlp/model.js';
import { listeningLine, startCli } from '../helpers/cli.js';
import { writeHubConfig } from '../helpers/hub-process.js';
import { span, stringAttr, tracesRequest } from '../helpers/otlp-requests.js';

/**
 * Issue 9, "one tenant can freeze or kill the hub": the exact bodies, three at once, against a hub
 * in its own process (so its memory is measured from /proc as an operator would see it).
 */
const MIB = 1024 * 1024;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** One ResourceLogs, then copies of the 7-byte LogRecord `12 05 2a 03 0a 01 78` up to exactly 64 MiB. */
function logRecordBomb(): Buffer {
  const record = Buffer.from([0x12, 0x05, 0x2a, 0x03, 0x0a, 0x01, 0x78]);
  // Sizes chosen so the whole body is exactly 64 MiB: the decompressed limit is met, not passed.
  let n = Math.floor((64 * MIB - 16) / 7);
  for (;;) {
    const scope = 7 * n;
    const resource = 1 + varint(scope).length + scope;
    const total = 1 + varint(resource).length + resource;
    if (total <= 64 * MIB) break;
    n--;
  }
  const scopeLogs = Buffer.alloc(7 * n);
  for (let i = 0; i < n; i++) record.copy(scopeLogs, i * 7);
  const scope = Buffer.concat([Buffer.from([0x12, ...varint(scopeLogs.length)]), scopeLogs]);
  return gzipSync(Buffer.concat([Buffer.from([0x0a, ...varint(scope.length)]), scope]), { level: 9 });
}

/** `{"resourceLogs":` + 33 M `[` + 33 M `]` + `}`, gzipped to about 64 KB. */
function bracketBomb(): Buffer {
  const n = 33_000_000;
  const text = Buffer.alloc(16 + 2 * n + 1);
  text.write('{"resourceLogs":');
  text.fill('[', 16, 16 + n);
  text.fill(']', 16 + n, 16 + 2 * n);
  text.write('}', 16 + 2 * n);
  return gzipSync(text, { level: 9 });
}

function spanRequest(attributes: KeyValue[]): Uint8Array {
  const big = span({ traceId: new Uint8Array(16).fill(9), spanId: new Uint8Array(8).fill(9), name: 'big', attributes });
  return encodeRequest('traces', tracesRequest([big], [stringAttr('source.name', 'attacker')]), 'protobuf');
}

/** Resident set of a process and its children (a store process, with `isolation: process`), in bytes. */
async function rssBytes(pid: number): Promise<number> {
  const pids = [pid];
  for (const name of await readdir('/proc')) {
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) pids.push(Number(name));
  }
  let kb = 0;
  for (const p of pids) {
    const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${p}/status`, 'utf8').catch(() => ''));
    if (m) kb += Number(m[1]);
  }
  return kb * 1024;
}

interface Timed {
  status: number;
  ms: number;
  body: Buffer;
  type: string;
}

async function post(url: string, body: Uint8Array, headers: Record<string, string>): Promise<Timed> {
  const start = Date.now();
  const res = await fetch(url, { method: 'POST', body, headers });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, ms: Date.now() - start, body: bytes, type: res.headers.get('content-type') ?? '' };
}

describe('amplification attacks (issue 9, point 2)', () => {
  it('three concurrent 64 MiB gzip bombs, three JSON nesting bombs and oversized attributes: all answered within 15 s, RSS growth under 1 GiB, the hub keeps serving', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-amplification-'));
    const configFile = await writeHubConfig(dir, {
      auth: { none: { accountId: '123456789012' } },
      usagePlans: { default: { requestsPerSecond: 1000, burst: 1000, bytesPerSecond: 1_000_000_000 } },
    });
    const hub = startCli(['hub', '--config', configFile]);
    try {
      const { otlpPort } = await hub.waitForLine(listeningLine);
      const pid = hub.child.pid as number;
      const base = `http://127.0.0.1:${otlpPort}`;
      const protoBomb = logRecordBomb();
      const jsonBomb = bracketBomb();
      assert.ok(protoBomb.length < 200 * 1024, `gzip bomb is ${protoBomb.length} bytes`);
      const before = await rssBytes(pid);
      let peak = before;
      const sampler = setInterval(() => {
        void rssBytes(pid).then((v) => (peak = Math.max(peak, v)));
      }, 50);
      const pb = { 'content-type': 'application/x-protobuf' };
      const gz = { 'content-encoding': 'gzip' };
      const wideSpan = spanRequest(Array.from({ length: 50_000 }, (_, i) => ({ key: `k${i}`, value: { stringValue: 'v' } })));
      const longKey = spanRequest([{ key: 'k'.repeat(MIB), value: { stringValue: 'v' } }]);
      let replies: Timed[];
      try {
        replies = await Promise.all([
          post(`${base}/v1/logs`, protoBomb, { ...pb, ...gz }),
          post(`${base}/v1/logs`, protoBomb, { ...pb, ...gz }),
          post(`${base}/v1/logs`, protoBomb, { ...pb, ...gz }),
          post(`${base}/v1/logs`, jsonBomb, { 'content-type': 'application/json', ...gz }),
          post(`${base}/v1/logs`, jsonBomb, { 'content-type': 'application/json', ...gz }),
          post(`${base}/v1/logs`, jsonBomb, { 'content-type': 'application/json', ...gz }),
          post(`${base}/v1/traces`, wideSpan, pb),
          post(`${base}/v1/traces`, longKey, pb),
        ]);
      } finally {
        clearInterval(sampler);
      }
      for (const r of replies) assert.ok(r.ms < 15_000, `answered in ${r.ms} ms`);
      // The bombs: refused as bad requests, naming the limit.
      for (const r of replies.slice(0, 3)) {
        assert.ok(r.status === 400 || r.status === 503, `protobuf bomb: HTTP ${r.status}`);
        if (r.status === 400) assert.match(decodeRpcStatus(r.body, 'protobuf').message, /more than 100000 items \(limit maxItemsPerRequest\)/);
      }
      for (const r of replies.slice(3, 6)) {
        assert.ok(r.status === 400 || r.status === 503, `JSON bomb: HTTP ${r.status}`);
        if (r.status === 400) assert.match(decodeRpcStatus(r.body, 'json').message, /nesting deeper than/);
      }
      // At least one bomb of each kind was really processed (not all turned away as busy).
      assert.ok(replies.slice(0, 3).some((r) => r.status === 400));
      assert.ok(replies.slice(3, 6).some((r) => r.status === 400));
      // The oversized attributes: accepted requests whose span is rejected and counted.
      for (const r of replies.slice(6)) {
        assert.equal(r.status, 200);
        const partial = decodeExportResponse('traces', r.body, 'protobuf');
        assert.equal(partial?.rejected, 1n);
        assert.match(partial?.errorMessage ?? '', /rejected by limit (maxAttributesPerItem|maxAttributeKeyBytes)/);
      }
      assert.ok(peak - before < 1024 * MIB, `RSS grew by ${Math.round((peak - before) / MIB)} MiB`);
      // Alive and serving everyone else.
      const ok = await post(`${base}/v1/traces`, spanRequest([]), pb);
      assert.equal(ok.status, 200);
      assert.equal(hub.child.exitCode, null);
    } finally {
      hub.kill('SIGKILL');
      await hub.exited;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
