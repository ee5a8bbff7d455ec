import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { startCli, type CliProcess } from '../helpers/cli.js';
import { eventually, startTestHub } from '../helpers/test-hub.js';
import { agentListeningLine, freePort, hubLogBodies, sendMarked } from '../agent/agent-helpers.js';

// The agent (a real `e2e-o11y agent` process) is killed with SIGKILL mid-stream and restarted on
// the same data directory: every record it acknowledged before the kill must still reach the hub.
const ACCOUNT = '456789012345';
const REQUESTS = 150;
const PER_REQUEST = 2;

test('every record the agent acknowledged reaches the hub across an agent kill -9 and restart', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-agent-kill9-'));
  const hub = await startTestHub({ auth: { mode: 'sigv4' } });
  const agents: CliProcess[] = [];
  try {
    const created = await hub.api('/api/accounts', { method: 'POST', body: { id: ACCOUNT, name: 'kill9', plan: 'default' } });
    assert.equal(created.status, 201);
    const otlpPort = await freePort();
    const agentConfig = join(dir, 'agent.yaml');
    await writeFile(
      agentConfig,
      stringify({
        dataDir: join(dir, 'agent-data'),
        logLevel: 'warn',
        receivers: { otlp: { host: '127.0.0.1', port: otlpPort } },
        health: { host: '127.0.0.1', port: 0 },
        exporters: {
          hub: {
            endpoint: hub.otlpUrl,
            credentials: { accessKeyId: created.json.accessKeyId, secretAccessKey: created.json.secretAccessKey },
            apiKey: 'fetch',
            retry: { initialBackoffSeconds: 0.05, maxBackoffSeconds: 0.5 },
            // Long batches: at the kill, acknowledged records are still only in the agent's queue.
            batch: { maxDelayMs: 3000, maxItems: 10000 },
            include: { logs: { attributes: { 'e2e.share': 'yes' } } },
          },
        },
      }),
    );
    const first = startCli(['agent', '--config', agentConfig]);
    agents.push(first);
    await first.waitForLine(agentListeningLine);
    const otlpUrl = `http://127.0.0.1:${otlpPort}`;
    const run = `kill9-${Date.now()}`;
    const acked: string[] = [];
    let refused = 0;
    let atHubAtKill = 0;
    let ackedAtKill = 0;
    let second: CliProcess | undefined;
    for (let i = 0; i < REQUESTS; i++) {
      const markers = Array.from({ length: PER_REQUEST }, (_, k) => `${run}-${i}-${k}`);
      if (await sendMarked(otlpUrl, markers)) acked.push(...markers);
      else refused++;
      if (i === 60) {
        first.kill('SIGKILL');
        const atKill = await hubLogBodies(hub.consoleUrl, hub.hub.adminToken, run);
        atHubAtKill = acked.filter((m) => atKill.has(m)).length;
        ackedAtKill = acked.length;
      }
      if (i === 90) {
        await first.exited;
        second = startCli(['agent', '--config', agentConfig]);
        agents.push(second);
        await second.waitForLine(agentListeningLine);
      }
      await sleep(5);
    }
    assert.ok(atHubAtKill < ackedAtKill, 'some acknowledged records were only in the agent’s queue when it was killed');
    assert.ok(refused > 0, 'requests while the agent was down were refused, not acknowledged');
    const bodies = await eventually(
      async () => {
        const b = await hubLogBodies(hub.consoleUrl, hub.hub.adminToken, run);
        return acked.every((m) => b.has(m)) ? b : undefined;
      },
      'every acknowledged record at the hub',
      30_000,
    );
    const duplicates = [...bodies.values()].reduce((n, c) => n + c - 1, 0);
    console.log(
      `# agent kill -9/restart: ${acked.length} records acknowledged, ${ackedAtKill - atHubAtKill} of them only queued at the kill, ${refused * PER_REQUEST} refused while down, all acknowledged at the hub, ${duplicates} duplicates`,
    );
    assert.equal(acked.filter((m) => !bodies.has(m)).length, 0);

    // SIGTERM drains and exits 0.
    second?.kill('SIGTERM');
    const exit = await second?.exited;
    assert.equal(exit?.code, 0);
  } finally {
    for (const a of agents) {
      a.kill('SIGKILL');
      await a.exited;
    }
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  }
});
