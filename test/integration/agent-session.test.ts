import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { markedLogs, startTestAgent, type TestAgent } from '../agent/agent-helpers.js';

// credentials { session: true }: the long-lived keys only ask the hub for temporary credentials
// (GET /v1/self/session); data is signed with those and carries X-Amz-Security-Token.
const ACCOUNT = '789012345678';
let hub: TestHub;
let t: TestAgent;

before(async () => {
  hub = await startTestHub({ auth: { mode: 'sigv4' } });
  const created = await hub.api('/api/accounts', { method: 'POST', body: { id: ACCOUNT, name: 'sessions', plan: 'default' } });
  assert.equal(created.status, 201);
  t = await startTestAgent({
    exporters: {
      hub: {
        endpoint: hub.otlpUrl,
        credentials: { accessKeyId: created.json.accessKeyId, secretAccessKey: created.json.secretAccessKey, session: true },
        include: { logs: { attributes: { 'e2e.share': 'yes' } } },
      },
    },
  });
});

after(async () => {
  await t?.close();
  await hub?.close();
});

test('data signed with hub session credentials is accepted', async () => {
  const marker = `session-${Date.now()}`;
  const res = await fetch(`${t.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: markedLogs([marker]) });
  assert.equal(res.status, 200);
  const logs = await eventually(async () => {
    const r = await hub.api(`/api/logs?contains=${marker}`);
    return r.json.logs?.length > 0 ? r.json.logs : undefined;
  }, 'the log at the hub');
  assert.equal(logs[0].accountId, ACCOUNT);
  assert.equal(t.agent.exporterStats()['hub']?.failedItems, 0);
});
