import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { listeningLine, startCli, type CliProcess } from '../helpers/cli.js';
import { eventually } from '../helpers/test-hub.js';
import { freePort, hubLogBodies, sendMarked, startTestAgent } from '../agent/agent-helpers.js';

// The hub (a real process, SigV4 + API key) is killed with SIGKILL mid-stream and restarted on the
// same address and data directory; the agent keeps accepting, queues on disk and retries. Every
// record the agent acknowledged must end up in the hub's store.
const ACCOUNT = '345678901234';
const ADMIN_TOKEN = 'agent-hub-restart-admin-token';
const REQUESTS = 120;
const PER_REQUEST = 2;

test('every record the agent acknowledged reaches the hub across a hub kill -9 and restart', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-agent-hub-restart-'));
  const otlpPort = await freePort();
  const hubConfig = join(dir, 'hub.yaml');
  await writeFile(
    hubConfig,
    stringify({
      dataDir: join(dir, 'hub-data'),
      logLevel: 'warn',
      otlp: { host: '127.0.0.1', port: otlpPort },
      console: { host: '127.0.0.1', port: 0 },
      auth: { mode: 'sigv4' },
    }),
  );
  const env = { E2E_ADMIN_TOKEN: ADMIN_TOKEN };
  const hubs: CliProcess[] = [];
  let agent: Awaited<ReturnType<typeof startTestAgent>> | undefined;
  try {
    const first = startCli(['hub', '--config', hubConfig], env);
    hubs.push(first);
    const ports = await first.waitForLine(listeningLine);
    const created = await fetch(`http://127.0.0.1:${ports.consolePort}/api/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: ACCOUNT, name: 'restart', plan: 'default' }),
    });
    assert.equal(created.status, 201);
    const keys = (await created.json()) as { accessKeyId: string; secretAccessKey: string };

    agent = await startTestAgent(
      {
        exporters: {
          hub: {
            endpoint: `http://127.0.0.1:${otlpPort}`,
            credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
            apiKey: 'fetch',
            include: { logs: { attributes: { 'e2e.share': 'yes' } } },
          },
        },
      },
      {},
    );
    const run = `hubrestart-${Date.now()}`;
    const acked: string[] = [];
    let second: CliProcess | undefined;
    for (let i = 0; i < REQUESTS; i++) {
      const markers = Array.from({ length: PER_REQUEST }, (_, k) => `${run}-${i}-${k}`);
      if (await sendMarked(agent.otlpUrl, markers)) acked.push(...markers);
      if (i === 40) first.kill('SIGKILL');
      if (i === 80) {
        await first.exited;
        second = startCli(['hub', '--config', hubConfig], env);
        hubs.push(second);
      }
      await sleep(5);
    }
    assert.ok(second !== undefined);
    const ports2 = await second.waitForLine(listeningLine);
    // The agent never depended on the hub to acknowledge: the hub's outage cost no acknowledgement.
    assert.equal(acked.length, REQUESTS * PER_REQUEST);
    const consoleUrl = `http://127.0.0.1:${ports2.consolePort}`;
    const bodies = await eventually(
      async () => {
        const b = await hubLogBodies(consoleUrl, ADMIN_TOKEN, run);
        return acked.every((m) => b.has(m)) ? b : undefined;
      },
      'every acknowledged record at the hub',
      30_000,
    );
    const duplicates = [...bodies.values()].reduce((n, c) => n + c - 1, 0);
    console.log(`# hub kill -9/restart: ${acked.length} records acknowledged by the agent, all at the hub, ${duplicates} duplicates`);
    assert.equal(acked.filter((m) => !bodies.has(m)).length, 0);
    assert.ok((agent.agent.exporterStats()['hub']?.retries ?? 0) > 0, 'the agent saw the outage and retried');
  } finally {
    await agent?.close();
    for (const h of hubs) {
      h.kill('SIGKILL');
      await h.exited;
    }
    await rm(dir, { recursive: true, force: true });
  }
});
