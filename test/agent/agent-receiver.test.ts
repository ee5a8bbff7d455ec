/** The agent's OTLP receiver as startAgent wires it: statuses, messages and its request metric. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { decodeRpcStatus } from '../../src/otlp/index.js';
import { eventually } from '../helpers/test-hub.js';
import { markedLogs, startTestAgent } from './agent-helpers.js';

test('the agent answers OTLP errors in the request’s encoding and counts every answered request by signal and status', async () => {
  const t = await startTestAgent({ receivers: { otlp: { maxBodyBytes: 4096, maxDecompressedBytes: 16 * 1024 } } });
  try {
    const post = async (path: string, body: Uint8Array | string, headers: Record<string, string>): Promise<{ status: number; message: string }> => {
      const res = await fetch(`${t.otlpUrl}${path}`, { method: 'POST', headers, body });
      const bytes = new Uint8Array(await res.arrayBuffer());
      const format = res.headers.get('content-type') === 'application/json' ? 'json' : 'protobuf';
      return { status: res.status, message: res.status === 200 ? '' : decodeRpcStatus(bytes, format).message };
    };
    const json = { 'content-type': 'application/json' };
    assert.deepEqual(await post('/v1/logs', markedLogs(['a', 'b']), json), { status: 200, message: '' });
    assert.equal((await post('/v1/logs', '{"resourceLogs":', json)).status, 400);
    assert.equal((await post('/v1/logs', 'x'.repeat(5000), json)).message, 'body of 5000 bytes is over the limit of 4096 bytes');
    assert.equal((await post('/v1/logs', gzipSync(Buffer.alloc(64 * 1024)), { ...json, 'content-encoding': 'gzip' })).status, 413);
    assert.equal((await post('/v1/logs', 'x', { 'content-type': 'text/plain' })).status, 415);
    assert.equal((await post('/v1/metrics', Uint8Array.from([1]), { 'content-type': 'application/x-protobuf', 'content-encoding': 'br' })).status, 415);
    assert.equal((await post('/v2/logs', '{}', json)).status, 404);
    assert.equal((await fetch(`${t.otlpUrl}/v1/traces`)).status, 405);

    // Counted when the response finished: a refusal that lingers over an unread body finishes a moment after the client read it.
    const text = await eventually(async () => {
      const m = await (await fetch(`${t.healthUrl}/metrics`)).text();
      return /e2e_agent_receiver_requests_total\{signal="logs",code="413"\} 2\n/.test(m) && m;
    }, 'both 413s counted');
    for (const [signal, code, n] of [
      ['logs', '200', 1],
      ['logs', '400', 1],
      ['logs', '413', 2],
      ['logs', '415', 1],
      ['metrics', '415', 1],
      ['traces', '405', 1],
    ] as const) {
      assert.match(text, new RegExp(`e2e_agent_receiver_requests_total\\{signal="${signal}",code="${code}"\\} ${n}\\n`));
    }
    assert.match(text, /e2e_agent_received_items_total\{signal="logs",receiver="otlp"\} 2\n/);
    assert.match(text, /e2e_http_requests_in_flight\{server="agent_otlp"\} 0\n/);
  } finally {
    await t.close();
  }
});
