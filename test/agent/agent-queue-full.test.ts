import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, markedLogs, startTestAgent } from './agent-helpers.js';

test('with the hub unreachable the bounded queue fills and the agent answers 503 with Retry-After, never a silent drop', async () => {
  const deadPort = await freePort();
  const t = await startTestAgent({
    queue: { maxBytes: 16 * 1024 },
    exporters: { hub: { endpoint: `http://127.0.0.1:${deadPort}`, apiKey: 'k', credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' } } },
  });
  try {
    const body = markedLogs(Array.from({ length: 20 }, (_, i) => `filler-${i}-${'x'.repeat(64)}`));
    let ok = 0;
    let last: Response | undefined;
    for (let i = 0; i < 200; i++) {
      last = await fetch(`${t.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await last.arrayBuffer();
      if (last.status !== 200) break;
      ok++;
    }
    assert.ok(ok > 0, 'accepted until the queue was full');
    assert.equal(last?.status, 503);
    assert.ok(Number(last?.headers.get('retry-after')) >= 1);
    const text = await (await fetch(`${t.healthUrl}/metrics`)).text();
    assert.match(text, /e2e_agent_receiver_requests_total\{signal="logs",code="503"\} 1/);
    assert.match(text, new RegExp(`e2e_agent_received_items_total\\{signal="logs",receiver="otlp"\\} ${ok * 20}\\b`));
  } finally {
    await t.close();
  }
});
