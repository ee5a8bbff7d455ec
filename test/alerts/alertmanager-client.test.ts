import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { backoffMs, createAlertmanagerClient, isRetryableStatus } from '../../src/alerts/index.js';

const logger = pino({ level: 'silent' });
const alert = { labels: { alertname: 'A' }, annotations: { summary: 's' }, startsAt: new Date(0).toISOString(), endsAt: new Date(1).toISOString(), generatorURL: 'http://c/' };

/** A real HTTP server answering with the given statuses in turn; records request paths and bodies. */
async function server(statuses: number[]) {
  const seen: { path: string; body: unknown }[] = [];
  const s = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen, close: () => new Promise<void>((r) => s.close(() => r())) };
}

describe('Alertmanager client', () => {
  it('posts to <url>/api/v2/alerts (keeping a base path) and retries 5xx with backoff', async () => {
    const s = await server([503, 500, 200]);
    try {
      const client = createAlertmanagerClient({ url: `${s.url}/am/`, timeoutMs: 2000, logger, baseDelayMs: 10 });
      assert.equal(await client.post([alert]), 'sent');
      assert.equal(s.seen.length, 3);
      assert.deepEqual(
        s.seen.map((r) => r.path),
        ['/am/api/v2/alerts', '/am/api/v2/alerts', '/am/api/v2/alerts'],
      );
      assert.deepEqual(s.seen[0]!.body, [alert]);
    } finally {
      await s.close();
    }
  });

  it('does not retry a 400 and gives up after maxAttempts; never throws when nothing listens', async () => {
    const s = await server([400, 503, 503, 503]);
    try {
      const client = createAlertmanagerClient({ url: s.url, timeoutMs: 2000, logger, baseDelayMs: 10, maxAttempts: 3 });
      assert.equal(await client.post([alert]), 'failed');
      assert.equal(s.seen.length, 1);
      assert.equal(await client.post([alert]), 'failed');
      assert.equal(s.seen.length, 4);
    } finally {
      await s.close();
    }
    const down = createAlertmanagerClient({ url: 'http://127.0.0.1:9', timeoutMs: 500, logger, baseDelayMs: 10 });
    assert.equal(await down.post([alert]), 'failed');
  });

  it('retry policy', () => {
    assert.deepEqual([429, 408, 500, 503, 400, 404, 422].map(isRetryableStatus), [true, true, true, true, false, false, false]);
    assert.equal(backoffMs(1, 100, () => 0.5), 100);
    assert.equal(backoffMs(3, 100, () => 0.5), 400);
    assert.equal(backoffMs(1, 100, () => 0), 75);
    assert.equal(backoffMs(1, 100, () => 1), 125);
  });
});
