import { it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRequest } from '../../src/otlp/index.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { startTestHub } from '../helpers/test-hub.js';

const body = encodeRequest(
  'logs',
  {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'source.name', value: { stringValue: 'app' } }], droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeLogs: [{ schemaUrl: '', logRecords: [{ timeUnixNano: 1n, observedTimeUnixNano: 0n, severityNumber: 9, severityText: '', body: { stringValue: 'x' }, attributes: [], droppedAttributesCount: 0, flags: 0, traceId: new Uint8Array(0), spanId: new Uint8Array(0), eventName: '' }] }],
      },
    ],
  },
  'protobuf',
);

async function send(base: string): Promise<number> {
  const res = await fetch(`${base}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
  await res.arrayBuffer();
  return res.status;
}

it('two hub replicas sharing one redis-server enforce one plan per account; with Redis stopped both keep serving', { timeout: 60_000 }, async () => {
  const redis = await startRedisServer();
  // A plan whose bucket barely refills during the test: 10 requests in all, across both replicas.
  const overrides = { limits: { store: redis.url }, usagePlans: { default: { requestsPerSecond: 0.01, burst: 10 } } };
  const a = await startTestHub(overrides);
  const b = await startTestHub(overrides);
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push(await send(i % 2 === 0 ? a.otlpUrl : b.otlpUrl));
    const ok = statuses.filter((s) => s === 200).length;
    assert.equal(ok, 10, `the shared bucket admits its burst once across both replicas: ${statuses.join(',')}`);
    assert.ok(statuses.slice(10).every((s) => s === 429), '429s once the shared bucket is empty');
    const metrics = await (await fetch(`${a.consoleUrl}/metrics`)).text();
    assert.match(metrics, /e2e_limits_degraded 0/);

    await redis.stop();
    const during = [await send(a.otlpUrl), await send(b.otlpUrl)];
    // Each replica now limits on its own (a fresh per-replica bucket): they serve instead of failing.
    assert.deepEqual(during, [200, 200]);
    const degraded = await (await fetch(`${a.consoleUrl}/metrics`)).text();
    assert.match(degraded, /e2e_limits_degraded 1/);
  } finally {
    await a.close();
    await b.close();
    await redis.close();
  }
});
