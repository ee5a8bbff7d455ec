import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { decodeRpcStatus, encodeRequest } from '../../src/otlp/index.js';
import { logRecord, logsRequest, stringAttr } from '../helpers/otlp-requests.js';
import { startTestHub } from '../helpers/test-hub.js';

/**
 * Issue 9.3 at the hub: a write error of the queue (here a real EFBIG: this test process's file
 * size limit is lowered with prlimit; node --test runs each file in its own process) answers 503
 * with Retry-After and says why, instead of a permanent "shutting down"; once the cause is gone
 * ingest recovers by itself, without a restart.
 */

const run = promisify(execFile);

function post(base: string, body: Buffer): Promise<{ status: number; retryAfter: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const logs = logsRequest(
  Array.from({ length: 5 }, (_, i) => logRecord(1_700_000_000_000_000_000n + BigInt(i), { body: { stringValue: `line ${i}` } })),
  [stringAttr('source.name', 'app')],
);

void test('a queue write error answers 503 with the cause; ingest recovers by itself once it is gone', { timeout: 60_000 }, async (t) => {
  const hub = await startTestHub({ exporters: { embedded: { enabled: false } } });
  t.after(() => hub.close());
  const limit = async (soft: string): Promise<void> => void (await run('prlimit', ['--pid', String(process.pid), `--fsize=${soft}:`]));
  t.after(() => limit('unlimited'));
  const body = Buffer.from(encodeRequest('logs', logs, 'protobuf'));
  for (let i = 0; i < 20; i++) assert.equal((await post(hub.otlpUrl, body)).status, 200);

  const queueDir = join(hub.dataDir, 'queue');
  const [segment] = (await readdir(queueDir)).filter((n) => n.endsWith('.seg'));
  await limit(String((await stat(join(queueDir, segment!))).size));
  const refused = await post(hub.otlpUrl, body);
  assert.equal(refused.status, 503);
  assert.ok(Number(refused.retryAfter) >= 1);
  assert.match(decodeRpcStatus(refused.body, 'protobuf').message, /^the hub cannot write its queue right now \(EFBIG.*\); retry later$/);
  assert.equal((await post(hub.otlpUrl, body)).status, 503, 'still refused while the cause lasts');

  await limit('unlimited');
  const deadline = Date.now() + 20_000;
  let status = 0;
  while (status !== 200) {
    assert.ok(Date.now() < deadline, 'ingest did not recover by itself');
    await new Promise((resolve) => setTimeout(resolve, 100));
    status = (await post(hub.otlpUrl, body)).status;
  }
  const stats = await hub.api('/api/stats');
  assert.equal(stats.json.accounts[0].accepted.logRecords, 5 * 21, 'only acknowledged requests count as accepted');
});
