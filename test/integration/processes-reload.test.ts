/**
 * `processes:` and `alerts:` reload live with the config file; a bad edit is refused and logged and
 * the running definitions stay.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { loadHubConfig } from '../../src/config/index.js';
import { buildOrder, DEMO_ACCOUNTS, ORDER_PROCESS, sendBatches, type RequestSigner } from '../../src/demo/index.js';
import { startHub } from '../../src/hub/hub.js';
import { eventually } from '../helpers/test-hub.js';

it('processes and alert rules change with the config file without a restart; a bad edit is refused and logged', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-proc-reload-'));
  const file = join(dir, 'hub.yaml');
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, cb) => (lines.push(chunk.toString()), cb()) }));
  const base = { dataDir: join(dir, 'data'), otlp: { host: '127.0.0.1', port: 0 }, console: { host: '127.0.0.1', port: 0 }, auth: { mode: 'none' }, alerts: { evaluateIntervalSeconds: 1 } };
  await writeFile(file, stringify(base));
  const hub = await startHub(await loadHubConfig(file, {}), logger, { configFile: file });
  const api = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${hub.consoleAddress.port}${path}`, { headers: { authorization: `Bearer ${hub.adminToken}` } });
    return { status: res.status, json: (await res.json()) as any };
  };
  try {
    // auth.mode none: every account's part lands as the one configured account, which is fine here.
    const signers = new Map<string, RequestSigner>(DEMO_ACCOUNTS.map((a) => [a.id, () => Promise.resolve({})]));
    const sendOrder = async (n: number): Promise<void> => {
      const built = buildOrder(n, BigInt(Date.now()) * 1_000_000n, new Map(), { kind: 'completed', invalidShare: 0 });
      await sendBatches(`http://127.0.0.1:${hub.otlpAddress.port}`, built.batches, signers);
    };
    await sendOrder(1);
    assert.deepEqual((await api('/api/processes')).json.processes, []);
    assert.equal((await api('/api/processes/order/instances')).status, 404);

    await writeFile(file, stringify({ ...base, processes: [ORDER_PROCESS], alerts: { evaluateIntervalSeconds: 1, rules: [{ name: 'AnyCompleted', process: 'order', when: 'errorRatio', threshold: 0 }] } }));
    await eventually(async () => (await api('/api/processes')).json.processes.length === 1, 'the order process after the reload');
    // The store links spans to keys as it stores them: definitions apply to data stored from now on.
    await sendOrder(2);
    const listed = await eventually(async () => {
      const r = await api('/api/processes');
      return r.json.processes[0]?.completed === 1 ? r.json.processes[0] : undefined;
    }, 'an order stored after the reload');
    assert.equal(listed.instances, 1);
    // Threshold 0: the new rule is true as soon as there is an instance, so it fires at the next evaluation.
    await eventually(async () => (await api('/api/alerts?state=firing')).json.alerts.some((a: { name: string }) => a.name === 'AnyCompleted'), 'the reloaded rule firing');

    // An alert rule on a process that does not exist: the whole edit is refused.
    await writeFile(file, stringify({ ...base, processes: [], alerts: { rules: [{ name: 'Bad', process: 'order', when: 'stuck' }] } }));
    await eventually(async () => lines.some((l) => l.includes('config reload refused') && l.includes("no process named 'order'")), 'the refusal logged');
    assert.equal((await api('/api/processes')).json.processes.length, 1, 'the running definitions stay');

    await writeFile(file, stringify({ ...base, processes: [{ ...ORDER_PROCESS, name: 'purchase' }] }));
    await eventually(async () => (await api('/api/processes/purchase/instances')).status === 200, 'the renamed process');
    await sendOrder(3);
    await eventually(async () => (await api('/api/processes/purchase/instances')).json.instances?.length === 1, 'an order of the renamed process');
    assert.equal((await api('/api/processes/order/instances')).status, 404);
    // The rule is gone from the config: its alert resolves.
    await eventually(async () => (await api('/api/alerts?state=resolved')).json.alerts.some((a: { name: string }) => a.name === 'AnyCompleted'), 'the removed rule resolved');
  } finally {
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  }
});
